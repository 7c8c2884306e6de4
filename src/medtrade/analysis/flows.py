"""Flows: the base selection every analysis builds on. Ibis in, Ibis out; nothing executes here."""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from medtrade.catalog.periods import Period
from medtrade.catalog.segments import Segment
from medtrade.errors import InputError

#: Which period types each time grouping can be computed from.
TIME_KEYS: dict[str, tuple[str, ...]] = {"fy": ("fy", "month"), "year": ("year", "month"), "month": ("month",)}
PRODUCT_KEYS = ("hs2", "hs4", "hs6", "product")
BY_KEYS = (*TIME_KEYS, *PRODUCT_KEYS, "partner")
DIVISORS = {"usd": 1.0, "usd_mn": 1e6, "inr_crore": 1e7, "inr_lakh": 1e5, "rub": 1.0}
CURRENCY = {"usd": "USD", "usd_mn": "USD", "inr_crore": "INR", "inr_lakh": "INR", "rub": "RUB"}


def select(
    t: ir.Table,
    /,
    *,
    dataset: str,
    reporter: str,
    flow: str,
    partners: Sequence[str] | None = None,
    segment: Segment | None = None,
    period_types: Sequence[str] | None = None,
    within: Period | None = None,
) -> ir.Table:
    """Current rows of one dataset for one reporter and flow, optionally by partner, segment and period.

    ``within`` keeps rows whose own period lies inside it (months of a fiscal year, the
    fiscal year itself); a calendar-year row never lies inside a fiscal year.

    Superseded rows (older releases of the same flow) are left out; confidential
    product codes never match a segment.
    """
    preds = [t.dataset == dataset, t.superseded_by.isnull(), t.reporter == reporter, t.flow == flow]
    if partners:
        preds.append(t.partner.isin(list(partners)))
    else:
        # World totals (WLD) are published beside the partner rows; summing both would double count.
        preds.append(t.partner != "WLD")
    if segment is not None:
        preds.append(segment.ibis_predicate(t.product_code))
    if period_types:
        preds.append(t.period_type.isin(list(period_types)))
    if within is not None:
        preds += [t.period_start >= within.start, t.period_end <= within.end]
    return with_hs6(t.filter(preds))


def with_hs6(t: ir.Table, /) -> ir.Table:
    """Add ``hs6``: the first six digits of a national or HS code (NULL for confidential or shorter codes)."""
    code = t.product_code
    return t.mutate(hs6=ibis.ifelse(code.re_search("^[0-9]{6}"), code.substr(0, 6), ibis.null("string")))


def fy_label(start: ir.DateValue) -> ir.StringValue:
    """Indian fiscal-year label (``FY2022-23``) of a date."""
    y = start.year() - (start.month() < 4).cast("int32")
    return "FY" + y.cast("string") + "-" + ((y + 1) % 100).cast("string").lpad(2, "0")


def period_label(t: ir.Table, /, *, by: str) -> ir.StringValue:
    """Label of each row's period rolled up to ``by`` (``fy``, ``year`` or ``month``)."""
    if by == "fy":
        return ibis.cases((t.period_type == "fy", t.period), else_=fy_label(t.period_start))
    if by == "year":
        return ibis.cases((t.period_type == "year", t.period), else_=t.period_start.year().cast("string"))
    if by == "month":
        return t.period
    raise InputError(f"unknown period key `{by}`; valid: {', '.join(TIME_KEYS)}")


def _key(t: ir.Table, by: str) -> ir.Value:
    if by in TIME_KEYS:
        return period_label(t, by=by)
    if by == "product":
        return t.product_code
    if by == "partner":
        return t.partner
    return t.hs6.substr(0, int(by[2:]))


def measure_column(t: ir.Table, /, *, measure: str, unit: str, rates: ir.Table | None = None) -> tuple[ir.Table, str]:
    """Add the measured column in the requested unit; returns (table, column name).

    Values in a currency other than USD use the value the source published in that
    currency where there is one (India publishes INR), else USD converted at the
    period's average rate (``rates``: currency, period_type, period, per_usd).
    """
    if measure in ("quantity", "net_weight_kg"):
        return t.mutate(_measure=t[measure]), measure
    if measure != "value":
        raise InputError(f"unknown measure `{measure}`; valid: value, quantity, net_weight_kg")
    if unit not in DIVISORS:
        raise InputError(f"unknown unit `{unit}`; valid: {', '.join(DIVISORS)}")
    name = f"value_{unit}"
    currency = CURRENCY[unit]
    if currency == "USD":  # no division by 1: it is work on every row
        return t.mutate(_measure=t.value_usd if DIVISORS[unit] == 1 else t.value_usd / DIVISORS[unit]), name
    if rates is None:
        raise InputError(f"unit `{unit}` needs exchange rates")
    r = rates.filter(rates.currency == currency).select(
        _rp_type=rates.period_type, _rp=rates.period, _per_usd=rates.per_usd
    )
    joined = t.left_join(r, [t.period_type == r._rp_type, t.period == r._rp])
    published = (joined.local_currency == currency) & joined.value_local.notnull()
    value = ibis.cases((published, joined.value_local), else_=joined.value_usd * joined._per_usd)
    return joined.mutate(_measure=value / DIVISORS[unit]).drop("_rp_type", "_rp", "_per_usd"), name


def flows(
    t: ir.Table,
    /,
    *,
    by: Sequence[str],
    measure: str = "value",
    unit: str = "usd",
    rates: ir.Table | None = None,
) -> ir.Table:
    """Sum a selection (see :func:`select`) by time, product or partner keys.

    Returns one row per key combination with the measure in the requested unit, the
    number of source rows and, for time keys, how many distinct source periods
    (e.g. months) were rolled up. Quantities are also grouped by their unit, since
    kilograms and pieces cannot be added.

    Examples
    --------
    >>> sel = select(wh.table("trade_flows"), dataset="in-eidb", reporter="IND",
    ...              flow="export", partners=["RUS"], segment=load_segment("pharma"))  # doctest: +SKIP
    >>> flows(sel, by=["fy"], unit="usd_mn").to_pyarrow()                            # doctest: +SKIP
    """
    unknown = [b for b in by if b not in BY_KEYS]
    if unknown:
        raise InputError(f"unknown --by key `{unknown[0]}`; valid: {', '.join(BY_KEYS)}")
    t, name = measure_column(t, measure=measure, unit=unit, rates=rates)
    keys = {b: _key(t, b) for b in by}
    if measure != "value":
        keys["quantity_unit"] = t.quantity_unit
    aggs = {
        name: t._measure.sum(),
        "source_rows": t.count(),
        "source_periods": t.period.nunique(),
    }
    if measure == "value" and unit not in ("usd", "usd_mn"):
        aggs["unconverted_rows"] = (t._measure.isnull() & t.value_usd.notnull()).sum()
    return t.group_by(**keys).aggregate(**aggs).order_by(list(keys))
