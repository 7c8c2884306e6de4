"""Regular series from flows: one value per period, explicit zeros for periods without trade.

A flows selection lists only periods with rows; a forecast needs every period of the
span, with zero where nothing was traded. The span is the dataset's complete periods for
the flow (any product): a fiscal year rolled up from fewer than 12 months is left out at
the edges, so a part year never looks like a collapse.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import ibis.expr.types as ir
import numpy as np

from medtrade.analysis import flows as fl
from medtrade.catalog.periods import period_range
from medtrade.errors import InputError

__all__ = ["Panel", "Series", "bulk_series", "complete_span", "regular_series"]

#: Periods per year, for the seasonal models.
SEASON = {"fy": 1, "year": 1, "month": 12}


@dataclass
class Series:
    """One flow over consecutive periods.

    Attributes
    ----------
    uid : unique name (``9018|RUS``, or ``total``).
    keys : what the series is (``{"hs4": "9018", "partner": "RUS"}``).
    labels : period labels, consecutive, first non-zero period to the end of the span.
    y : values, one per label, zeros where nothing was traded.
    """

    uid: str
    keys: dict[str, str]
    labels: list[str]
    y: np.ndarray


@dataclass
class Panel:
    """Series of one period type and unit, forecast and backtested together."""

    period_type: str
    unit: str
    series: list[Series]
    span: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    @property
    def season(self) -> int:
        """12 for monthly series, else 1."""
        return SEASON[self.period_type]


def complete_span(sel: ir.Table, /, *, time_key: str, native: bool) -> tuple[list[str], list[str]]:
    """(every period label from the first to the last complete period; incomplete periods left out at the edges).

    ``sel`` is a :func:`medtrade.analysis.flows.select` result for the flow, any product.
    A period is complete when the dataset publishes it (``native``) or has its 12 months.
    """
    rows = fl.flows(sel, by=[time_key], unit="usd").to_pyarrow().to_pylist()
    months = {r[time_key]: r["source_periods"] for r in rows}
    complete = sorted(p for p, n in months.items() if native or time_key == "month" or n >= 12)
    if not complete:
        raise InputError(f"no complete {time_key} period in the selection (periods found: {', '.join(sorted(months)) or 'none'})")
    labels = [p.label for p in period_range(complete[0], complete[-1])]
    dropped = sorted(set(months) - set(labels))
    return labels, dropped


def regular_series(
    values: dict[str, float] | Iterable[tuple[str, float]], /, *, labels: Sequence[str], uid: str = "total",
    keys: dict[str, str] | None = None, trim_leading: bool = True,
) -> Series:
    """A :class:`Series` over ``labels`` with zeros for missing periods.

    Leading zeros (before the flow first appears) are trimmed unless ``trim_leading`` is
    false; zeros inside the span and at its end are kept: they are real absences of trade.

    >>> s = regular_series({"FY2018-19": 2.0, "FY2020-21": 3.0}, labels=["FY2017-18", "FY2018-19", "FY2019-20", "FY2020-21"])
    >>> s.labels, s.y.tolist()
    (['FY2018-19', 'FY2019-20', 'FY2020-21'], [2.0, 0.0, 3.0])
    """
    got = dict(values)
    y = np.array([float(got.get(p) or 0.0) for p in labels])
    start = int(np.argmax(y != 0)) if trim_leading and np.any(y != 0) else 0
    return Series(uid, keys or {}, list(labels[start:]), y[start:])


def bulk_series(
    sel: ir.Table, /, *, time_key: str, labels: Sequence[str], level: str = "hs4", unit: str = "usd_mn",
    rates: ir.Table | None = None, top_partners: int | None = 30, min_nonzero: int = 1,
    partners: Sequence[str] | None = None,
) -> list[Series]:
    """Every product x partner series of a selection (e.g. each HS4 to each of the top 30 destinations).

    ``level`` is hs2/hs4/hs6 or ``product`` (the code as published, e.g. India's HS8).
    Partners are the ``top_partners`` largest over the span (all when ``None``), plus
    ``partners`` if given; ``XXX`` (unspecified) is never a partner series. Series with
    fewer than ``min_nonzero`` non-zero periods are left out.
    """
    if level not in fl.PRODUCT_KEYS:
        raise InputError(f"unknown product level `{level}`; valid: {', '.join(fl.PRODUCT_KEYS)}")
    sel = sel.filter(sel.partner != "XXX")
    if top_partners is not None:
        t, _ = fl.measure_column(sel, measure="value", unit="usd")
        tops = t.group_by("partner").aggregate(v=t._measure.sum()).order_by([t._measure.sum().desc(), "partner"])
        chosen = [r["partner"] for r in tops.limit(top_partners).to_pyarrow().to_pylist()]
        sel = sel.filter(sel.partner.isin(sorted({*chosen, *(partners or [])})))
    table = fl.flows(sel, by=[time_key, level, "partner"], unit=unit, rates=rates).to_pandas()
    value = f"value_{unit}"
    table = table[table[time_key].isin(set(labels)) & table[level].notna()]
    wide = table.pivot_table(index=[level, "partner"], columns=time_key, values=value, aggfunc="sum", fill_value=0.0)
    wide = wide.reindex(columns=list(labels), fill_value=0.0).sort_index()
    values = wide.to_numpy(dtype=float)
    nonzero = values != 0
    keep = nonzero.sum(axis=1) >= max(min_nonzero, 1)
    starts = nonzero.argmax(axis=1)
    out: list[Series] = []
    for (product, partner), y, start in zip(wide.index[keep], values[keep], starts[keep]):
        out.append(Series(f"{product}|{partner}", {level: str(product), "partner": str(partner)},
                          list(labels[start:]), y[start:]))
    return out
