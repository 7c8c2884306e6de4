"""Shares: one partner's part of the reporter's total or of a group's total. Ibis in, Ibis out.

The group is given as a list of members; which members count for a period is the
caller's choice of policy. The verbs use
:func:`medtrade.catalog.countries.members_on_period_end`: the members on the period's
last day, for the whole period (a country that left during the period is out for
all of it, one that joined is in for all of it). The other policy,
:func:`~medtrade.catalog.countries.members_during`, takes anyone who was a member on
any day of the period; both have the same signature.

Examples
--------
>>> totals = partner_totals(sel, unit="usd_mn")                          # doctest: +SKIP
>>> cis = members_on_period_end("CIS", start=p.start, end=p.end)        # doctest: +SKIP
>>> share_of(totals, partner="RUS", members=cis).to_pyarrow()           # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import ibis
import ibis.expr.types as ir

from medtrade.analysis.rankings import NOT_RANKED
from medtrade.catalog.countries import WORLD

__all__ = ["share_of"]


def share_of(
    totals: ir.Table,
    /,
    *,
    partner: str,
    members: Collection[str] | None = None,
    value: str = "value",
    within: Sequence[str] = (),
) -> ir.Table:
    """Share of ``partner`` in the total of all partners, or of the ``members`` of a group.

    ``totals`` are partner totals (see :func:`medtrade.analysis.rankings.partner_totals`)
    or the selected rows themselves, with their measure in ``value``: the answer is the
    same since values are never negative (loads reject them), and one pass over the rows
    is cheaper than totals first.
    Without ``members`` the denominator is the sum over all partners, unspecified
    (``XXX``) included and world totals (``WLD``) excluded: the reporter's whole flow.
    With ``members`` it is the sum over those partners only. ``within`` names the
    columns that form separate denominators (a period, ``quantity_unit``).

    Returns columns ``[within...,] partner_value, total, share, partners_with_trade``
    (country partners in the denominator with a positive value), ``partners_traded``
    (those partners) and, when ``totals`` has them, ``file_ids`` (the files behind the total). A partner without
    trade has ``partner_value`` 0; an empty denominator gives a NULL share.

    Examples
    --------
    >>> t = ibis.memtable({"partner": ["RUS", "KAZ", "USA"], "value": [6.0, 4.0, 10.0]})
    >>> share_of(t, partner="RUS", members={"RUS", "KAZ"}).to_pyarrow().to_pylist()  # doctest: +SKIP
    [{'partner_value': 6.0, 'total': 10.0, 'share': 0.6, 'partners_with_trade': 2}]
    """
    t = totals.filter(totals[value].notnull(), totals.partner != WORLD)
    listed = sorted(set(members) - set(NOT_RANKED)) if members is not None else None
    if listed is not None:
        t = t.filter(t.partner.isin(sorted(members)))
    v = t[value]
    num = v.sum(where=t.partner == partner).fill_null(0)
    den = v.sum()
    traded = (v > 0) & ~t.partner.isin(NOT_RANKED)
    metrics = {
        "partner_value": num,
        "total": den,
        "share": ibis.ifelse(den != 0, num / den, ibis.null("float64")),
    }
    if listed is None:
        metrics["partners_traded"] = t.partner.collect(where=traded, distinct=True)
    else:  # one flag per member: cheaper than collecting distinct partners from every row
        metrics |= {f"_traded_{i}": ((t.partner == m) & (v > 0)).any() for i, m in enumerate(listed)}
    if "file_ids" in t.columns:
        metrics["file_ids"] = t.file_ids.collect().flatten().unique()
    out = t.aggregate(metrics, by=list(within))
    if listed is not None:
        flags = [ibis.ifelse(out[f"_traded_{i}"].fill_null(False), m, ibis.null("string")) for i, m in enumerate(listed)]
        traded_list = ibis.array(flags).filter(lambda p: p.notnull()) if flags else ibis.literal([], type="array<string>")
        out = out.mutate(partners_traded=traded_list)
    # Counted from the list: a second DISTINCT aggregate over the rows would cost as much again.
    columns = [*within, "partner_value", "total", "share", "partners_with_trade", "partners_traded",
               *(["file_ids"] if "file_ids" in metrics else [])]
    out = out.mutate(partners_with_trade=out.partners_traded.length().fill_null(0)).select(columns)
    return out.order_by(list(within)) if within else out
