"""`medtrade potential`: products where the exporter is strong but sells the target less than comparable markets buy.

The method is in ``docs/potential.md``; the computation in :mod:`medtrade.analysis.potential`.
"""

from __future__ import annotations

from collections.abc import Sequence

from medtrade.analysis import flows as fl
from medtrade.analysis import potential as pot
from medtrade.analysis.growth import years_between
from medtrade.catalog import countries
from medtrade.catalog.periods import Period, parse_period
from medtrade.catalog.segments import Segment, load_segment
from medtrade.errors import InputError
from medtrade.results import Result
from medtrade.verbs.common import DATASET_NAMES, available, choose_dataset, sources_of
from medtrade.verbs.rankings import MIN_PARTNERS
from medtrade.warehouse.store import Warehouse

__all__ = ["PEER_GROUPS", "default_peers", "run_potential"]

#: Regional groups whose other members are a target's default peer markets (membership at the period's end).
PEER_GROUPS = ("CIS", "EAEU", "EU27")


def default_peers(target: str, /, *, exporter: str, period: Period) -> list[str]:
    """The other members of every group in :data:`PEER_GROUPS` the target belongs to (RUS: the CIS and EAEU)."""
    members: set[str] = set()
    for group in PEER_GROUPS:
        now = countries.members_on_period_end(group, start=period.start, end=period.end)
        if target in now:
            members |= now
    peers = sorted(members - {target, exporter})
    if not peers:
        raise InputError(f"target `{target}` belongs to none of {', '.join(PEER_GROUPS)}: "
                         "name comparable markets with --peers (e.g. --peers KAZ,BLR,UZB)")
    return peers


def _parse_peers(peers: str | Sequence[str] | None, *, target: str, exporter: str, period: Period) -> list[str]:
    if peers is None:
        return default_peers(target, exporter=exporter, period=period)
    names = [p.strip() for p in (peers.split(",") if isinstance(peers, str) else peers) if p.strip()]
    codes = sorted({countries.resolve(p) for p in names} - {target, exporter})
    if not codes:
        raise InputError(f"--peers `{','.join(names)}` names no market other than the target and the exporter")
    return codes


def _demand_side(wh: Warehouse, *, target: str, seg: Segment, within: Period) -> tuple[dict[str, float], str | None]:
    """The target's own imports by HS6 in the period from all suppliers, when such data is loaded.

    Such data (reporter = target, flow import) counts only when it lists at least
    ``MIN_PARTNERS`` country suppliers inside the period: a corridor file is not a market.
    """
    found = available(wh, reporter=target, flow="import", partners=None)
    t = wh.table("trade_flows")
    for dataset in found:
        sel = fl.select(t, dataset=dataset, reporter=target, flow="import", segment=seg, within=within)
        n = sel.filter(~sel.partner.isin(list(pot.NOT_COUNTRIES))).partner.nunique().to_pyarrow().as_py()
        if n >= MIN_PARTNERS:
            rows = fl.flows(sel, by=["hs6"], unit="usd_mn").to_pyarrow().to_pylist()
            return {r["hs6"]: r["value_usd_mn"] for r in rows if r["hs6"]}, dataset
    return {}, None


