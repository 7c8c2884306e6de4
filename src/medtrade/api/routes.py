"""JSON endpoints: one per CLI verb, same argument names, same JSON as ``--format json``.

Answers are computed on the server's private copy of the warehouse
(:class:`~medtrade.warehouse.snapshots.SnapshotReader`) and kept per copy: a copy never
changes, so an answer computed on it stays right until a load produces a new copy.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response

from medtrade.api import models as m
from medtrade.errors import MedtradeError
from medtrade.results import Result
from medtrade.warehouse.store import Warehouse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Answers kept per warehouse copy; $MEDTRADE_API_CACHE=0 turns the cache off (benchmarks of the raw verbs).
CACHE_SIZE = int(os.environ.get("MEDTRADE_API_CACHE", "512"))
# Verbs running at once: one per core keeps DuckDB's threads busy without a queue of cold connections.
COMPUTE_SLOTS = max(2, os.cpu_count() or 2)
# Questions answered again on a new copy before it serves (see prewarm); 0 turns it off.
PREWARM = int(os.environ.get("MEDTRADE_API_PREWARM", "32"))
_cache_lock = threading.Lock()

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": m.ErrorOut, "description": "The question cannot be answered: unknown country, period not loaded..."},
}
RESULT: dict[int | str, dict[str, Any]] = {
    200: {"model": m.ResultOut, "description": "The answer (json), its rows (csv) or a workbook (xlsx)",
          "content": {"text/csv": {"schema": {"type": "string"}},
                      XLSX: {"schema": {"type": "string", "format": "binary"}}}},
    **ERRORS,
}

router = APIRouter(prefix="/api", responses=ERRORS)


async def answer(request: Request, query: m._Query, run: Callable[[Warehouse], Result]) -> Response:
    """Run a verb on the newest copy (or take its answer from the copy's cache) and render it.

    A cached answer is served on the event loop; a verb runs in a worker thread, at most
    ``COMPUTE_SLOTS`` at a time (more would only share the same cores and keep more cold
    connections), and concurrent requests for the same question wait for one computation.
    """
    repeated = sorted({k for k, _ in request.query_params.multi_items()
                       if len(request.query_params.getlist(k)) > 1})
    if repeated:  # `n=10&n=20` would silently mean n=20
        raise RequestValidationError([{"type": "repeated", "loc": ("query", k), "input": request.query_params.getlist(k),
                                       "msg": "given more than once; give each parameter once"} for k in repeated])
    key = (type(query).__name__, query.model_dump_json(exclude={"format"}))
    with request.app.state.reader.lease() as snap:
        hit, cached = await computed(request, snap, key, lambda wh: _limit(run(wh)))
        generation = snap.generation
    result, body = hit
    headers = {"X-Medtrade-Snapshot": str(generation), "X-Medtrade-Cache": "hit" if cached else "miss"}
    if query.format == "csv":
        return Response(result.to_csv(), media_type="text/csv; charset=utf-8", headers={
            **headers, "Content-Disposition": f'attachment; filename="medtrade-{result.query.get("verb", "answer")}.csv"'})
    if query.format == "xlsx":
        return Response(await run_in_threadpool(workbook, result), media_type=XLSX, headers={
            **headers, "Content-Disposition": f'attachment; filename="medtrade-{result.query.get("verb", "answer")}.xlsx"'})
    return Response(body, media_type="application/json", headers=headers)


def recall(snap: Any, key: Any) -> Any:
    """A value kept in a copy's cache, or None."""
    with _cache_lock:
        hit = snap.cache.get(key)
        if hit is not None:
            snap.cache.move_to_end(key)
        return hit


async def computed(request: Request, snap: Any, key: Any, compute: Callable[[Warehouse], Any]) -> tuple[Any, bool]:
    """(value, from cache): *compute* on a connection of *snap*, once per key and copy."""
    if (hit := recall(snap, key)) is not None:
        return hit, True
    state = request.app.state
    pending: dict[Any, asyncio.Task] = state.pending
    flight = (snap.generation, key)
    if (task := pending.get(flight)) is None:
        # A task of its own, not the first caller's: a caller that disconnects does not fail the others.
        snap.pin()  # the task's own hold on the copy: it may outlive this request
        task = pending[flight] = asyncio.ensure_future(_compute(state, snap, key, compute))
        task.add_done_callback(lambda t: (pending.pop(flight, None), t.cancelled() or t.exception()))
    return await asyncio.shield(task), False


async def _compute(state: Any, snap: Any, key: Any, compute: Callable[[Warehouse], Any]) -> Any:
    def work() -> Any:
        with snap.connection() as wh:
            return compute(wh)  # a MedtradeError becomes a 400 (app.py)

    try:
        if state.slots is None:
            state.slots = asyncio.Semaphore(COMPUTE_SLOTS)
        async with state.slots:
            value = await run_in_threadpool(work)
    finally:
        snap.unpin()
    remember(snap, key, value, compute)
    return value


def remember(snap: Any, key: Any, value: Any, compute: Callable[[Warehouse], Any] | None) -> None:
    """Keep an answer (and how it was computed, if it can be again) in a copy's cache."""
    if CACHE_SIZE <= 0:
        return
    with _cache_lock:
        snap.cache[key] = value
        if compute is not None:
            snap.recipes[key] = compute
        while len(snap.cache) > CACHE_SIZE:
            snap.recipes.pop(snap.cache.popitem(last=False)[0], None)


def prewarm(new: Any, old: Any, *, questions: int = PREWARM, seconds: float = 10.0) -> None:
    """Answer the old copy's most recent questions on the new copy before it serves requests.

    Runs in the reader's background thread while the old copy still answers: after a load the
    dashboard's questions are answered at once instead of each first asker waiting for a
    computation on a new, cold connection. A question the new data refuses is skipped.
    """
    with _cache_lock:
        recent = [(k, old.recipes[k]) for k in reversed(old.cache) if k in old.recipes][:questions]
    deadline = time.monotonic() + seconds
    for key, compute in recent:
        if time.monotonic() > deadline:
            break
        try:
            with new.connection() as wh:
                value = compute(wh)
        except MedtradeError:
            continue
        remember(new, key, value, compute)


def _limit(result: Result) -> tuple[Result, bytes]:
    if len(result.rows) > m.MAX_ROWS:
        n = len(result.rows)
        result.rows = result.rows[: m.MAX_ROWS]
        result.notes.append(f"{n:,} rows; the API returns the first {m.MAX_ROWS:,}: ask a narrower question "
                            "(one period, a smaller segment) or use the CLI")
    return result, result.to_json().encode()


def workbook(result: Result) -> bytes:
    """The rows on one sheet, definition, sources and notes on another (xlsxwriter)."""
    import xlsxwriter

    doc = json.loads(result.to_json())  # JSON-safe values: no NaN, dates as text
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    rows = book.add_worksheet("rows")
    columns = list(doc["rows"][0]) if doc["rows"] else []
    rows.write_row(0, 0, columns)
    for i, row in enumerate(doc["rows"], start=1):
        rows.write_row(i, 0, [_cell(row.get(c)) for c in columns])
    about = book.add_worksheet("definition")
    line = 0
    for section in ("query", "definition"):
        for k, v in doc[section].items():
            about.write_row(line, 0, [section, k, _cell(v)])
            line += 1
    for src in doc["sources"]:
        about.write_row(line, 0, ["source", src.get("name"), src.get("sha256"), src.get("dataset")])
        line += 1
    for note in doc["notes"]:
        about.write_row(line, 0, ["note", note])
        line += 1
    book.close()
    return buf.getvalue()


def _cell(v: Any) -> Any:
    return v if v is None or isinstance(v, (int, float, str)) else json.dumps(v, ensure_ascii=False)


@router.get("/flows", responses=RESULT, summary="Trade between two countries in a segment")
async def flows(request: Request, q: Annotated[m.FlowsQuery, Query()]) -> Response:
    """`medtrade flows`: over time (``by=fy``) or by product and partner."""
    from medtrade.verbs.flows import run_flows

    return await answer(request, q, lambda wh: run_flows(
        wh, exporter=q.exporter, importer=q.importer, segment=q.segment, by=q.by, unit=q.unit, measure=q.measure,
        reporter=q.reporter, dataset=q.dataset, period=q.period))


@router.get("/top", responses=RESULT, summary="Top partners of an exporter or an importer")
async def top(request: Request, q: Annotated[m.TopQuery, Query()]) -> Response:
    """`medtrade top`: give exactly one of ``exporter`` (its destinations) and ``importer`` (its suppliers)."""
    from medtrade.verbs.rankings import run_top

    return await answer(request, q, lambda wh: run_top(
        wh, exporter=q.exporter, importer=q.importer, segment=q.segment, period=q.period, n=q.n, measure=q.measure,
        unit=q.unit, dataset=q.dataset))


@router.get("/share", responses=RESULT, summary="A partner's share of an exporter's total or of a group's")
async def share(request: Request, q: Annotated[m.ShareQuery, Query()]) -> Response:
    """`medtrade share`."""
    from medtrade.verbs.rankings import run_share

    return await answer(request, q, lambda wh: run_share(
        wh, exporter=q.exporter, partner=q.partner, of_group=q.of_group, segment=q.segment, period=q.period,
        measure=q.measure, unit=q.unit, dataset=q.dataset))


@router.get("/growth", responses=RESULT, summary="Year-on-year change and CAGR of a flow")
async def growth(request: Request, q: Annotated[m.GrowthQuery, Query()]) -> Response:
    """`medtrade growth`."""
    from medtrade.verbs.growth import run_growth

    return await answer(request, q, lambda wh: run_growth(
        wh, exporter=q.exporter, importer=q.importer, segment=q.segment, by=q.by, start=q.start, end=q.end,
        unit=q.unit, dataset=q.dataset, reporter=q.reporter))


@router.get("/drivers", responses=RESULT, summary="Each product's contribution to the change of a flow")
async def drivers(request: Request, q: Annotated[m.DriversQuery, Query()]) -> Response:
    """`medtrade drivers`."""
    from medtrade.verbs.growth import run_drivers

    return await answer(request, q, lambda wh: run_drivers(
        wh, exporter=q.exporter, importer=q.importer, segment=q.segment, start=q.start, end=q.end, level=q.level,
        unit=q.unit, dataset=q.dataset, reporter=q.reporter))


@router.get("/concentration", responses=RESULT, summary="HHI and top-N share of partners, per period")
async def concentration(request: Request, q: Annotated[m.ConcentrationQuery, Query()]) -> Response:
    """`medtrade concentration`."""
    from medtrade.verbs.rankings import run_concentration

    return await answer(request, q, lambda wh: run_concentration(
        wh, exporter=q.exporter, importer=q.importer, segment=q.segment, by=q.by, n=q.n, unit=q.unit,
        dataset=q.dataset, period=q.period))


@router.get("/mirror", responses=RESULT, summary="Exporter's exports vs importer's imports, per product")
async def mirror(request: Request, q: Annotated[m.MirrorQuery, Query()]) -> Response:
    """`medtrade mirror`."""
    from medtrade.verbs.mirror import run_mirror

    return await answer(request, q, lambda wh: run_mirror(
        wh, exporter=q.exporter, importer=q.importer, segment=q.segment, period=q.period, level=q.level, unit=q.unit))


@router.get("/potential", responses=RESULT, summary="Products with room to grow in a target market")
async def potential(request: Request, q: Annotated[m.PotentialQuery, Query()]) -> Response:
    """`medtrade potential` (docs/potential.md)."""
    from medtrade.verbs.potential import run_potential

    return await answer(request, q, lambda wh: run_potential(
        wh, exporter=q.exporter, target=q.target, segment=q.segment, period=q.period, level=q.level, n=q.n,
        dataset=q.dataset, peers=q.peers))


@router.get("/registry/share", responses=RESULT, summary="Registered products per country of manufacturer or holder")
async def registry_share(request: Request, q: Annotated[m.RegistryShareQuery, Query()]) -> Response:
    """`medtrade registry share`."""
    from medtrade.verbs.registry import run_share as run_registry_share

    return await answer(request, q, lambda wh: run_registry_share(wh, by=q.by, registry=q.registry, basis=q.basis))


@router.get("/events", responses=RESULT, summary="A corridor's timeline: agreements, MoUs, plants, shocks")
async def events(request: Request, q: Annotated[m.EventsQuery, Query()]) -> Response:
    """`medtrade events list` (``from``/``to`` as the CLI's ``--from``/``--to``)."""
    from medtrade.verbs.events import run_events

    return await answer(request, q, lambda wh: run_events(wh, exporter=q.exporter, importer=q.importer,
                                                          start=q.start, end=q.end, kind=q.kind))


@router.get("/sources", responses=RESULT, summary="Loaded files with rows read, loaded and rejected")
async def sources(request: Request, q: Annotated[m.SourcesQuery, Query()]) -> Response:
    """`medtrade sources` (without the server-side file paths)."""

    def run(wh: Warehouse) -> Result:
        rows = wh.source_files()
        for row in rows:
            row.pop("path")  # where the server read a file is not the caller's business
            row["datasets"] = ", ".join(row["datasets"])
        return Result(query={"verb": "sources"}, definition={}, rows=rows, title="Loaded files")

    return await answer(request, q, run)


@router.get("/options", response_model=m.OptionsOut, summary="What the dashboard can ask of the loaded data")
async def options(request: Request) -> m.OptionsOut:
    """Exporters with export statistics, their partners, segment presets and fiscal years with data."""
    with request.app.state.reader.lease() as snap:
        value, _ = await computed(request, snap, "options", _options)
        return value.model_copy(update={"snapshot": {"generation": snap.generation, "copied_at": snap.copied_at}})


def _options(wh: Warehouse) -> m.OptionsOut:
    from medtrade.catalog import countries
    from medtrade.catalog.periods import fy_label_of
    from medtrade.catalog.segments import presets

    pairs = wh.con.execute(
        "SELECT DISTINCT reporter, partner FROM trade_flows WHERE flow = 'export' AND superseded_by IS NULL"
        " AND partner NOT IN (?, ?) ORDER BY ALL", [countries.WORLD, countries.UNSPECIFIED]).fetchall()
    partners: dict[str, list[m.Option]] = {}
    for reporter, partner in pairs:
        partners.setdefault(reporter, []).append(m.Option(code=partner, name=_name(countries, partner)))
    for opts in partners.values():
        opts.sort(key=lambda o: o.name)
    starts = wh.con.execute("SELECT DISTINCT period_type, period, period_start FROM flow_periods").fetchall()
    fys = sorted({p if t == "fy" else fy_label_of(s) for t, p, s in starts})
    return m.OptionsOut(
        exporters=sorted((m.Option(code=c, name=_name(countries, c)) for c in partners), key=lambda o: o.name),
        partners=partners,
        segments=[m.Option(code=s.name, name=s.title or s.name) for s in presets()],
        fiscal_years=fys,
        snapshot={},  # filled per response: the copy that answered
    )


def _name(countries: Any, code: str) -> str:
    try:
        return countries.name(code)
    except Exception:  # noqa: BLE001 - a code the catalog cannot name is shown as is
        return code

