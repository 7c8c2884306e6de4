"""Growth: year-over-year series, CAGR, and the products driving a change. Ibis in, Ibis out; nothing executes here.

:func:`yoy` and :func:`cagr` take a flows-by-period table (the output of
:func:`medtrade.analysis.flows.flows` with one time key); :func:`drivers` takes a
selection (the output of :func:`medtrade.analysis.flows.select`).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from medtrade.analysis.flows import TIME_KEYS, measure_column, with_hs6
from medtrade.catalog.periods import Period
from medtrade.errors import InputError

__all__ = ["DRIVER_KEYS", "cagr", "drivers", "previous_label", "product_key", "years_between", "yoy"]

#: Product levels :func:`drivers` can split a change by (``product`` = the code as published).
DRIVER_KEYS = ("hs4", "hs6", "product")


def _check_time_key(time_key: str) -> None:
    if time_key not in TIME_KEYS:
        raise InputError(f"unknown time key `{time_key}`; valid: {', '.join(TIME_KEYS)}")


def previous_label(label: ir.StringValue, time_key: str, /) -> ir.StringValue:
    """Label of the same period one year earlier.

    ``FY2022-23`` -> ``FY2021-22``, ``2022`` -> ``2021``, ``2022-06`` -> ``2021-06``.
    """
    _check_time_key(time_key)
    if time_key == "fy":
        y = label.substr(2, 4).cast("int32") - 1
        return "FY" + y.cast("string") + "-" + ((y + 1) % 100).cast("string").lpad(2, "0")
    if time_key == "year":
        return (label.cast("int32") - 1).cast("string")
    return (label.substr(0, 4).cast("int32") - 1).cast("string") + label.substr(4)


def yoy(t: ir.Table, /, *, time_key: str, value: str) -> ir.Table:
    """Add the year-over-year comparison to a flows-by-period table.

    Adds ``previous_value`` (the same period one year earlier: the previous fiscal or
    calendar year, or the same month of the previous year), ``change`` (value minus
    previous value) and ``change_pct`` (100 * change / previous value). A period whose
    predecessor has no row gets NULLs rather than a comparison with an older period.

    Examples
    --------
    >>> series = flows(sel, by=["fy"], unit="usd_mn")                      # doctest: +SKIP
    >>> yoy(series, time_key="fy", value="value_usd_mn").to_pyarrow()      # doctest: +SKIP
    """
    _check_time_key(time_key)
    prev = t.view()
    prev = prev.select(_prev_key=prev[time_key], previous_value=prev[value])
    cur = t.mutate(_prev_label=previous_label(t[time_key], time_key))
    j = cur.left_join(prev, cur._prev_label == prev._prev_key).drop("_prev_label", "_prev_key")
    change = j[value] - j.previous_value
    return j.mutate(change=change, change_pct=100 * change / j.previous_value.nullif(0)).order_by(time_key)


def years_between(start: Period, end: Period, /) -> float:
    """Years between the first days of two periods (FY2017-18 -> FY2023-24: 6; 2021-01 -> 2021-07: 0.5)."""
    return (end.start.year - start.start.year) + (end.start.month - start.start.month) / 12


def cagr(t: ir.Table, /, *, time_key: str, value: str, start: Period, end: Period) -> ir.Table:
    """Compound annual growth rate between two periods of a flows-by-period table.

    One row: ``start``, ``end`` (labels), ``years`` (see :func:`years_between`),
    ``start_value``, ``end_value``, ``change``, ``change_pct`` and
    ``cagr_pct = 100 * ((end_value / start_value) ** (1 / years) - 1)``. Values are NULL
    when a period has no row; the CAGR is NULL when the start value is not positive.

    Raises
    ------
    InputError
        If ``end`` does not start after ``start``.
    """
    _check_time_key(time_key)
    years = years_between(start, end)
    if years <= 0:
        raise InputError(f"CAGR needs an end period after the start: `{start}`..`{end}`")
    v0 = t[value].sum(where=t[time_key] == start.label)
    v1 = t[value].sum(where=t[time_key] == end.label)
    out = t.aggregate(start_value=v0, end_value=v1)
    growth = ibis.ifelse((out.start_value > 0) & (out.end_value >= 0),
                         100 * ((out.end_value / out.start_value) ** (1 / years) - 1), ibis.null("float64"))
    change = out.end_value - out.start_value
    return out.select(
        start=ibis.literal(start.label), end=ibis.literal(end.label), years=ibis.literal(years, "float64"),
        start_value=out.start_value, end_value=out.end_value, change=change,
        change_pct=100 * change / out.start_value.nullif(0), cagr_pct=growth,
    )


def product_key(t: ir.Table, key: str, /) -> ir.StringValue:
    """The product of each row at a level: ``hs4``/``hs6`` of the code, or ``product`` (the code as published).

    Codes that have no HS level (confidential ``XXXXXXXXXX``, chapter totals) keep their own code.
    """
    if key not in DRIVER_KEYS:
        raise InputError(f"unknown product level `{key}`; valid: {', '.join(DRIVER_KEYS)}")
    if key == "product":
        return t.product_code
    return ibis.coalesce(t.hs6.substr(0, int(key[2:])), t.product_code)


def drivers(
    sel: ir.Table,
    /,
    *,
    key: str = "hs4",
    start: Period,
    end: Period,
    unit: str = "usd_mn",
    rates: ir.Table | None = None,
) -> ir.Table:
    """Each product's contribution to the change of a flow between two periods.

    Rows of ``sel`` lying inside ``start`` and inside ``end`` are summed per product
    (a product absent from one period counts 0 there, as in a full outer join). Columns:
    the key, ``value_<unit>_start``, ``value_<unit>_end``, ``change`` (end - start),
    ``total_change`` (the sum of ``change`` over all rows, so the changes add up to it
    exactly) and ``contribution = change / total_change`` (NULL when the total change is
    0). Sorted by absolute change, largest first.

    Examples
    --------
    >>> sel = select(wh.table("trade_flows"), dataset="in-eidb", reporter="IND", flow="export",
    ...              partners=["RUS"], segment=load_segment("medical_devices"))      # doctest: +SKIP
    >>> drivers(sel, key="hs4", start=parse_period("FY2021-22"),
    ...         end=parse_period("FY2023-24")).to_pyarrow()                        # doctest: +SKIP
    """
    if "hs6" not in sel.columns:
        sel = with_hs6(sel)
    t, name = measure_column(sel, measure="value", unit=unit, rates=rates)
    in_start = (t.period_start >= start.start) & (t.period_end <= start.end)
    in_end = (t.period_start >= end.start) & (t.period_end <= end.end)
    zero = ibis.literal(0.0)
    # One pass with conditional sums: same result as a full outer join of the two periods' sums, missing = 0.
    t = t.mutate(_k=product_key(t, key), _in=in_start | in_end,
                 _v0=ibis.ifelse(in_start, t._measure, zero), _v1=ibis.ifelse(in_end, t._measure, zero))
    t = t.filter(t._in)
    g = t.group_by(_k=t._k).aggregate(_s=t._v0.sum().fill_null(0.0), _e=t._v1.sum().fill_null(0.0))
    g = g.mutate(change=g._e - g._s)
    g = g.mutate(total_change=g.change.sum().over(ibis.window()))
    g = g.mutate(contribution=g.change / g.total_change.nullif(0))
    g = g.select(**{key: g._k, f"{name}_start": g._s, f"{name}_end": g._e},
                 change=g.change, total_change=g.total_change, contribution=g.contribution)
    return g.order_by([ibis.desc(g.change.abs()), key])
