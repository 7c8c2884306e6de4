"""Events of a corridor and period, as Ibis expressions (no I/O).

Examples
--------
>>> t = wh.table("events")                                                     # doctest: +SKIP
>>> on_corridor(t, "IND", "RUS", start=date(2022, 1, 1)).to_pyarrow()           # doctest: +SKIP
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

__all__ = ["on_corridor"]


def on_corridor(events: ir.Table, a: str | None = None, b: str | None = None, /, *, start: date | None = None,
                end: date | None = None, kind: str | None = None) -> ir.Table:
    """Events between countries ``a`` and ``b`` (either order), ordered by date.

    With only ``a`` (or only ``b``): every corridor that country is on. ``start``/``end``
    keep events whose stated span overlaps the range: an event dated "2025-12" (month
    precision) is in a range that ends on 2025-12-10.
    """
    t = events
    if a and b:
        t = t.filter(t.corridor.isin([f"{a}-{b}", f"{b}-{a}"]))
    elif a or b:
        one = a or b
        t = t.filter(t.corridor.startswith(f"{one}-") | t.corridor.endswith(f"-{one}"))
    if kind:
        t = t.filter(t.kind == kind)
    if end is not None:
        t = t.filter(t.date <= end)
    if start is not None:
        # The stated span's last day: the month's or the year's for coarser dates.
        last = (t.date_precision == "day").ifelse(
            t.date,
            (t.date_precision == "month").ifelse(t.date + ibis.interval(months=1) - ibis.interval(days=1),
                                                 t.date + ibis.interval(years=1) - ibis.interval(days=1)))
        t = t.filter(last >= start)
    return t.order_by([t.date, t.event_id])

