"""Mirror statistics: one flow as reported by each side. Ibis in, Ibis out; nothing executes here.

The exporter's exports to the importer and the importer's imports from the exporter
describe the same goods; they differ by valuation (importers value CIF, exporters FOB),
timing, country-of-origin vs consignment rules and confidential lines. :func:`mirror`
puts the two side by side per product; the caller restricts both selections (see
:func:`medtrade.analysis.flows.select`) to the same period and segment.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from medtrade.analysis.flows import measure_column, with_hs6
from medtrade.analysis.growth import product_key
from medtrade.errors import InputError

__all__ = ["MIRROR_LEVELS", "mirror", "mirror_total"]

#: Product levels both sides can be compared at (national codes differ between countries).
MIRROR_LEVELS = ("hs2", "hs4", "hs6")


def _side(sel: ir.Table, *, level: str, unit: str, rates: ir.Table | None, prefix: str) -> tuple[ir.Table, str]:
    if "hs6" not in sel.columns:
        sel = with_hs6(sel)
    t, name = measure_column(sel, measure="value", unit=unit, rates=rates)
    if level == "hs2":
        key = ibis.coalesce(t.hs6.substr(0, 2), t.product_code)
    else:
        key = product_key(t, level)
    t = t.mutate(_key=key)
    out = t.group_by(t._key.name(f"_k_{prefix}")).aggregate(
        **{f"_{prefix}": t._measure.sum(), f"_{prefix}_lines": t.count()}
    )
    return out, name


def mirror(
    exporter_side: ir.Table,
    importer_side: ir.Table,
    /,
    *,
    level: str = "hs6",
    unit: str = "usd_mn",
    exporter_rates: ir.Table | None = None,
    importer_rates: ir.Table | None = None,
) -> ir.Table:
    """Per product: the exporter's figure, the importer's, and the gap between them.

    Parameters
    ----------
    exporter_side, importer_side
        Selections of the exporter's exports to the importer and of the importer's
        imports from the exporter, for the same period and segment.
    level
        ``hs6`` (default), ``hs4`` or ``hs2``: national codes (ITC-HS 8-digit, TN VED
        10-digit) are rolled up to their first digits so the two sides line up.
    unit, exporter_rates, importer_rates
        As in :func:`medtrade.analysis.flows.measure_column`.

    Returns
    -------
    ir.Table
        The level column, ``exporter_value_<unit>``, ``importer_value_<unit>`` (0 where
        a side has no row), ``gap_<unit>`` = importer - exporter, ``gap_pct`` = 100 * gap /
        exporter value (NULL when the exporter reports nothing) and the number of source
        lines on each side; ordered by product.
    """
    if level not in MIRROR_LEVELS:
        raise InputError(f"unknown level `{level}`; valid: {', '.join(MIRROR_LEVELS)}")
    x, name = _side(exporter_side, level=level, unit=unit, rates=exporter_rates, prefix="x")
    m, _ = _side(importer_side, level=level, unit=unit, rates=importer_rates, prefix="m")
    j = x.outer_join(m, x._k_x == m._k_m)
    unit_suffix = name.removeprefix("value_")
    xv, mv = j._x.fill_null(0.0), j._m.fill_null(0.0)
    out = j.select(
        **{level: ibis.coalesce(j._k_x, j._k_m),
           f"exporter_value_{unit_suffix}": xv,
           f"importer_value_{unit_suffix}": mv,
           f"gap_{unit_suffix}": mv - xv},
        gap_pct=100 * (mv - xv) / xv.nullif(0),
        exporter_lines=j._x_lines.fill_null(0),
        importer_lines=j._m_lines.fill_null(0),
    )
    return out.order_by(level)


def mirror_total(t: ir.Table, /, *, level: str = "hs6") -> ir.Table:
    """One row summing a :func:`mirror` table (the same rows), with the key set to ``TOTAL``."""
    values = [c for c in t.columns if c.startswith(("exporter_value_", "importer_value_", "gap_")) and c != "gap_pct"]
    exporter_col = next(c for c in values if c.startswith("exporter_value_"))
    gap_col = next(c for c in values if c.startswith("gap_"))
    out = t.aggregate(**{c: t[c].sum() for c in values},
                      exporter_lines=t.exporter_lines.sum(), importer_lines=t.importer_lines.sum())
    return out.select(
        ibis.literal("TOTAL").name(level), *values,
        gap_pct=100 * out[gap_col] / out[exporter_col].nullif(0),
        exporter_lines=out.exporter_lines, importer_lines=out.importer_lines,
    )
