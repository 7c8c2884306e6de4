"""Events: the shipped file loads atomically and idempotently; lists filter by corridor (either order) and date."""

from __future__ import annotations

import calendar
import json
from datetime import date
from pathlib import Path

import pytest
import yaml

from medtrade.errors import InputError
from medtrade.verbs.demo import demo_events
from medtrade.verbs.events import add_event, load_events, run_events, shipped_events_file
from medtrade.warehouse.store import Warehouse

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "events" / "india_russia.yaml"
SEEDS = REPO.parent / "shared" / "seeds"


def raw_events() -> list[dict]:
    """The example file read with plain PyYAML, dates normalised here: (first day, last day, precision)."""
    out = []
    for e in yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["events"]:
        d = e["date"]
        if isinstance(d, date):
            first, last, precision = d, d, "day"
        elif isinstance(d, int):
            first, last, precision = date(d, 1, 1), date(d, 12, 31), "year"
        else:
            y, m = map(int, d.split("-"))
            first, last, precision = date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1]), "month"
        out.append({**e, "first": first, "last": last, "precision": precision})
    return out


@pytest.fixture
def wh(tmp_path: Path):  # noqa: ANN201
    with Warehouse(tmp_path / "w.duckdb") as warehouse:
        yield warehouse


def test_package_copy_is_the_example_file() -> None:
    assert shipped_events_file().read_bytes() == EXAMPLE.read_bytes()


def test_sources_cite_the_seed_articles_that_exist() -> None:
    if not SEEDS.is_dir():
        pytest.skip(f"`{SEEDS}` not found")
    for e in raw_events():
        assert e["source"].startswith("seed:") and (SEEDS / e["source"][5:]).is_file()


def test_load_is_idempotent_and_keeps_every_event(wh: Warehouse) -> None:
    expected = raw_events()
    first = load_events(wh, EXAMPLE)
    assert (first.read, first.added, first.updated, first.unchanged) == (len(expected), len(expected), 0, 0)
    again = load_events(wh, shipped_events_file())  # the same events from the package copy: nothing added
    assert (again.added, again.updated, again.unchanged) == (0, 0, len(expected))
    assert again.ids == first.ids
    stored = wh.con.execute("SELECT date, date_precision, kind, status, title FROM events ORDER BY event_id").fetchall()
    assert [(s[0], s[1], s[2], s[3]) for s in stored] == [
        (e["first"], e["precision"], e["kind"], e["status"]) for e in expected]
    assert [s[4] for s in stored] == [" ".join(e["title"].split()) for e in expected]


def test_a_changed_status_updates_the_event_in_place(wh: Warehouse, tmp_path: Path) -> None:
    load_events(wh, EXAMPLE)
    text = EXAMPLE.read_text(encoding="utf-8")
    kaluga = next(e for e in raw_events() if "Kaluga" in e["title"])
    changed = tmp_path / "later.yaml"
    changed.write_text(text.replace(f"title: {kaluga['title']}\n    status: announced",
                                    f"title: {kaluga['title']}\n    status: in_progress"), encoding="utf-8")
    report = load_events(wh, changed)
    assert (report.added, report.updated) == (0, 1)
    assert wh.con.execute("SELECT status FROM events WHERE title = ?", [kaluga["title"]]).fetchone() == ("in_progress",)


def test_a_bad_event_anywhere_adds_nothing(wh: Warehouse, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace("status: postponed", "status: shelved"),
                   encoding="utf-8")
    with pytest.raises(InputError, match="status `shelved`"):
        load_events(wh, bad)
    assert wh.con.execute("SELECT count(*) FROM events").fetchone() == (0,)


@pytest.mark.parametrize(("start", "end"), [(None, None), ("2024", None), ("2025-12-06", "2025-12-31"),
                                            (date(2019, 6, 1), date(2023, 12, 31)), ("FY2025-26", None)])
