"""Rankings: partner totals, top-N partners with shares, concentration (HHI). Ibis in, Ibis out.

Shares are always shares of the total of ALL partners of the selection, the
unspecified partner (``XXX``) included: that total is the reporter's flow. ``XXX``
and ``WLD`` are never ranked (neither is a country); ``WLD`` rows are already left
out by :func:`medtrade.analysis.flows.select`.

Examples
--------
>>> sel = select(wh.table("trade_flows"), dataset="in-eidb", reporter="IND", flow="export",
...              segment=load_segment("medical_devices"), period_types=["fy"],
...              within=parse_period("FY2022-23"))                       # doctest: +SKIP
>>> top(partner_totals(sel, unit="usd_mn"), n=10).to_pyarrow()           # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from medtrade.analysis.flows import measure_column, period_label
from medtrade.catalog.countries import UNSPECIFIED, WORLD
from medtrade.errors import InputError

__all__ = [
    "NOT_RANKED", "concentration", "heading_gaps", "partner_counts", "partner_totals", "ranking", "top",
]

#: Partner codes that count in totals (XXX) or never (WLD) but are not countries to rank.
NOT_RANKED: tuple[str, ...] = (UNSPECIFIED, WORLD)


def partner_totals(
    sel: ir.Table,
    /,
    *,
    measure: str = "value",
    unit: str = "usd",
    rates: ir.Table | None = None,
    by: str | None = None,
) -> ir.Table:
    """Sum a selection (see :func:`~medtrade.analysis.flows.select`) by partner.

    Returns columns ``[by,] partner, [quantity_unit,] value, source_rows``: ``value`` is
    the measure in the requested unit (see :func:`~medtrade.analysis.flows.measure_column`);
    quantities are kept apart per ``quantity_unit`` since kilograms and pieces cannot be
    added. ``by`` (``fy``/``year``/``month``) adds one row per partner and period.
    Partners whose rows all lack the measure get a NULL value.
    """
    t, _ = measure_column(sel, measure=measure, unit=unit, rates=rates)
    keys: dict[str, ir.Value] = {}
    if by is not None:
        keys[by] = period_label(t, by=by)
    keys["partner"] = t.partner
    if measure == "quantity":
        keys["quantity_unit"] = t.quantity_unit
    return t.group_by(**keys).aggregate(value=t._measure.sum(), source_rows=t.count())


def _window(within: Sequence[str], order: list | None = None) -> ibis.expr.builders.LegacyWindowBuilder:
    return ibis.window(group_by=list(within) or None, order_by=order)


def _ratio(num: ir.NumericValue, den: ir.NumericValue) -> ir.NumericValue:
    return ibis.ifelse(den != 0, num / den, ibis.null("float64"))


def _ranked(t: ir.Table, *, value: str, within: Sequence[str]) -> ir.Table:
    """Country partners with total, share, rank (ties share the better rank) and position."""
    t = t.filter(t[value].notnull())
    t = t.mutate(
        _total=t[value].sum().over(_window(within)),
        _unspecified=t[value].sum(where=t.partner == UNSPECIFIED).over(_window(within)),
    )
    t = t.filter(~t.partner.isin(NOT_RANKED))
    by_value = [ibis.desc(t[value])]
    order = [ibis.desc(t[value]), t.partner]  # ties: alphabetical by code, so the cut-off is reproducible
    return t.mutate(
        share=_ratio(t[value], t._total),
        rank=ibis.rank().over(_window(within, by_value)) + 1,
        _pos=ibis.row_number().over(_window(within, order)) + 1,
    )


def ranking(t: ir.Table, /, *, value: str = "value", within: Sequence[str] = ()) -> ir.Table:
    """Every partner of partner totals (see :func:`partner_totals`) with its share, rank and position.

    Shares are of the total of ALL partners, unspecified (``XXX``) included; ``XXX``
    keeps its share but gets no ``rank``, ``position`` or ``cumulative_share`` (it is
    not a country). ``rank`` is the competition rank (equal values share the better
    rank); ``position`` numbers the countries 1, 2, ... with ties broken by partner code,
    so a cut at ``n`` is reproducible. ``within`` names the columns that form separate
    rankings (a period, ``quantity_unit``). Partners without a value are left out.
    Other columns of ``t`` (``source_rows``, ``file_ids``) are kept.
    """
    t = t.filter(t[value].notnull())
    country = ~t.partner.isin(NOT_RANKED)
    t = t.mutate(_country=country.cast("int8"), share=_ratio(t[value], t[value].sum().over(_window(within))))
    # Ranked on the value as printed (6 decimals): a parallel float sum can differ in its last
    # bit from run to run, and equal published values must tie the same way every time.
    order = [ibis.desc(t._country), ibis.desc(t[value].round(6))]
    tie_broken = [*order, t.partner]
    t = t.mutate(
        rank=ibis.ifelse(t._country == 1, ibis.rank().over(_window(within, order)) + 1, ibis.null("int64")),
        position=ibis.ifelse(t._country == 1, ibis.row_number().over(_window(within, tie_broken)) + 1,
                             ibis.null("int64")),
        cumulative_share=ibis.ifelse(
            t._country == 1,
            t.share.sum().over(ibis.cumulative_window(group_by=list(within) or None, order_by=tie_broken)),
            ibis.null("float64")),
    )
    return t.drop("_country").order_by([*within, ibis.asc(t.position, nulls_first=False), "partner"])


def top(t: ir.Table, /, *, n: int, value: str = "value", within: Sequence[str] = ()) -> ir.Table:
    """The ``n`` largest partners of partner totals (see :func:`partner_totals`).

    Shares and the cumulative share are computed over ALL partners (unspecified
    included) before the list is cut to ``n``. ``rank`` is the competition rank (equal
    values share the better rank); exactly ``n`` rows are kept, ties at the cut-off
    broken by partner code. ``within`` names the columns that form separate rankings
    (a period, ``quantity_unit``). See :func:`ranking` for every partner at once.

    Returns columns ``[within...,] rank, partner, <value>, share, cumulative_share``.

    Examples
    --------
    >>> totals = ibis.memtable({"partner": ["USA", "DEU", "XXX", "CHN"], "value": [5.0, 2.0, 1.0, 2.0]})
    >>> top(totals, n=2).to_pyarrow().to_pylist()[1]                      # doctest: +SKIP
    {'rank': 2, 'partner': 'CHN', 'value': 2.0, 'share': 0.2, 'cumulative_share': 0.7}
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise InputError(f"`n` must be a whole number of at least 1, not {n!r}")
    r = ranking(t, value=value, within=within)
    r = r.filter(r.position <= n)
    return r.select(*within, "rank", "partner", value, "share", "cumulative_share").order_by(
        [*within, "rank", "partner"]
    )


