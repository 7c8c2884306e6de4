"""The corridor report as a value: sections of tables (Results) and Plotly figures.

:func:`build_report` decides which questions the loaded data can answer (periods, sides,
groups), runs them as tasks (:mod:`medtrade.report.tasks`, in parallel), and assembles
:class:`Section` values that :mod:`medtrade.report.html` and :mod:`medtrade.report.xlsx`
only render. Nothing here reads a file or writes SQL: every number comes from a verb.
"""

from __future__ import annotations

import importlib.util
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from medtrade.catalog import countries
from medtrade.catalog.periods import parse_period
from medtrade.catalog.segments import presets
from medtrade.verbs.growth import as_segment
from medtrade.errors import InputError, MedtradeError
from medtrade.report import figures as fg
from medtrade.report.tasks import Task, TaskOutcome, run_tasks
from medtrade.results import Result
from medtrade.verbs.common import available, choose_dataset
from medtrade.verbs.flows import complete_periods
from medtrade.warehouse.store import Warehouse

__all__ = ["Report", "ReportSpec", "Section", "Table", "build_report", "combine"]

#: Claims file checked by default, relative to the working directory (the repository root for `make demo`).
DEFAULT_CLAIMS = Path("examples/claims/india_russia.yaml")
#: Groups tried for "share of the group", in order; those the importer belongs to are kept.
GROUP_ORDER = ("CIS", "EAEU", "BRICS", "EU27")


@dataclass(frozen=True)
class ReportSpec:
    """What to report on.

    Parameters
    ----------
    exporter, importer : the corridor (ISO3 or any known name).
    segments : segment presets, YAML files or HS prefixes; empty = every preset.
    focus : the segment of the detailed charts (shares over time, drivers, mirror by product, target);
        default ``medical_devices`` when reported, else the first segment.
    multiple, years : the target: ``multiple`` x the base period's value ``years`` later.
    target_base : base period of the target; default the latest period with data.
    n : partners in the top-destinations tables.
    claims : a claims YAML file to check; for India-Russia default ``examples/claims/india_russia.yaml`` when found.
    """

    exporter: str = "IND"
    importer: str = "RUS"
    segments: tuple[str, ...] = ()
    focus: str | None = None
    multiple: float = 3.0
    years: int = 5
    target_base: str | None = None
    n: int = 10
    claims: Path | None = None


@dataclass
class Table:
    """One Result shown as a table, with its Excel sheet name."""

    key: str
    result: Result
    caption: str
    sheet: str = ""


