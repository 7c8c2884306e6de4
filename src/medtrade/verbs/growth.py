"""`medtrade growth` and `medtrade drivers`: how a flow changed, and which products changed it."""

from __future__ import annotations

import re
from datetime import date

from medtrade.analysis import flows as fl
from medtrade.analysis import growth as gr
from medtrade.catalog import countries
from medtrade.catalog.periods import Period, parse_period
from medtrade.catalog.segments import Segment, load_segment
from medtrade.errors import InputError
from medtrade.results import Result
from medtrade.verbs.common import DATASET_NAMES, available, choose_dataset, index_rows, rates_for, sources_of
from medtrade.verbs.flows import complete_periods, coverage_notes, flow_spec
from medtrade.warehouse.store import Warehouse

__all__ = ["as_segment", "period_coverage", "period_types_for", "run_drivers", "run_growth"]

_CODE = re.compile(r"[0-9]{2,10}")
# HS revisions in force on these dates renumber codes: a product "vanishing" across one may be reclassified.
HS_REVISIONS = (date(2017, 1, 1), date(2022, 1, 1))


def as_segment(segment: str | Segment, /) -> Segment:
    """A Segment from a preset name, a YAML path, or a bare HS code prefix (``3004`` = heading 3004)."""
    if isinstance(segment, Segment):
        return segment
    if _CODE.fullmatch(str(segment)):
        return Segment(f"HS {segment}", "code", f"HS {segment}", f"all codes starting {segment}", include=(str(segment),))
    return load_segment(segment)


def period_types_for(found: set[str], period_type: str, /) -> list[str]:
    """Period types to read for a question by ``period_type``: the dataset's own if it has it, else its months.

    One type only, so a dataset publishing both years and months is never counted twice.
    """
    return [period_type] if period_type in found else ["month"]


def period_coverage(wh: Warehouse, /, *, dataset: str, rep: str, flow: str, partners: list[str] | None,
                    period: Period, types: list[str]) -> tuple[list[str], int]:
    """(source period labels a dataset has inside ``period`` for the flow, any product; number expected)."""
    rows = index_rows(wh, reporter=rep, flow=flow, dataset=dataset, partners=partners, period_types=types,
                      within=period)
    return sorted({r["period"] for r in rows}), 1 if types == [period.type] else len(period.months())


def data_span(wh: Warehouse, /, *, dataset: str, rep: str, flow: str, partners: list[str] | None,
              types: list[str]) -> str:
    """``first..last`` period the dataset holds for the flow (any product), or ``no periods``."""
    labels = [r["period"] for r in index_rows(wh, reporter=rep, flow=flow, dataset=dataset, partners=partners,
                                              period_types=types)]
    return f"{min(labels)}..{max(labels)}" if labels else "no periods"


def _rows(table) -> list[dict]:  # noqa: ANN001 - an Ibis table
    return table.to_pyarrow().to_pylist()