def concentration(t: ir.Table, /, *, n: int, value: str = "value", within: Sequence[str] = ()) -> ir.Table:
    """Concentration of partner totals per ``within`` group (normally a period).

    Shares are of the total of all partners, unspecified (``XXX``) included, as in
    :func:`top`. The Herfindahl-Hirschman index is the sum of the squared shares of
    the country partners: ``hhi_01`` on the 0-1 scale, ``hhi`` on the 0-10,000 scale
    (``10000 * hhi_01``). The unspecified part is not one partner, so it adds no square:
    with an unspecified share ``u`` the index is a lower bound, at most a factor
    ``(1-u)^2`` below the index of the allocated trade (``unspecified_share`` is given).

    Returns columns ``[within...,] total, partners, top<n>_share, hhi, hhi_01,
    unspecified_share``; ``partners`` counts country partners with a positive value.
    """
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise InputError(f"`n` must be a whole number of at least 1, not {n!r}")
    r = _ranked(t, value=value, within=within)
    metrics = {
        "total": r._total.max(),
        "partners": (r[value] > 0).sum(),
        f"top{n}_share": r.share.sum(where=r._pos <= n),
        "hhi_01": (r.share * r.share).sum(),
        "unspecified_share": _ratio(r._unspecified.max().fill_null(0), r._total.max()),
    }
    if "file_ids" in r.columns:
        metrics["file_ids"] = r.file_ids.collect().flatten().unique()
    out = r.aggregate(metrics, by=list(within))
    out = out.mutate(hhi=out.hhi_01 * 10_000)
    out = out.select(*within, "total", "partners", f"top{n}_share", "hhi", "hhi_01", "unspecified_share",
                     *(["file_ids"] if "file_ids" in metrics else []))
    return out.order_by(list(within)) if within else out


def partner_counts(sel: ir.Table, /, *, by: str | None = None) -> ir.Table:
    """Distinct country partners (not ``XXX``/``WLD``) of a selection, per period label if ``by``.

    A reporter's statistics that list only a few partners (e.g. customs data of one
    corridor) cannot rank partners; the verbs compare this count with the reporter's
    usual one.
    """
    t = sel.filter(~sel.partner.isin(NOT_RANKED))
    if by is None:
        return t.aggregate(partners=t.partner.nunique())
    return t.group_by(**{by: period_label(t, by=by)}).aggregate(partners=t.partner.nunique())


def heading_gaps(sel: ir.Table, /, *, tolerance: float = 0.02) -> ir.Table:
    """HS4 headings with trade in one published period and none in the next.

    ``sel`` holds rows of one dataset and one period type (see
    :func:`~medtrade.analysis.flows.select`), or their sums by heading (a ``hs4``
    column, as in the warehouse's ``flow_headings``). Returns ``period, previous, hs4,
    previous_value`` (US$) for headings worth more than ``tolerance`` of the previous
    period's total: how the gap of India's annual tables for the codes HS2022
    renumbered (3822 from FY2022-23 on) shows in the data itself.
    """
    t = sel if "hs4" in sel.columns else sel.mutate(hs4=sel.product_code.substr(0, 4))
    agg = t.group_by("period", "period_start", "hs4").aggregate(v=t.value_usd.sum())
    per = agg.group_by("period", "period_start").aggregate(total=agg.v.sum())
    per = per.mutate(next_period=per.period.lead().over(order_by=per.period_start))
    prev = agg.join(per, ["period", "period_start"])
    prev = prev.filter(prev.next_period.notnull(), prev.v > tolerance * prev.total)
    cur = agg.filter(agg.v > 0).select(cur_period=agg.period, cur_hs4=agg.hs4)
    gone = prev.anti_join(cur, [prev.next_period == cur.cur_period, prev.hs4 == cur.cur_hs4])
    return gone.select(period=gone.next_period, previous=gone.period, hs4=gone.hs4,
                       previous_value=gone.v).order_by(["period", "hs4"])