@dataclass
class Section:
    """A question of the report: its tables, its charts and what could not be answered."""

    id: str
    title: str
    question: str
    tables: list[Table] = field(default_factory=list)
    figures: list[tuple[str, go.Figure]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    """The assembled report: sections plus what it was asked and when."""

    spec: ReportSpec
    exporter: str
    importer: str
    warehouse: Path
    generated_at: datetime
    sections: list[Section]
    seconds: dict[str, float]
    scope: dict[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return f"{countries.name(self.exporter)} -> {countries.name(self.importer)}: medicines and medical devices"

    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]

    def sources(self) -> list[dict]:
        """Every file behind any table, once (by name and sha256)."""
        seen: dict[tuple, dict] = {}
        for t in self.tables():
            for s in t.result.sources:
                seen.setdefault((s.get("name"), s.get("sha256")), s)
        return list(seen.values())

    def query(self) -> dict[str, Any]:
        """What was asked, with the periods the loaded data decided (shown on the page and the About sheet)."""
        return {"verb": "report", "exporter": self.exporter, "importer": self.importer, **self.scope,
                "warehouse": str(self.warehouse)}


def _focus(spec: ReportSpec, segs: list[str]) -> str:
    if spec.focus:
        return spec.focus
    names = [as_segment(s).name for s in segs]
    return segs[names.index("medical_devices")] if "medical_devices" in names else segs[0]


def combine(results: list[Result], /, *, column: str, labels: list[str], title: str) -> Result:
    """Several Results of one verb as one table: a ``column`` naming each row's origin.

    Definition entries equal across the results are kept once; entries that differ
    become ``{label: value}``. Sources are united; notes are kept once, in order.
    """
    rows = [{column: label, **r} for res, label in zip(results, labels) for r in res.rows]
    keys = list(dict.fromkeys(k for r in rows for k in r))
    rows = [{k: r.get(k) for k in keys} for r in rows]
    definition: dict[str, Any] = {}
    for key in dict.fromkeys(k for res in results for k in res.definition):
        values = [res.definition.get(key) for res in results]
        definition[key] = values[0] if all(v == values[0] for v in values) else dict(zip(labels, values))
    sources: list[dict] = []
    for res in results:
        sources += [s for s in res.sources if s not in sources]
    notes = list(dict.fromkeys(n for res in results for n in res.notes))
    return Result(query={"verb": results[0].query.get("verb") if results else None, "of": labels},
                  definition=definition, rows=rows, sources=sources, notes=notes, title=title)


@dataclass
class _Plan:
    exporter: str
    importer: str
    segs: list[str]
    names: dict[str, str]
    focus: str
    fys: list[str]
    year: str | None
    groups: list[str]
    multiple: float
    years: int
    tasks: list[Task] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)
    claims_file: str = ""

    def add(self, key: str, name: str, **kwargs: Any) -> None:
        self.tasks.append(Task(key, name, kwargs))

    def scope(self) -> dict[str, Any]:
        target = next((t.kwargs for t in self.tasks if t.name == "target"), {})
        return {"segments": [self.names[s] for s in self.segs], "focus": self.names[self.focus],
                "fiscal_years": f"{self.fys[0]}..{self.fys[-1]} (complete in the exporter's statistics)",
                "latest_fiscal_year": self.fys[-1],
                "importer_year": self.year or "none complete in the importer's statistics",
                "groups": self.groups,
                "target": f"x{self.multiple:g} of {target.get('base')} in {self.years} years",
                "claims": self.claims_file or "none"}


def _complete(wh: Warehouse, *, rep: str, flow: str, partner: str, time_key: str) -> list[str]:
    """Complete periods (published as such, or all 12 months) of the first dataset that fits."""
    found = available(wh, reporter=rep, flow=flow, partners=[partner])
    if not found:
        return []
    chosen = choose_dataset(found, time_key=time_key, requested=None, what=f"{rep} {flow}s with {partner}")
    native = time_key in found[chosen]
    periods = complete_periods(wh, dataset=chosen, rep=rep, flow=flow, partners=[partner], time_key=time_key)
    return [p for p, n in periods.items() if (n == 1 if native else n >= 12)]


