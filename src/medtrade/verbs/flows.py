"""`medtrade flows`: a flow between two countries over time, by product or partner."""

from __future__ import annotations

from collections.abc import Sequence

from medtrade.analysis import flows as fl
from medtrade.catalog import countries
from medtrade.catalog.periods import parse_period
from medtrade.catalog.segments import Segment, load_segment
from medtrade.errors import InputError
from medtrade.results import Result
from medtrade.verbs.common import DATASET_NAMES, available, choose_dataset, index_rows, label_of, rates_for, sources_of
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
    period: str | None = None,
) -> Result:
    """Trade of *exporter* to *importer* (or the world) in a segment, as reported by one side.

    ``period`` (``FY2022-23``, ``2022``, ``2022-06``) keeps only that period's data.

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
    within = parse_period(period) if period else None
    base = fl.select(
        wh.table("trade_flows"), dataset=chosen, reporter=rep, flow=flow, partners=partners, segment=seg,
        period_types=fl.TIME_KEYS[time_key] if time_key else None, within=within,
    )
    periods = [(r["period_type"], r["period"]) for r in base.select("period_type", "period").distinct().to_pyarrow().to_pylist()]
    rates = rates_for(unit, periods) if measure == "value" else None
    out = fl.flows(base, by=keys, measure=measure, unit=unit, rates=rates)
    rows = [{k: round(v, 6) if isinstance(v, float) else v for k, v in r.items()} for r in out.to_pyarrow().to_pylist()]
    if within and not rows:
        raise InputError(f"dataset {chosen} has no {what} data within {within}"
                         f"{' (it publishes ' + '/'.join(sorted(found[chosen])) + ' periods)' if chosen in found else ''}")
    notes = _notes(wh, chosen=chosen, found=found, time_key=time_key, unit=unit, measure=measure,
                   rep=rep, flow=flow, partners=partners)
    if time_key:
        comparable = [d for d in found if d != chosen and found[d] & set(fl.TIME_KEYS[time_key])]
        notes += coverage_notes(wh, chosen=chosen, others=comparable, rep=rep, flow=flow,
                                partners=partners, seg=seg, time_key=time_key, found=found)
    exp_iso = countries.resolve(exporter)
    imp_iso = countries.resolve(importer) if importer else None
    return Result(
        title=f"{exp_iso} -> {imp_iso or 'world'}: {seg.name}, as reported by {rep}",
        query={"verb": "flows", "exporter": exporter, "importer": importer, "segment": seg.name, "by": keys,
               "unit": unit, "measure": measure, "reporter": reporter, "dataset": dataset, "period": period},
        definition={
            "segment": seg.definition(),
            "dataset": f"{chosen}: {DATASET_NAMES.get(chosen, chosen)}",
            "reporter": rep,
            "flow": flow,
            "partners": partners or "all partners",
            "measure": measure,
            "period_type": time_key or "all periods together",
            "period": str(within) if within else "all loaded periods",
            "unit": unit if measure == "value" else "as published per quantity_unit",
        },
        rows=rows,
        sources=sources_of(wh, base),
        notes=notes,
    )


def complete_periods(wh: Warehouse, /, *, dataset: str, rep: str, flow: str, partners: list[str] | None,
                     time_key: str) -> dict[str, int]:
    """Periods of a dataset (any product) with the number of source periods behind each.

    A period is complete when the dataset publishes it directly or has all its months.
    """
    periods: dict[str, set[str]] = {}
    for row in index_rows(wh, reporter=rep, flow=flow, dataset=dataset, partners=partners,
                          period_types=fl.TIME_KEYS[time_key]):
        periods.setdefault(label_of(row, by=time_key), set()).add(row["period"])
    return {label: len(found) for label, found in sorted(periods.items())}


def _is_complete(n_periods: int, native: bool) -> bool:
    return n_periods == 1 if native else n_periods >= 12


def _notes(wh: Warehouse, *, chosen: str, found: dict, time_key: str | None, unit: str, measure: str,
           rep: str, flow: str, partners: list[str] | None) -> list[str]:
    notes: list[str] = []
    others = sorted(set(found) - {chosen})
    if others:
        notes.append(f"answered from dataset {chosen}; also loaded for this flow: {', '.join(others)} "
                     "(datasets are never summed; choose with --dataset)")
    if measure == "value" and fl.CURRENCY[unit] == "INR":
        notes.append("INR values are the source's published INR figures where it publishes them (India's tables), "
                     "else USD converted at the period's average ECB reference rate")
    elif measure == "value" and fl.CURRENCY[unit] == "RUB":
        notes.append("RUB values are USD converted at the period's average rate (ECB until 2022-03-01, then user-supplied rates)")
    if time_key and time_key != "month" and time_key not in found.get(chosen, set()):
        periods = complete_periods(wh, dataset=chosen, rep=rep, flow=flow, partners=partners, time_key=time_key)
        short = {p: n for p, n in periods.items() if n < 12}
        if short:
            labels = ", ".join(f"{p} ({n} of 12 months)" for p, n in sorted(short.items())[:6])
            notes.append(f"incomplete periods (rolled up from monthly data): {labels}")
    if measure != "value":
        notes.append("quantities are summed per published unit; rows without a quantity are not counted in it")
    return notes


def coverage_notes(
    wh: Warehouse, *, chosen: str, others: list[str], rep: str, flow: str, partners: list[str] | None,
    seg: Segment, time_key: str, found: dict[str, set[str]],
) -> list[str]:
    """Compare the chosen dataset with the reporter's other datasets, per period and HS6.

    For every period both datasets cover completely, a note names the HS6 lines the other
    dataset reports and the chosen one lacks, with their value, when they exceed
    :data:`COVERAGE_TOLERANCE` of the other's segment total. This is how the gap in
    India's annual tables for codes renumbered by HS2022 is found from the data itself.
    """
    notes: list[str] = []
    t = wh.table("trade_flows")
    for other in others:
        sums: dict[str, dict[tuple[str, str], float]] = {}
        complete: dict[str, set[str]] = {}
        for ds in (chosen, other):
            sel = fl.select(t, dataset=ds, reporter=rep, flow=flow, partners=partners, segment=seg,
                            period_types=fl.TIME_KEYS[time_key])
            agg = fl.flows(sel, by=[time_key, "hs6"], unit="usd_mn").to_pyarrow().to_pylist()
            sums[ds] = {(r[time_key], r["hs6"]): r["value_usd_mn"] or 0.0 for r in agg}
            native = time_key in found.get(ds, set())
            periods = complete_periods(wh, dataset=ds, rep=rep, flow=flow, partners=partners, time_key=time_key)
            complete[ds] = {p for p, n in periods.items() if _is_complete(n, native)}
        for period in sorted(complete[chosen] & complete[other]):
            mine = {h for (p, h) in sums[chosen] if p == period}
            theirs = {h: v for (p, h), v in sums[other].items() if p == period}
            missing = {h: v for h, v in theirs.items() if h not in mine and v > 0}
            total_other, lost = sum(theirs.values()), sum(missing.values())
            if total_other > 0 and lost / total_other > COVERAGE_TOLERANCE:
                top = ", ".join(f"{h} (US$ {v:,.2f} mn)" for h, v in sorted(missing.items(), key=lambda kv: -kv[1])[:5])
                notes.append(
                    f"{period}: {chosen} is incomplete for this segment: {other} reports HS6 lines absent from "
                    f"{chosen} worth US$ {lost:,.2f} mn ({lost / total_other:.0%} of {other}'s US$ {total_other:,.2f} mn): "
                    f"{top}; compare with --dataset {other}"
                )
    return notes
