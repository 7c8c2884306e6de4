"""Events verbs: add one, load a YAML file (atomic, idempotent), list a corridor's timeline.

An event is identified by (date, date_precision, corridor, kind, title): loading the same
file again adds nothing; a file that changes an event's status or source updates that
event in place (``updated``), so a timeline can follow "announced" -> "done".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path

from medtrade.analysis import events as ev
from medtrade.catalog import countries
from medtrade.catalog.periods import parse_period
from medtrade.errors import CatalogError, InputError, WarehouseError
from medtrade.results import Result
from medtrade.sources.events_yaml import KINDS, Event, parse_event, read_events
from medtrade.warehouse.store import Warehouse

__all__ = ["EventsLoad", "add_event", "load_events", "run_events", "shipped_events_file"]

COLUMNS = ("event_id", "date", "date_precision", "corridor", "kind", "title", "status", "source_url")


def shipped_events_file() -> Path:
    """The India-Russia events shipped with the package (same file as ``examples/events/india_russia.yaml``)."""
    # Package data of medtrade.claims, reached without importing that package (it sits above the verbs).
    return Path(str(resources.files("medtrade") / "claims" / "data" / "events_india_russia.yaml"))


@dataclass
class EventsLoad:
    """What a load of events did: counts, and the ids of added events."""

    file: str
    read: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[int] = field(default_factory=list)

    def __str__(self) -> str:
        return (f"{self.file}: read {self.read} = added {self.added} + updated {self.updated} "
                f"+ already loaded {self.unchanged}")


def _upsert(wh: Warehouse, e: Event, *, file: str | None, report: EventsLoad) -> None:
    found = wh.con.execute(
        "SELECT event_id, status, source_url FROM events WHERE date = ? AND date_precision = ? AND corridor = ?"
        " AND kind = ? AND title = ?", [e.date, e.date_precision, e.corridor, e.kind, e.title]).fetchone()
    if found is None:
        new_id = wh.con.execute(
            "INSERT INTO events (date, date_precision, corridor, kind, title, status, source_url, file, added_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, now()::TIMESTAMP) RETURNING event_id",
            [e.date, e.date_precision, e.corridor, e.kind, e.title, e.status, e.source_url, file]).fetchone()[0]
        report.added += 1
        report.ids.append(int(new_id))
    elif (found[1], found[2]) != (e.status, e.source_url):
        wh.con.execute("UPDATE events SET status = ?, source_url = ?, file = ? WHERE event_id = ?",
                       [e.status, e.source_url, file, found[0]])
        report.updated += 1
        report.ids.append(int(found[0]))
    else:
        report.unchanged += 1
        report.ids.append(int(found[0]))


def _write(wh: Warehouse, items: list[Event], *, file: str | None, name: str) -> EventsLoad:
    report = EventsLoad(file=name, read=len(items))
    wh.con.execute("BEGIN TRANSACTION")
    try:
        for e in items:
            _upsert(wh, e, file=file, report=report)
        wh.con.execute("COMMIT")
    except BaseException:
        wh.con.execute("ROLLBACK")
        raise
    return report


def load_events(wh: Warehouse, path: str | Path, /) -> EventsLoad:
    """Load a YAML events file in one transaction: all of it or nothing.

    The whole file is validated before anything is written; an event already stored
    (same date, precision, corridor, kind and title) is not added again.

    Examples
    --------
    >>> str(load_events(wh, "examples/events/india_russia.yaml"))     # doctest: +SKIP
    'india_russia.yaml: read 8 = added 8 + updated 0 + already loaded 0'
    """
    p = Path(path)
    items = read_events(p)
    return _write(wh, items, file=p.name, name=p.name)


def add_event(wh: Warehouse, /, *, date: str, corridor: str, kind: str, title: str, status: str,
              source: str) -> EventsLoad:
    """Add one event (validated as a line of an events file would be)."""
    e = parse_event({"date": date, "corridor": corridor, "kind": kind, "title": title, "status": status,
                     "source": source})
    return _write(wh, [e], file=None, name="events add")


def _country(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    try:
        return countries.resolve(value)
    except CatalogError as exc:
        raise InputError(f"{what}: {exc}") from None


def _day(value: date | str | None, *, end: bool) -> date | None:
    if value is None or isinstance(value, date):
        return value
    p = parse_period(value) if not str(value).count("-") == 2 else None
    if p is None:
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise InputError(f"date `{value}` is not valid: YYYY-MM-DD, or a period such as 2022, 2022-06, "
                             "FY2022-23") from None
    return p.end if end else p.start


def run_events(wh: Warehouse, /, *, exporter: str | None = None, importer: str | None = None,
               start: date | str | None = None, end: date | str | None = None, kind: str | None = None) -> Result:
    """The events of a corridor (either order matches) in a date range.

    Parameters
    ----------
    exporter, importer : countries (ISO3 or names); one of them alone gives every corridor of that country.
    start, end : dates (or period labels: ``2022``, ``2022-06``, ``FY2022-23``); an event whose stated
        span (its day, month or year) overlaps the range is kept.
    kind : one of agreement, mou, plant, working_group, shipment, sanction, regulation.

    Returns
    -------
    Result
        rows: ``event_id, date`` (ISO string), ``date_precision, corridor, kind, title, status, source_url``.

    Examples
    --------
    >>> run_events(wh, exporter="IND", importer="RUS", start="2019").rows[0]["kind"]   # doctest: +SKIP
    'shipment'
    """
    a, b = _country(exporter, "--exporter"), _country(importer, "--importer")
    if kind is not None and kind not in KINDS:
        raise InputError(f"kind `{kind}` is not valid; valid: {', '.join(KINDS)}")
    d0, d1 = _day(start, end=False), _day(end, end=True)
    if not wh.con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'events'").fetchone()[0]:
        raise WarehouseError(f"warehouse `{wh.path}` has no events table: open it once without --read-only")
    expr = ev.on_corridor(wh.table("events"), a, b, start=d0, end=d1, kind=kind)
    rows = [{k: (r[k].isoformat() if k == "date" else r[k]) for k in COLUMNS} for r in expr.to_pyarrow().to_pylist()]
    files = sorted({f for (f,) in wh.con.execute("SELECT DISTINCT file FROM events WHERE file IS NOT NULL").fetchall()})
    corridor = f"{a}-{b} (either order)" if a and b else f"every corridor of {a or b}" if (a or b) else "every corridor"
    notes = [] if rows else [f"no events for {corridor} in the range; add some with `medtrade events load FILE` "
                             "or `medtrade events add`"]
    return Result(
        title=f"Events: {corridor}",
        query={"verb": "events", "exporter": exporter, "importer": importer, "start": str(start) if start else None,
               "end": str(end) if end else None, "kind": kind},
        definition={"corridor": corridor,
                    "range": f"{d0 or 'first'}..{d1 or 'last'}; an event is kept when the day, month or year its "
                             "source states overlaps the range",
                    "date": "first day of what the source states; date_precision says day, month or year",
                    "files": files or "none (events added one by one)"},
        rows=rows, notes=notes,
    )