def _plan(wh: Warehouse, spec: ReportSpec) -> _Plan:
    exp, imp = countries.resolve(spec.exporter), countries.resolve(spec.importer)
    segs = list(spec.segments) or [s.name for s in presets()]
    focus = _focus(spec, segs)
    if focus not in segs:
        segs.append(focus)  # the focus segment gets its trend, forecast and tables like the others
    objs = {s: as_segment(s) for s in segs}  # validates every segment before any work
    names = {s: seg.name for s, seg in objs.items()}
    fys = _complete(wh, rep=exp, flow="export", partner=imp, time_key="fy")
    if not fys:
        raise InputError(f"no complete fiscal year of {exp} exports to {imp} is loaded: load the exporter's "
                         "statistics (e.g. `medtrade load ...india_exports_hs8_by_partner...csv.gz`) or run `medtrade demo`")
    years = _complete(wh, rep=imp, flow="import", partner=exp, time_key="year")
    last = parse_period(fys[-1])
    groups = [g for g in GROUP_ORDER if g in countries.groups()
              and imp in countries.members_on_period_end(g, start=last.start, end=last.end)]
    p = _Plan(exp, imp, segs, names, focus, fys, years[-1] if years else None, groups, spec.multiple, spec.years)
    for s in segs:
        p.add(f"flows:{s}", "flows", exporter=exp, importer=imp, segment=objs[s])
        p.add(f"monthly:{s}", "monthly", exporter=exp, importer=imp, segment=objs[s])
        p.add(f"top:{s}", "top", exporter=exp, segment=objs[s], period=fys[-1], n=spec.n)
        p.add(f"share:{s}", "share", exporter=exp, partner=imp, segment=objs[s], period=fys[-1])
        p.add(f"concentration:{s}", "concentration", exporter=exp, segment=objs[s], by="fy")
        if len(fys) > 1:
            start = fys[-3] if len(fys) >= 3 else fys[0]
            p.add(f"drivers:{s}", "drivers", exporter=exp, importer=imp, segment=objs[s], start=start, end=fys[-1],
                  level="hs4")
        p.add(f"forecast:{s}", "forecast", exporter=exp, importer=imp, segment=objs[s], by="fy")
    for g in groups:
        p.add(f"share:{focus}:{g}", "share", exporter=exp, partner=imp, of_group=g, segment=objs[focus], period=fys[-1])
    for fy in fys:
        p.add(f"share_t:{fy}", "share", exporter=exp, partner=imp, segment=objs[focus], period=fy)
        if groups:
            p.add(f"share_t:{fy}:{groups[0]}", "share", exporter=exp, partner=imp, of_group=groups[0],
                  segment=objs[focus], period=fy)
    if p.year:
        p.add(f"mirror:{focus}", "mirror", exporter=exp, importer=imp, segment=objs[focus], period=p.year, level="hs4")
        p.add(f"suppliers:{focus}", "top", importer=imp, segment=objs[focus], period=p.year, n=spec.n)
        p.add(f"concentration_imp:{focus}", "concentration", importer=imp, segment=objs[focus], by="year")
    else:
        p.notes.setdefault("mirror", []).append(
            f"no complete calendar year of {imp}'s own import statistics from {exp} is loaded: the importer's side "
            f"(mirror, {imp}'s suppliers) cannot be shown; load {imp}'s customs data or UN Comtrade with {imp} as reporter")
    base = spec.target_base or fys[-1]
    p.add(f"target:{focus}", "target", exporter=exp, importer=imp, segment=objs[focus], base=base, years=spec.years,
          multiple=spec.multiple)
    p.add("definitions", "definitions", segments=[objs[s] for s in segs])
    p.add("rates", "rates", periods=fys)
    p.add("registry:manufacturer", "registry_share", by="manufacturer_country")
    p.add("registry:holder", "registry_share", by="holder_country")
    p.add("registry:companies", "registry_companies", country=exp, n=spec.n)
    if importlib.util.find_spec("medtrade.verbs.events") is not None:
        p.add("events", "events", exporter=exp, importer=imp)
    else:
        p.notes.setdefault("events", []).append("events are not available in this installation (medtrade.verbs.events)")
    _plan_claims(p, spec)
    return p


def _plan_claims(p: _Plan, spec: ReportSpec) -> None:
    """One task per claim: a file's target claims each run a backtest, so they go to different workers."""
    notes = p.notes.setdefault("claims", [])
    path = spec.claims
    if path is None and {p.exporter, p.importer} == {"IND", "RUS"}:
        # the seed articles' claims: in the working directory (make demo) or beside the package (editable install)
        path = next((c for c in (DEFAULT_CLAIMS, Path(__file__).resolve().parents[3] / DEFAULT_CLAIMS) if c.is_file()),
                    None)
    if path is None:
        notes.append(f"no claims checked: pass --claims FILE.yaml (for India-Russia the default is {DEFAULT_CLAIMS}, "
                     "not found here)")
        return
    from medtrade.claims import read_claims

    try:
        ids = [c.id for c in read_claims(path)]
    except MedtradeError as exc:
        if spec.claims is not None:
            raise  # the file the user named is wrong: one line, exit 2
        notes.append(f"claims not checked: {exc}")
        return
    for cid in ids:
        p.add(f"claim:{cid}", "claims", path=str(Path(path).resolve()), ids=[cid])
    p.claims_file = Path(path).name