def test_list_filters_by_either_order_and_overlap(wh: Warehouse, start: object, end: object) -> None:
    load_events(wh, EXAMPLE)
    add_event(wh, date="2022-03", corridor="RUS-CHN", kind="sanction", title="elsewhere", status="done",
              source="https://example.org/s")

    def day(x: object, last: bool) -> date | None:
        if x is None or isinstance(x, date):
            return x
        s = str(x)
        if s.startswith("FY"):
            return date(int(s[2:6]) + 1, 3, 31) if last else date(int(s[2:6]), 4, 1)
        if len(s) == 4:
            return date(int(s), 12, 31) if last else date(int(s), 1, 1)
        return date.fromisoformat(s)

    lo, hi = day(start, False), day(end, True)
    expected = [e["title"] for e in sorted(raw_events(), key=lambda e: e["first"])
                if (lo is None or e["last"] >= lo) and (hi is None or e["first"] <= hi)]
    for a, b in (("IND", "RUS"), ("Russia", "India")):
        rows = run_events(wh, exporter=a, importer=b, start=start, end=end).rows
        assert [r["title"] for r in rows] == [" ".join(t.split()) for t in expected]
    assert {r["corridor"] for r in run_events(wh, exporter="RUS").rows} == {"IND-RUS", "RUS-CHN"}
    row = run_events(wh, exporter="IND", importer="RUS", kind="agreement").rows[0]
    assert set(row) == {"event_id", "date", "date_precision", "corridor", "kind", "title", "status", "source_url"}
    assert row["date"] == "2025-12-05" and row["date_precision"] == "day"


def test_cli_add_list_load(tmp_path: Path, run_medtrade) -> None:  # noqa: ANN001
    w = tmp_path / "w.duckdb"
    done = run_medtrade("events", "load", EXAMPLE, "-w", w)
    assert done.returncode == 0 and f"read {len(raw_events())} = added {len(raw_events())}" in done.stdout
    again = run_medtrade("events", "load", EXAMPLE, "-w", w)
    assert f"already loaded {len(raw_events())}" in again.stdout
    added = run_medtrade("events", "add", "--date", "2026-01", "--corridor", "IND-RUS", "--kind", "shipment",
                         "--title", "A test shipment", "--status", "announced", "--source", "https://example.org/x",
                         "-w", w)
    assert added.returncode == 0 and "added" in added.stdout
    listed = run_medtrade("events", "list", "--exporter", "RUS", "--importer", "IND", "--from", "2026", "-w", w,
                          "--format", "json")
    rows = json.loads(listed.stdout)["rows"]
    assert [(r["title"], r["date"], r["date_precision"]) for r in rows] == [("A test shipment", "2026-01-01", "month")]
    bad = run_medtrade("events", "list", "--kind", "treaty", "-w", w)
    assert bad.returncode == 2 and "kind `treaty`" in bad.stderr


def test_demo_loads_the_shipped_events_once(wh: Warehouse) -> None:
    """What `medtrade demo` runs after its loads (the CLI run itself is covered by tests/test_demo.py)."""
    n = len(raw_events())
    assert demo_events(wh) == f"events_india_russia.yaml: read {n} = added {n} + updated 0 + already loaded 0"
    assert demo_events(wh) == f"events_india_russia.yaml: read {n} = added 0 + updated 0 + already loaded {n}"
    assert wh.con.execute("SELECT count(*) FROM events").fetchone() == (n,)


def test_a_write_failing_halfway_rolls_back(wh: Warehouse) -> None:
    """The second event breaks a NOT NULL constraint inside DuckDB after the first was inserted: nothing stays."""
    import duckdb

    from medtrade.sources.events_yaml import read_events
    from medtrade.verbs.events import _write

    good = read_events(EXAMPLE)
    broken = type(good[0])(**{**good[0].asdict(), "title": None})
    with pytest.raises(duckdb.ConstraintException):
        _write(wh, [*good, broken], file="x.yaml", name="x.yaml")
    assert wh.con.execute("SELECT count(*) FROM events").fetchone() == (0,)
    assert load_events(wh, EXAMPLE).added == len(good)  # the connection is usable afterwards
