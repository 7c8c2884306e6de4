"""Export potential: where an exporter is strong but sells a target less than comparable markets buy.

Ibis in, Ibis out; nothing executes here. The method is written down in ``docs/potential.md``.
:func:`potential` takes two selections (:func:`medtrade.analysis.flows.select`) of the
exporter's own exports by partner: the analysed period and the base period for growth.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from medtrade.analysis.growth import product_key
from medtrade.errors import InputError

__all__ = ["LEVELS", "NOT_COUNTRIES", "by_product", "potential"]

#: Product levels the ranking can be computed at (``product`` = the code as published, HS8 for India).
LEVELS = ("hs4", "hs6", "product")
#: Partner codes that are not markets: kept in the exporter's totals, never a target or a peer.
NOT_COUNTRIES = ("XXX", "WLD")


def by_product(sel: ir.Table, /, *, level: str) -> ir.Table:
    """Sum a selection by product (at ``level``) and partner: ``product, partner, value`` (US$ mn)."""
    if level not in LEVELS:
        raise InputError(f"unknown product level `{level}`; valid: {', '.join(LEVELS)}")
    t = sel.mutate(product=product_key(sel, level))
    return t.group_by("product", "partner").aggregate(value=(t.value_usd / 1e6).sum())


def potential(
    cur: ir.Table,
    /,
    *,
    base: ir.Table | None,
    years: float | None,
    target: str,
    peers: Sequence[str],
    level: str = "hs6",
) -> ir.Table:
    """Rank products by untapped potential in ``target`` (see ``docs/potential.md``).

    Parameters
    ----------
    cur : selection of the exporter's exports to all partners (WLD excluded) in the period.
    base : the same selection in the base period of the growth rate, or None (no growth).
    years : years between the base period and the period (for the CAGR).
    target : ISO3 of the target market.
    peers : ISO3 codes of the comparable markets (never the target, XXX or WLD).
    level : ``hs4``, ``hs6`` or ``product``.

    Returns
    -------
    One row per product the exporter sold anywhere in the period (US$ mn):
    ``product, world_value`` (X_p, all partners incl. unspecified), ``base_value``,
    ``growth_pct`` (CAGR of X_p), ``spec_share_pct`` (100 * X_p / segment total, the
    specialisation proxy of RCA), ``target_value`` (A_p), ``peer_share_pct`` (median over
    peers of p's share in the exporter's segment sales to the peer, in %), ``expected``
    (E_p = median share x the exporter's segment sales to the target), ``untapped``
    (U_p = max(E_p - A_p, 0)), ``ratio`` (A_p / E_p, NULL when E_p = 0), ordered by
    ``untapped`` desc, ``world_value`` desc, ``product``, with ``rank`` 1..N.

    Examples
    --------
    >>> potential(cur, base=base, years=6.0, target="RUS", peers=["KAZ", "BLR"]).limit(5)  # doctest: +SKIP
    """
    peers = [p for p in peers if p not in (target, *NOT_COUNTRIES)]
    if not peers:
        raise InputError("potential needs at least one peer market other than the target, XXX and WLD")
    pp = by_product(cur, level=level)
    world = pp.group_by("product").aggregate(world_value=pp.value.sum())
    seg_total = world.world_value.sum().as_scalar()
    tgt = pp.filter(pp.partner == target)
    tgt = tgt.group_by("product").aggregate(target_value=tgt.value.sum())
    tgt_total = pp.value.sum(where=pp.partner == target).as_scalar()

    # Each peer's product mix: share of p in the exporter's segment sales to that peer (0 where it sold none).
    peer_rows = pp.filter(pp.partner.isin(list(peers)))
    peer_tot = peer_rows.group_by("partner").aggregate(peer_total=peer_rows.value.sum())
    peer_tot = peer_tot.filter(peer_tot.peer_total > 0)
    grid = world.select("product").cross_join(peer_tot)
    pv = peer_rows.select(_p=peer_rows.product, _m=peer_rows.partner, _v=peer_rows.value)
    grid = grid.left_join(pv, [grid.product == pv._p, grid.partner == pv._m])
    grid = grid.mutate(share=grid._v.fill_null(0) / grid.peer_total)
    med = grid.group_by("product").aggregate(peer_share=grid.share.median())

    out = world.left_join(tgt, "product").drop("product_right")
    out = out.left_join(med, "product").drop("product_right")
    if base is not None and years:
        bp = by_product(base, level=level)
        bw = bp.group_by("product").aggregate(base_value=bp.value.sum())
        out = out.left_join(bw, "product").drop("product_right")
        growth = ibis.ifelse((out.base_value > 0) & (out.world_value >= 0),
                             100 * ((out.world_value / out.base_value) ** (1 / years) - 1), ibis.null("float64"))
    else:
        out = out.mutate(base_value=ibis.null("float64"))
        growth = ibis.null("float64")
    a = out.target_value.fill_null(0)
    expected = out.peer_share.fill_null(0) * ibis.coalesce(tgt_total, 0)
    out = out.mutate(growth_pct=growth, spec_share_pct=100 * out.world_value / seg_total.nullif(0),
                     target_value=a, peer_share_pct=100 * out.peer_share.fill_null(0), expected=expected)
    untapped = ibis.greatest(out.expected - out.target_value, 0)
    out = out.mutate(untapped=untapped, ratio=out.target_value / out.expected.nullif(0))
    out = out.select("product", "world_value", "base_value", "growth_pct", "spec_share_pct", "target_value",
                     "peer_share_pct", "expected", "untapped", "ratio")
    order = [ibis.desc("untapped"), ibis.desc("world_value"), "product"]
    return out.mutate(rank=ibis.row_number().over(order_by=order) + 1).order_by("rank")