def build_report(warehouse: str | Path, /, *, spec: ReportSpec | None = None, workers: int | None = None) -> Report:
    """Answer the corridor's questions from a warehouse and assemble the report.

    Parameters
    ----------
    warehouse : the DuckDB file, opened read-only (here and in each worker).
    spec : the corridor and options (:class:`ReportSpec`); default India -> Russia, every preset.
    workers : processes for the verbs (default: CPU count, at most 2); 1 runs everything here.

    Examples
    --------
    >>> report = build_report("demo.duckdb", spec=ReportSpec(exporter="IND", importer="RUS"))  # doctest: +SKIP
    >>> write_html(report, "india-russia.html")                                               # doctest: +SKIP
    """
    spec = spec or ReportSpec()
    path = Path(warehouse)
    if not path.is_file():
        raise InputError(f"warehouse `{path}` does not exist: run `medtrade demo` or `medtrade load FILE` first, "
                         "or pass --warehouse PATH")
    started = time.perf_counter()
    with Warehouse(path, read_only=True) as wh:
        plan = _plan(wh, spec)
        planned = time.perf_counter()
        outcomes = run_tasks(plan.tasks, warehouse=path, workers=workers, wh=wh)
    computed = time.perf_counter()
    sections = _sections(plan, outcomes)
    seconds = {"plan": planned - started, "verbs": computed - planned,
               "assemble": time.perf_counter() - computed,
               "verbs_serial": sum(o.seconds for o in outcomes.values()),
               "verbs_cpu": sum(o.cpu for o in outcomes.values())}
    return Report(spec, plan.exporter, plan.importer, path, datetime.now(timezone.utc).replace(microsecond=0),
                  sections, seconds, plan.scope())


# ----------------------------------------------------------------------------------------------- sections
def _get(outcomes: dict[str, TaskOutcome], key: str, sink: list[str], what: str) -> Result | None:
    o = outcomes.get(key)
    if o is None:
        return None
    if o.error:
        sink.append(f"{what}: not answered: {o.error}")
    return o.result


