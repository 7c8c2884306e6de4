"""`medtrade mirror`: one flow as the exporter and as the importer report it, side by side."""

from __future__ import annotations

from medtrade.analysis import flows as fl
from medtrade.analysis import mirror as mr
from medtrade.catalog import countries
from medtrade.catalog.periods import Period, parse_period
from medtrade.catalog.segments import Segment
from medtrade.errors import InputError
from medtrade.results import Result
from medtrade.verbs.common import DATASET_NAMES, available, choose_dataset, rates_for, sources_of
from medtrade.verbs.growth import as_segment, data_span, period_coverage, period_types_for
from medtrade.warehouse.store import Warehouse

__all__ = ["CAVEATS", "run_mirror"]

#: Why the two sides differ even when both are right; every mirror result carries these.
CAVEATS = (
    "valuation: importers value goods CIF (including freight and insurance to their border), exporters FOB, "
    "so the importer's figure is normally some 5-10% above the exporter's; a gap of that size is expected, not an error",
    "timing: goods shipped at the end of a period can be recorded by the importer in the next one",
    "partner attribution: importers record the country of origin, exporters the country of destination or "
    "consignment, so goods routed through third countries (re-exports, transit hubs) can appear on one side only",
    "confidential lines: customs suppress some codes (Russia's XXXXXXXXXX) and such lines cannot be assigned to "
    "a product, so a side's product total can be understated",
    "classification: the two customs can put the same goods in different HS6 subheadings (a gap in one HS6 "
    "offset by the opposite gap in a neighbour); compare at --level hs4 to see whether gaps cancel",
    "nomenclature: national codes (ITC-HS 8-digit, TN VED 10-digit) are compared by their HS digits; the two "
    "sides may apply different HS editions around a revision (HS2022 from 2022-01-01)",
)


