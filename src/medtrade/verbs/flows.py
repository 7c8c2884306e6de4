"""`medtrade flows`: a flow between two countries over time, by product or partner."""

from __future__ import annotations

from collections.abc import Sequence

from medtrade.analysis import flows as fl
from medtrade.catalog import countries
from medtrade.catalog.segments import Segment, load_segment
from medtrade.errors import InputError
from medtrade.results import Result
from medtrade.verbs.common import DATASET_NAMES, available, choose_dataset, rates_for, sources_of
from medtrade.warehouse.store import Warehouse

#: Share of the other dataset's value a chosen dataset may miss before a note warns.
COVERAGE_TOLERANCE = 0.02


def parse_by(by: str | Sequence[str], /) -> list[str]:
    """`fy,hs4` -> ["fy", "hs4"], validated; at most one time key."""
    keys = [k.strip() for k in (by.split(",") if isinstance(by, str) else by) if k.strip()]
    for key in keys:
        if key not in fl.BY_KEYS:
            raise InputError(f"unknown --by key `{key}`; valid: {', '.join(fl.BY_KEYS)}")
    if sum(k in fl.TIME_KEYS for k in keys) > 1:
        raise InputError("--by takes at most one of fy, year, month")
    return keys or ["fy"]


def flow_spec(exporter: str, importer: str | None, side: str) -> tuple[str, str, list[str] | None]:
    """(reporter, flow, partners) for an exporter->importer flow reported by one side."""
    exp = countries.resolve(exporter)
    imp = countries.resolve(importer) if importer else None
    if side == "exporter":
        return exp, "export", [imp] if imp else None
    if side == "importer":
        if imp is None:
            raise InputError("--reporter importer needs --importer")
        return imp, "import", [exp]
    raise InputError(f"unknown --reporter `{side}`; valid: exporter, importer")


def run_flows(
    wh: Warehouse,
    /,
    *,
    exporter: str,
    importer: str | None = None,
    segment: str | Segment = "pharma",
    by: str | Sequence[str] = "fy",
    unit: str = "usd_mn",
    measure: str = "value",
    reporter: str = "exporter",
    dataset: str | None = None,
) -> Result:
    """Trade of *exporter* to *importer* (or the world) in a segment, as reported by one side.

    Examples
    --------
    >>> run_flows(wh, exporter="IND", importer="RUS", segment="medical_devices",
    ...           by="fy", unit="inr_crore").rows                       # doctest: +SKIP
    """
    keys = parse_by(by)
    seg = segment if isinstance(segment, Segment) else load_segment(segment)
    rep, flow, partners = flow_spec(exporter, importer, reporter)
    time_key = next((k for k in keys if k in fl.TIME_KEYS), None)
    what = f"{rep} {flow}s" + (f" with {', '.join(partners)}" if partners else "")
    found = available(wh, reporter=rep, flow=flow, partners=partners)
    chosen = choose_dataset(found, time_key=time_key, requested=dataset, what=what)
    base = fl.select(
        wh.table("trade_flows"), dataset=chosen, reporter=rep, flow=flow, partners=partners, segment=seg,
        period_types=fl.TIME_KEYS[time_key] if time_key else None,
    )
    periods = [(r["period_type"], r["period"]) for r in base.select("period_type", "period").distinct().to_pyarrow().to_pylist()]
    rates = rates_for(unit, periods) if measure == "value" else None
    out = fl.flows(base, by=keys, measure=measure, unit=unit, rates=rates)
    rows = [{k: round(v, 6) if isinstance(v, float) else v for k, v in r.items()} for r in out.to_pyarrow().to_pylist()]
    notes = _notes(wh, rows, chosen=chosen, found=found, time_key=time_key, unit=unit, measure=measure)
    if time_key:
        notes += coverage_notes(wh, chosen=chosen, others=[d for d in found if d != chosen], rep=rep, flow=flow,
                                partners=partners, seg=seg, time_key=time_key)
    exp_iso = countries.resolve(exporter)
    imp_iso = countries.resolve(importer) if importer else None
    return Result(
        title=f"{exp_iso} -> {imp_iso or 'world'}: {seg.name}, as reported by {rep}",
        query={"verb": "flows", "exporter": exporter, "importer": importer, "segment": seg.name, "by": keys,
               "unit": unit, "measure": measure, "reporter": reporter, "dataset": dataset},
        definition={
            "segment": seg.definition(),
            "dataset": f"{chosen}: {DATASET_NAMES.get(chosen, chosen)}",
            "reporter": rep,
            "flow": flow,
            "partners": partners or "all partners",
            "measure": measure,
            "period_type": time_key or "all periods together",
            "unit": unit if measure == "value" else "as published per quantity_unit",
        },
        rows=rows,
        sources=sources_of(wh, base),
        notes=notes,
    )