def _sections(p: _Plan, out: dict[str, TaskOutcome]) -> list[Section]:
    exp, imp, focus = p.exporter, p.importer, p.focus
    fname = p.names[focus]
    event_notes = p.notes.setdefault("events", [])
    ev = _get(out, "events", event_notes, "events")
    events = ev.rows if ev else []
    secs: list[Section] = []

    trade = Section("trade", "Trade by segment over time",
                    f"How much does {countries.name(exp)} export to {countries.name(imp)} in each segment, per fiscal "
                    "year, and what does each side's monthly statistics say?",
                    notes=[f"no events drawn on the charts: {n}" for n in event_notes])
    flows = {s: _get(out, f"flows:{s}", trade.notes, f"flows of {p.names[s]}") for s in p.segs}
    trade.figures.append(("trend", fg.trend_by_segment({p.names[s]: r for s, r in flows.items() if r},
                                                      exporter=exp, importer=imp, events=events)))
    for s in p.segs:
        if flows[s]:
            trade.tables.append(Table(f"flows:{s}", flows[s], f"{exp} -> {imp} exports, {p.names[s]}, by fiscal year"))
    for s in p.segs:
        m = _get(out, f"monthly:{s}", trade.notes, f"monthly flows of {p.names[s]}")
        if m:
            trade.figures.append((f"monthly-{p.names[s]}", fg.monthly_sides(m, segment=p.names[s], exporter=exp,
                                                                          importer=imp, events=events)))
            trade.tables.append(Table(f"monthly:{s}", m, f"{p.names[s]} by month, as each side reports it"))
    secs.append(trade)

    mirror = Section("mirror", "The mirror: what each side reports",
                     f"Do {countries.name(exp)}'s exports and {countries.name(imp)}'s imports agree, product by product?",
                     notes=list(p.notes.get("mirror", [])))
    if (m := _get(out, f"mirror:{focus}", mirror.notes, "mirror")) is not None:
        mirror.figures.append(("mirror", fg.mirror_bars(m, segment=fname)))
        mirror.tables.append(Table(f"mirror:{focus}", m, f"Mirror {p.year}: {fname} by HS4"))
    secs.append(mirror)

    top = Section("top", "Top destinations and suppliers",
                  f"Where does {countries.name(exp)} sell, and who supplies {countries.name(imp)}?")
    for s in p.segs:
        if (r := _get(out, f"top:{s}", top.notes, f"top destinations of {p.names[s]}")) is not None:
            if s == focus:
                top.figures.append(("top", fg.top_bars(r, highlight=imp)))
            top.tables.append(Table(f"top:{s}", r, f"Top destinations of {exp}: {p.names[s]}, {p.fys[-1]}"))
    if (r := _get(out, f"suppliers:{focus}", top.notes, f"suppliers of {imp}")) is not None:
        top.tables.append(Table(f"suppliers:{focus}", r, f"Suppliers of {imp}: {fname}, {p.year}"))
    secs.append(top)

    shares = Section("shares", "Shares",
                     f"What share of {countries.name(exp)}'s exports goes to {countries.name(imp)}, and of the group's?")
    latest = [(s, _get(out, f"share:{s}", shares.notes, f"share in {p.names[s]}")) for s in p.segs]
    latest = [(s, r) for s, r in latest if r is not None]
    if latest:
        shares.tables.append(Table("share:latest", combine([r for _, r in latest], column="segment",
                                                          labels=[p.names[s] for s, _ in latest],
                                                          title=f"{imp}'s share of {exp}'s exports, {p.fys[-1]}"),
                                   f"{imp}'s share of {exp}'s exports to all partners, {p.fys[-1]}, every segment"))
    groups = [(g, _get(out, f"share:{focus}:{g}", shares.notes, f"share of {g}")) for g in p.groups]
    groups = [(g, r) for g, r in groups if r is not None]
    if groups:
        shares.tables.append(Table("share:groups", combine([r for _, r in groups], column="group",
                                                          labels=[g for g, _ in groups],
                                                          title=f"{imp}'s share of {exp}'s {fname} exports to groups"),
                                   f"{imp}'s share of {exp}'s {fname} exports to each group it belongs to, {p.fys[-1]}"))
    over: dict[str, list[tuple[str, Result]]] = {"world": [], p.groups[0] if p.groups else "-": []}
    for fy in p.fys:
        if (r := _get(out, f"share_t:{fy}", shares.notes, f"share in {fy}")) is not None:
            over["world"].append((fy, r))
        if p.groups and (r := _get(out, f"share_t:{fy}:{p.groups[0]}", shares.notes, f"share of {p.groups[0]} in {fy}")):
            over[p.groups[0]].append((fy, r))
    trend = [r for k in over for _, r in over[k]]
    if trend:
        table = combine(trend, column="of_total", labels=[k for k in over for _ in over[k]],
                        title=f"{imp}'s share of {exp}'s {fname} exports per fiscal year")
        shares.figures.append(("share-trend", fg.share_trend(table, events=events)))
        shares.tables.append(Table("share:trend", table, f"{imp}'s share of {exp}'s {fname} exports, per fiscal year"))
    secs.append(shares)

    drivers = Section("drivers", "Drivers of the change",
                      f"Which products drove the change of {exp} -> {imp} exports between two fiscal years?")
    for s in p.segs:
        if (r := _get(out, f"drivers:{s}", drivers.notes, f"drivers of {p.names[s]}")) is not None:
            if s == focus:
                drivers.figures.append(("drivers", fg.driver_bars(r)))
            drivers.tables.append(Table(f"drivers:{s}", r, f"Drivers: {p.names[s]} by HS4"))
    secs.append(drivers)

    conc = Section("concentration", "Concentration",
                   f"How concentrated are {countries.name(exp)}'s destinations (HHI per fiscal year)?")
    per = {p.names[s]: r for s in p.segs
           if (r := _get(out, f"concentration:{s}", conc.notes, f"concentration of {p.names[s]}")) is not None}
    if per:
        conc.figures.append(("hhi", fg.hhi_lines(per, events=events)))
        for s in p.segs:
            if p.names[s] in per:
                conc.tables.append(Table(f"concentration:{s}", per[p.names[s]], f"HHI of {exp}'s destinations: {p.names[s]}"))
    if (r := _get(out, f"concentration_imp:{focus}", conc.notes, f"concentration of {imp}'s suppliers")) is not None:
        conc.tables.append(Table(f"concentration_imp:{focus}", r, f"HHI of {imp}'s suppliers: {fname}"))
    secs.append(conc)

    registry = Section("registry", "Registry shares",
                       f"What share of the products in the loaded register (named in its notes) is made in "
                       f"{countries.name(exp)}, and by whom?")
    for key, caption in (("registry:manufacturer", "Products by manufacturer country"),
                         ("registry:holder", "Products by holder country"),
                         ("registry:companies", f"Top manufacturers of {exp}")):
        if (r := _get(out, key, registry.notes, caption)) is not None:
            if key == "registry:manufacturer":
                registry.figures.append(("registry", fg.registry_bars(r, highlight=exp)))
            registry.tables.append(Table(key, r, caption))
    secs.append(registry)

    fc = Section("forecast", "Forecasts and the target",
                 f"Where are the flows going, and can {fname} exports reach x{p.multiple:g} in {p.years} years?")
    target = _get(out, f"target:{focus}", fc.notes, "target")
    if target is not None:
        fc.tables.append(Table(f"target:{focus}", target, f"Target: {fname}"))
    for s in p.segs:
        if (r := _get(out, f"forecast:{s}", fc.notes, f"forecast of {p.names[s]}")) is not None:
            fc.figures.append((f"fan-{p.names[s]}", fg.fan_chart(r, segment=p.names[s], events=events,
                                                                 target=target if s == focus else None)))
            fc.tables.append(Table(f"forecast:{s}", r, f"Forecast: {p.names[s]}"))
    secs.append(fc)

    claims = Section("claims", "Claims checked", "Do the published statements hold against the data?",
                     notes=list(p.notes.get("claims", [])))
    keys = [t.key for t in p.tasks if t.key.startswith("claim:")]  # file order
    checked = [r for k in keys if (r := _get(out, k, claims.notes, k[6:])) is not None]
    if checked:
        claims.tables.append(Table("claims", _claims_table(checked, p.claims_file),
                                   f"Claims of {p.claims_file} and their verdicts"))
    secs.append(claims)

    about = Section("definitions", "Definitions: segments and exchange rates",
                    "Which HS codes make each segment, and which rates convert currencies?")
    for key, caption in (("definitions", "Segments and their HS codes"), ("rates", "INR and RUB per US$, fiscal years")):
        if (r := _get(out, key, about.notes, caption)) is not None:
            about.tables.append(Table(key, r, caption))
    secs.append(about)

    timeline = Section("events", "Events", f"What happened on the {exp}-{imp} corridor (drawn on every trend chart)?",
                       notes=event_notes)
    if ev is not None:
        timeline.tables.append(Table("events", ev, "Events of the corridor"))
    secs.append(timeline)
    _name_sheets([t for s in secs for t in s.tables])
    return secs