def run_potential(
    wh: Warehouse,
    /,
    *,
    exporter: str,
    target: str,
    segment: str | Segment,
    period: str,
    level: str = "hs6",
    n: int = 20,
    dataset: str | None = None,
    peers: str | Sequence[str] | None = None,
) -> Result:
    """Rank products by the exporter's untapped potential in the target market (US$ mn).

    Examples
    --------
    >>> run_potential(wh, exporter="IND", target="RUS", segment="medical_devices",
    ...               period="FY2023-24", n=5).rows                    # doctest: +SKIP
    """
    if level not in pot.LEVELS:
        raise InputError(f"unknown --level `{level}`; valid: {', '.join(pot.LEVELS)}")
    if n < 1:
        raise InputError(f"--n must be at least 1, got {n}")
    exp, tgt = countries.resolve(exporter), countries.resolve(target)
    if tgt in pot.NOT_COUNTRIES or tgt == exp:
        raise InputError(f"--target `{target}` must be a country other than the exporter")
    seg = segment if isinstance(segment, Segment) else load_segment(segment)
    within = parse_period(period)
    found = available(wh, reporter=exp, flow="export", partners=None)
    chosen = choose_dataset(found, time_key=within.type, requested=dataset, what=f"{exp} exports")
    peer_list = _parse_peers(peers, target=tgt, exporter=exp, period=within)
    t = wh.table("trade_flows")
    kw = dict(dataset=chosen, reporter=exp, flow="export", segment=seg, period_types=[within.type])
    cur = fl.select(t, **kw, within=within)
    labels = sorted(r["period"] for r in t.filter(
        [t.dataset == chosen, t.reporter == exp, t.flow == "export", t.period_type == within.type,
         t.superseded_by.isnull()]).select("period").distinct().to_pyarrow().to_pylist())
    if within.label not in labels:
        raise InputError(f"dataset {chosen} has no {exp} exports for `{period}`; it has: {', '.join(labels)}")
    base_period = parse_period(labels[0]) if labels[0] != within.label else None
    years = years_between(base_period, within) if base_period else None
    base = fl.select(t, **kw, within=base_period) if base_period else None
    table = pot.potential(cur, base=base, years=years, target=tgt, peers=peer_list, level=level)
    all_rows = table.to_pyarrow().to_pylist()
    sold = {r["partner"] for r in cur.select("partner").distinct().to_pyarrow().to_pylist()}
    used_peers = [p for p in peer_list if p in sold]
    demand, demand_ds = _demand_side(wh, target=tgt, seg=seg, within=within) if level == "hs6" else ({}, None)
    rows = []
    for r in all_rows[:n]:
        row = {"rank": r["rank"], level: r["product"]}
        row.update({k: (round(v, 6) if isinstance(v, float) else v) for k, v in r.items() if k not in ("rank", "product")})
        if demand_ds:
            row["target_imports"] = round(demand.get(r["product"], 0.0), 6)
        rows.append(row)
    notes = _notes(chosen=chosen, found=found, exp=exp, tgt=tgt, peer_list=peer_list, used_peers=used_peers,
                   demand_ds=demand_ds, all_rows=all_rows, base_period=base_period)
    return Result(
        title=f"{exp} -> {tgt}: export potential, {seg.name}, {within.label}",
        query={"verb": "potential", "exporter": exporter, "target": target, "segment": seg.name, "period": period,
               "level": level, "n": n, "dataset": dataset, "peers": peers},
        definition={
            "segment": seg.definition(),
            "dataset": f"{chosen}: {DATASET_NAMES.get(chosen, chosen)}",
            "period": within.label,
            "growth_base": base_period.label if base_period else "none (no earlier period loaded)",
            "peers": used_peers,
            "unit": "usd_mn",
            "world_value": "X_p: the exporter's exports of p to all partners (unspecified XXX included, WLD excluded)",
            "growth_pct": "CAGR of X_p from growth_base to the period",
            "spec_share_pct": "share of p in the exporter's segment exports (specialisation proxy for RCA)",
            "target_value": "A_p: the exporter's exports of p to the target",
            "peer_share_pct": "median over peers of p's share in the exporter's segment exports to the peer",
            "expected": "E_p = median peer share x the exporter's segment exports to the target",
            "untapped": "U_p = max(E_p - A_p, 0); ranked by U_p, then X_p",
            "ratio": "A_p / E_p",
            "method": "docs/potential.md",
        },
        rows=rows,
        sources=sources_of(wh, cur),
        notes=notes,
    )


def _notes(*, chosen: str, found: dict, exp: str, tgt: str, peer_list: list[str], used_peers: list[str],
           demand_ds: str | None, all_rows: list[dict], base_period: Period | None) -> list[str]:
    notes = [
        f"only {exp}'s own export statistics ({chosen}) are used: spec_share_pct is a within-segment "
        "specialisation proxy, not Balassa's RCA, which needs world trade by product (Comtrade/BACI)",
        "partner XXX (unspecified) counts in X_p but is never a peer; WLD world totals are never added",
    ]
    missing = sorted(set(peer_list) - set(used_peers))
    if missing:
        notes.append(f"peers without {exp} exports in this segment and period, left out: {', '.join(missing)}")
    if demand_ds:
        notes.append(f"target_imports: {tgt}'s imports of p from all suppliers ({demand_ds}), the target's market size")
    else:
        notes.append(f"no demand side: no loaded statistics of {tgt}'s imports from all suppliers (Comtrade/BACI, "
                     f"reporter {tgt}, flow import, >= {MIN_PARTNERS} partners) within the period, so E_p reflects "
                     f"{exp}'s sales mix to peers, not {tgt}'s market")
    if base_period:
        new = sum(1 for r in all_rows if r["growth_pct"] is None and r["world_value"] > 0)
        if new:
            notes.append(f"{new} products have no growth rate: no {exp} exports of them in {base_period.label} "
                         "(new lines, or codes renumbered by HS2022)")
    others = sorted(set(found) - {chosen})
    if others:
        notes.append(f"answered from dataset {chosen}; also loaded: {', '.join(others)} (never summed)")
    total_u = sum(r["untapped"] for r in all_rows)
    notes.append(f"{len(all_rows)} products; total untapped potential US$ {total_u:,.2f} mn")
    return notes