def run_growth(
    wh: Warehouse,
    /,
    *,
    exporter: str,
    importer: str | None = None,
    segment: str | Segment,
    by: str = "fy",
    start: str | None = None,
    end: str | None = None,
    unit: str = "usd_mn",
    dataset: str | None = None,
    reporter: str = "exporter",
) -> Result:
    """Year-over-year series of a flow and its CAGR between ``start`` and ``end``.

    One row per period (``by`` = fy, year or month; months are compared with the same month
    a year earlier) with the value, the previous year's value, the change and the change in %,
    then one summary row ``start..end`` with the two values and ``cagr_pct``. ``start`` and
    ``end`` default to the first and last period with data.

    Examples
    --------
    >>> run_growth(wh, exporter="IND", importer="RUS", segment="pharma",
    ...            start="FY2017-18", end="FY2023-24").rows[-1]["cagr_pct"]   # doctest: +SKIP
    """
    if by not in fl.TIME_KEYS:
        raise InputError(f"unknown --by `{by}` for growth; valid: {', '.join(fl.TIME_KEYS)}")
    seg = as_segment(segment)
    rep, flow, partners = flow_spec(exporter, importer, reporter)
    p0, p1 = (parse_period(p) if p else None for p in (start, end))
    for p in (p0, p1):
        if p is not None and p.type != by:
            raise InputError(f"period `{p}` is a {p.type} but --by is {by}: give {by} periods or change --by")
    if p0 and p1 and p1.start <= p0.start:
        raise InputError(f"--end `{p1}` must come after --start `{p0}`")
    what = f"{rep} {flow}s" + (f" with {', '.join(partners)}" if partners else "")
    found = available(wh, reporter=rep, flow=flow, partners=partners)
    chosen = choose_dataset(found, time_key=by, requested=dataset, what=what)
    types = period_types_for(found[chosen], by)
    for p in (p0, p1):
        if p is not None and not period_coverage(wh, dataset=chosen, rep=rep, flow=flow, partners=partners,
                                                 period=p, types=types)[0]:
            span = data_span(wh, dataset=chosen, rep=rep, flow=flow, partners=partners, types=types)
            raise InputError(f"dataset {chosen} has no {what} in {p}: it covers {span}")
    base = fl.select(wh.table("trade_flows"), dataset=chosen, reporter=rep, flow=flow, partners=partners,
                     segment=seg, period_types=types)
    periods = [(r["period_type"], r["period"]) for r in _rows(base.select("period_type", "period").distinct())]
    series = fl.flows(base, by=[by], unit=unit, rates=rates_for(unit, periods))
    name = f"value_{unit}"
    rows = _rows(gr.yoy(series, time_key=by, value=name))
    if not rows:
        raise InputError(f"dataset {chosen} has no {what} in segment {seg.name}")
    labels = [r[by] for r in rows]
    p0, p1 = p0 or parse_period(labels[0]), p1 or parse_period(labels[-1])
    rows = [{"period": r[by], name: r[name], "previous_value": r["previous_value"], "change": r["change"],
             "change_pct": r["change_pct"], "cagr_pct": None}
            for r in rows if p0.start <= parse_period(r[by]).start <= p1.start]
    notes: list[str] = []
    for p in (p0, p1):
        if p.label not in labels:
            notes.append(f"{p} has no {seg.name} rows in {chosen}: its value and the CAGR are empty")
    if p1.start > p0.start:
        c = _rows(gr.cagr(series, time_key=by, value=name, start=p0, end=p1))[0]
        rows.append({"period": f"{p0}..{p1}", name: c["end_value"], "previous_value": c["start_value"],
                     "change": c["change"], "change_pct": c["change_pct"], "cagr_pct": c["cagr_pct"]})
    if by not in found[chosen]:
        short = {p: n for p, n in complete_periods(wh, dataset=chosen, rep=rep, flow=flow, partners=partners,
                                                   time_key=by).items()
                 if by != "month" and n < 12 and p0.start <= parse_period(p).start <= p1.start}
        if short:
            notes.append("incomplete periods (rolled up from monthly data; their growth is not comparable): "
                         + ", ".join(f"{p} ({n} of 12 months)" for p, n in sorted(short.items())))
    others = [d for d in found if d != chosen and found[d] & set(fl.TIME_KEYS[by])]
    if others:
        notes.append(f"answered from dataset {chosen}; also loaded: {', '.join(sorted(others))} (never summed; --dataset)")
        notes += coverage_notes(wh, chosen=chosen, others=others, rep=rep, flow=flow, partners=partners, seg=seg,
                                time_key=by, found=found)
    if not partners:
        notes.append("all partners, including XXX (unspecified); WLD world totals are not added")
    exp_iso, imp_iso = countries.resolve(exporter), countries.resolve(importer) if importer else None
    return Result(
        title=f"Growth of {exp_iso} -> {imp_iso or 'world'}: {seg.name}, as reported by {rep}",
        query={"verb": "growth", "exporter": exporter, "importer": importer, "segment": seg.name, "by": by,
               "start": start, "end": end, "unit": unit, "dataset": dataset, "reporter": reporter},
        definition={
            "segment": seg.definition(), "dataset": f"{chosen}: {DATASET_NAMES.get(chosen, chosen)}",
            "reporter": rep, "flow": flow, "partners": partners or "all partners", "period_type": by,
            "unit": unit,
            "yoy": "change = value - previous_value (the same period one year earlier); "
                   "change_pct = 100 * change / previous_value",
            "cagr": f"last row: cagr_pct = 100 * ((value / previous_value) ** (1 / years) - 1), "
                    f"years = {gr.years_between(p0, p1):g} between the starts of {p0} and {p1}",
        },
        rows=rows,
        sources=sources_of(wh, base),
        notes=notes,
    )