def _claims_table(results: list[Result], name: str, /) -> Result:
    """The per-claim answers as the one table `check_file` would give (rows in file order, counts recomputed)."""
    rows = [r for res in results for r in res.rows]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["verdict"]] = counts.get(r["verdict"], 0) + 1
    sources: dict[str, dict] = {}
    for res in results:
        for s in res.sources:
            sources.setdefault(str(s.get("sha256") or s.get("name")), s)
    rest = list(dict.fromkeys(n for res in results for n in res.notes[1:]))  # notes[0] is each task's count line
    return Result(title=f"Claims: {name}", query={"verb": "claims check", "file": name},
                  definition=results[0].definition, rows=rows, sources=list(sources.values()),
                  notes=[", ".join(f"{n} {v}" for v, n in counts.items()) + f" ({len(rows)} claims)", *rest])


SHEET_PREFIX = {"definitions": "Segments", "rates": "Rates", "flows": "Trade", "monthly": "Monthly", "mirror": "Mirror", "top": "Top", "suppliers": "Suppliers",
                "share": "Share", "drivers": "Drivers", "concentration": "HHI", "concentration_imp": "HHI suppliers",
                "forecast": "Forecast", "target": "Target", "registry": "Registry", "claims": "Claims",
                "events": "Events"}


def _name_sheets(tables: list[Table]) -> None:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique (case-insensitive)."""
    used = {"about"}
    for t in tables:
        kind, _, rest = t.key.partition(":")
        if kind in ("flows", "monthly", "top", "drivers", "concentration", "forecast", "target", "mirror",
                    "suppliers", "concentration_imp"):
            rest = as_segment(rest).name if rest else rest
        base = re.sub(r"[\[\]:*?/\\]", " ", f"{SHEET_PREFIX.get(kind, kind)} {rest}".strip())[:31].strip()
        name, i = base, 2
        while name.lower() in used:
            suffix = f" {i}"
            name, i = base[: 31 - len(suffix)] + suffix, i + 1
        used.add(name.lower())
        t.sheet = name