def _notes(wh: Warehouse, rows: list[dict], *, chosen: str, found: dict, time_key: str | None,
           unit: str, measure: str) -> list[str]:
    notes: list[str] = []
    others = sorted(set(found) - {chosen})
    if others:
        notes.append(f"answered from dataset {chosen}; also loaded for this flow: {', '.join(others)} (never summed; choose with --dataset)")
    if measure == "value" and fl.CURRENCY[unit] == "INR":
        notes.append("INR values are the source's published INR figures where it publishes them (India's tables), "
                     "else USD converted at the period's average ECB reference rate")
    elif measure == "value" and fl.CURRENCY[unit] == "RUB":
        notes.append("RUB values are USD converted at the period's average rate (ECB until 2022-03-01, then user-supplied rates)")
    if time_key and "month" in found.get(chosen, set()) and time_key != "month":
        short = [r for r in rows if r.get("source_periods", 12) < 12]
        if short:
            labels = ", ".join(f"{r[time_key]} ({r['source_periods']} months)" for r in short[:6])
            notes.append(f"incomplete periods rolled up from monthly data: {labels}")
    if measure != "value":
        notes.append("quantities are summed per published unit; rows without a quantity are not counted in it")
    return notes


def coverage_notes(
    wh: Warehouse, *, chosen: str, others: list[str], rep: str, flow: str, partners: list[str] | None,
    seg: Segment, time_key: str,
) -> list[str]:
    """Compare the chosen dataset with the reporter's other datasets, per period and HS6.

    A note names each period where the other dataset has HS6 lines the chosen one lacks
    and their value; this is how India's annual tables' gap for HS2022-renumbered codes
    is found from the data itself.
    """
    notes: list[str] = []
    t = wh.table("trade_flows")
    for other in others:
        sums = {}
        for ds in (chosen, other):
            sel = fl.select(t, dataset=ds, reporter=rep, flow=flow, partners=partners, segment=seg,
                            period_types=fl.TIME_KEYS[time_key])
            agg = fl.flows(sel, by=[time_key, "hs6"], unit="usd_mn")
            sums[ds] = {(r[time_key], r["hs6"]): r for r in agg.to_pyarrow().to_pylist()}
        # Compare only periods both datasets cover completely (12 months where rolled up).
        def complete(ds: str) -> set[str]:
            per: dict[str, int] = {}
            for (period, _), r in sums[ds].items():
                per[period] = max(per.get(period, 0), r["source_periods"])
            return {p for p, n in per.items() if n >= 12 or "month" not in fl.TIME_KEYS[time_key] or n == 1}
        common = sorted(complete(chosen) & complete(other))
        for period in common:
            mine = {h: r["value_usd_mn"] for (p, h), r in sums[chosen].items() if p == period}
            theirs = {h: r["value_usd_mn"] for (p, h), r in sums[other].items() if p == period}
            missing = {h: v for h, v in theirs.items() if h not in mine and (v or 0) > 0}
            total_other = sum(v or 0 for v in theirs.values())
            lost = sum(missing.values())
            if total_other > 0 and lost / total_other > COVERAGE_TOLERANCE:
                top = ", ".join(f"{h} (US$ {v:,.2f} mn)" for h, v in sorted(missing.items(), key=lambda kv: -kv[1])[:5])
                notes.append(
                    f"{period}: {chosen} is incomplete for this segment: {other} reports HS6 lines absent from "
                    f"{chosen} worth US$ {lost:,.2f} mn ({lost / total_other:.0%} of {other}'s US$ {total_other:,.2f} mn): "
                    f"{top}; compare with --dataset {other}"
                )
    return notes