def run_mirror(
    wh: Warehouse,
    /,
    *,
    exporter: str,
    importer: str,
    segment: str | Segment,
    period: str,
    level: str = "hs6",
    unit: str = "usd_mn",
) -> Result:
    """The exporter's exports to the importer vs the importer's imports from the exporter, per product.

    Each side is answered from its own dataset (the first in the default order that can
    produce the period: for a calendar year, India's monthly statistics roll up to the
    year; Russian customs data are monthly). Rows: per product at ``level`` (hs6 default,
    hs4, hs2) both figures, ``gap`` = importer - exporter and ``gap_pct`` = 100 * gap /
    exporter figure, then a ``TOTAL`` row summing the same rows.

    Raises
    ------
    InputError
        When a side has no data, or only part of the months, for ``period``; the message
        names the side, its dataset and the periods it covers.

    Examples
    --------
    >>> run_mirror(wh, exporter="IND", importer="RUS", segment="3004", period="2021").rows[-1]  # doctest: +SKIP
    """
    if level not in mr.MIRROR_LEVELS:
        raise InputError(f"unknown --level `{level}`; valid: {', '.join(mr.MIRROR_LEVELS)}")
    seg = as_segment(segment)
    p = parse_period(period)
    exp, imp = countries.resolve(exporter), countries.resolve(importer)
    if exp == imp:
        raise InputError(f"--exporter and --importer are both `{exp}`: a mirror compares two countries")
    t = wh.table("trade_flows")
    sides: dict[str, dict] = {}
    for side, rep, flow, partner in (("exporter", exp, "export", imp), ("importer", imp, "import", exp)):
        what = f"{rep} {flow}s {'to' if flow == 'export' else 'from'} {partner}"
        found = available(wh, reporter=rep, flow=flow, partners=[partner])
        if not found:
            raise InputError(f"the {side} side has no data: no {what} ({rep}'s own statistics) are loaded; "
                             "load them with `medtrade load PATH`")
        try:
            chosen = choose_dataset(found, time_key=p.type, requested=None, what=what)
        except InputError as exc:
            raise InputError(f"the {side} side cannot answer {p}: {exc}") from None
        types = period_types_for(found[chosen], p.type)
        have, expected = period_coverage(wh, dataset=chosen, rep=rep, flow=flow, partners=[partner], period=p,
                                         types=types)
        if len(have) < expected:
            span = data_span(wh, dataset=chosen, rep=rep, flow=flow, partners=[partner], types=types)
            held = f"only {len(have)} of {expected} months ({', '.join(have)})" if have else "no data"
            raise InputError(f"the {side} side ({what}, dataset {chosen}) has {held} for {p}: it covers {span}; "
                             "choose a period both sides cover fully")
        sel = fl.select(t, dataset=chosen, reporter=rep, flow=flow, partners=[partner], segment=seg,
                        period_types=types, within=p)
        keys = sel.select("period_type", "period").distinct().to_pyarrow().to_pylist()
        periods = [(r["period_type"], r["period"]) for r in keys]
        sides[side] = {"rep": rep, "flow": flow, "partner": partner, "what": what, "dataset": chosen,
                       "types": types, "sel": sel, "rates": rates_for(unit, periods), "found": found}
    x, m = sides["exporter"], sides["importer"]
    table = mr.mirror(x["sel"], m["sel"], level=level, unit=unit, exporter_rates=x["rates"], importer_rates=m["rates"])
    rows = table.to_pyarrow().to_pylist()
    rows += mr.mirror_total(table, level=level).to_pyarrow().to_pylist()
    notes = [f"{s} side: {d['what']}, dataset {d['dataset']} ({DATASET_NAMES.get(d['dataset'], d['dataset'])}), "
             f"{'rolled up from months' if d['types'] == ['month'] and p.type != 'month' else p.type + ' figures'}"
             for s, d in sides.items()]
    notes += [f"{s} side: {n}" for s, d in sides.items() for n in _confidential(wh, d, p)]
    notes += list(CAVEATS)
    return Result(
        title=f"Mirror: {exp} -> {imp}, {seg.name}, {p}, by {level}",
        query={"verb": "mirror", "exporter": exporter, "importer": importer, "segment": seg.name,
               "period": period, "level": level, "unit": unit},
        definition={
            "segment": seg.definition(), "period": str(p), "level": level, "unit": unit,
            "exporter_side": f"{exp} exports to {imp}: {x['dataset']} ({DATASET_NAMES.get(x['dataset'], x['dataset'])})",
            "importer_side": f"{imp} imports from {exp}: {m['dataset']} ({DATASET_NAMES.get(m['dataset'], m['dataset'])})",
            "gap": f"gap_{unit} = importer_value - exporter_value; gap_pct = 100 * gap / exporter_value; "
                   "the TOTAL row sums the same rows",
        },
        rows=rows,
        sources=_dedupe(sources_of(wh, x["sel"]) + sources_of(wh, m["sel"])),
        notes=notes,
    )


def _confidential(wh: Warehouse, side: dict, period: Period) -> list[str]:
    """How many confidential lines (no product code) the side has for the flow in the period, and their value."""
    sel = fl.select(wh.table("trade_flows"), dataset=side["dataset"],
                    reporter=side["rep"], flow=side["flow"], partners=[side["partner"]], period_types=side["types"],
                    within=period)
    sel = sel.filter(sel.confidential)
    row = sel.aggregate(n=sel.count(), v=sel.value_usd.sum()).to_pyarrow().to_pylist()[0]
    if not row["n"]:
        return []
    return [f"{row['n']:,} confidential lines worth US$ {(row['v'] or 0) / 1e6:,.2f} mn in {period} for {side['what']} "
            "(product withheld): they match no product, and part of them may belong to this segment"]


def _dedupe(sources: list[dict]) -> list[dict]:
    seen, out = set(), []
    for s in sources:
        if s["file_id"] not in seen:
            seen.add(s["file_id"])
            out.append(s)
    return out