def run_drivers(
    wh: Warehouse,
    /,
    *,
    exporter: str,
    importer: str | None = None,
    segment: str | Segment,
    start: str,
    end: str,
    level: str = "hs4",
    unit: str = "usd_mn",
    dataset: str | None = None,
    reporter: str = "exporter",
) -> Result:
    """Contribution of each product to the change of a flow between two periods.

    Rows: rank, product (``level`` = hs4, hs6 or product = national code), value in each
    period, change, ``contribution_pct`` = 100 * change / total change; sorted by absolute
    change; the last row ``TOTAL`` sums the same rows, so the changes add up to it exactly.

    Examples
    --------
    >>> run_drivers(wh, exporter="IND", importer="RUS", segment="medical_devices",
    ...             start="FY2021-22", end="FY2023-24").rows[:3]         # doctest: +SKIP
    """
    if level not in gr.DRIVER_KEYS:
        raise InputError(f"unknown --level `{level}`; valid: {', '.join(gr.DRIVER_KEYS)}")
    p0, p1 = parse_period(start), parse_period(end)
    if p0.type != p1.type:
        raise InputError(f"--start `{p0}` is a {p0.type} and --end `{p1}` a {p1.type}: compare two periods of one type")
    if p1.start <= p0.start:
        raise InputError(f"--end `{p1}` must come after --start `{p0}`")
    seg = as_segment(segment)
    rep, flow, partners = flow_spec(exporter, importer, reporter)
    what = f"{rep} {flow}s" + (f" with {', '.join(partners)}" if partners else "")
    found = available(wh, reporter=rep, flow=flow, partners=partners)
    chosen = choose_dataset(found, time_key=p0.type, requested=dataset, what=what)
    types = period_types_for(found[chosen], p0.type)
    notes: list[str] = []
    for p in (p0, p1):
        have, expected = period_coverage(wh, dataset=chosen, rep=rep, flow=flow, partners=partners, period=p, types=types)
        if not have:
            span = data_span(wh, dataset=chosen, rep=rep, flow=flow, partners=partners, types=types)
            raise InputError(f"dataset {chosen} has no {what} in {p}: it covers {span}")
        if len(have) < expected:
            notes.append(f"{p} is incomplete in {chosen}: {len(have)} of {expected} months")
    span = Period(p0.type, f"{p0}..{p1}", p0.start, p1.end)
    base = fl.select(wh.table("trade_flows"), dataset=chosen, reporter=rep, flow=flow, partners=partners,
                     segment=seg, period_types=types, within=span)
    periods = [(r["period_type"], r["period"]) for r in _rows(base.select("period_type", "period").distinct())]
    out = _rows(gr.drivers(base, key=level, start=p0, end=p1, unit=unit, rates=rates_for(unit, periods)))
    name = f"value_{unit}"
    s_col, e_col = f"{name}_start", f"{name}_end"
    rows = [{"rank": i, level: r[level], f"{name}_{p0}": r[s_col], f"{name}_{p1}": r[e_col], "change": r["change"],
             "contribution_pct": None if r["contribution"] is None else 100 * r["contribution"]}
            for i, r in enumerate(out, 1)]
    if out:
        total = out[0]["total_change"]
        rows.append({"rank": None, level: "TOTAL", f"{name}_{p0}": sum(r[s_col] for r in out),
                     f"{name}_{p1}": sum(r[e_col] for r in out), "change": total,
                     "contribution_pct": 100.0 if total else None})
        notes += _vanishing(out, level=level, s_col=s_col, e_col=e_col, p0=p0, p1=p1)
    others = [d for d in found if d != chosen and found[d] & set(fl.TIME_KEYS[p0.type])]
    if others:
        notes.append(f"answered from dataset {chosen}; also loaded: {', '.join(sorted(others))} (never summed; --dataset)")
        notes += [n for n in coverage_notes(wh, chosen=chosen, others=others, rep=rep, flow=flow, partners=partners,
                                            seg=seg, time_key=p0.type, found=found)
                  if n.startswith((f"{p0}:", f"{p1}:"))]
    return Result(
        title=f"Drivers of {what}: {seg.name}, {p0} -> {p1}, by {level}",
        query={"verb": "drivers", "exporter": exporter, "importer": importer, "segment": seg.name, "start": start,
               "end": end, "level": level, "unit": unit, "dataset": dataset, "reporter": reporter},
        definition={
            "segment": seg.definition(), "dataset": f"{chosen}: {DATASET_NAMES.get(chosen, chosen)}",
            "reporter": rep, "flow": flow, "partners": partners or "all partners",
            "periods": f"{p0} -> {p1}", "unit": unit,
            "change": f"value in {p1} - value in {p0} per {level} (a product absent from one period counts 0)",
            "contribution_pct": "100 * change / total change; the TOTAL row sums the same rows",
        },
        rows=rows,
        sources=sources_of(wh, base),
        notes=notes,
    )


def _vanishing(out: list[dict], *, level: str, s_col: str, e_col: str, p0: Period, p1: Period) -> list[str]:
    """Notes on products present in only one period, pointing at HS revisions between the two."""
    gone = [r for r in out if r[s_col] > 0 and r[e_col] == 0]
    new = [r for r in out if r[s_col] == 0 and r[e_col] > 0]
    revisions = [d for d in HS_REVISIONS if p0.start < d <= p1.end]
    notes = []
    for rows, what in ((gone, f"with value in {p0} have none in {p1}"), (new, f"with value in {p1} had none in {p0}")):
        if rows and revisions:
            listed = ", ".join(f"{r[level]} ({abs(r['change']):,.2f})" for r in rows[:5])
            notes.append(f"{len(rows)} product(s) {what}: {listed}; the HS revision of {revisions[-1].year} "
                         "renumbered codes between the two periods, so part of such a change may be reclassification")
    return notes
