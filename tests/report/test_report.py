"""The corridor report, end to end: `medtrade demo` writes it, Chromium renders it offline, the numbers
match the raw India file, the workbook matches the page.

One module fixture runs `medtrade demo` (loads every shared file, ~30 s, then writes the report next to
the warehouse); every test reads what it wrote.
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from medtrade.report.figures import midpoint
from medtrade.catalog.segments import load_segment, presets

pytestmark = pytest.mark.slow
BUDGET_S = 30.0  # the bar for the India -> Russia report on this 2-core machine


class _Tables(HTMLParser):
    """Every `div[data-table]` of the page: its sheet name, headers and cells (text and data-value)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict] = {}
        self._t: dict | None = None
        self._cell: dict | None = None
        self._th: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "div" and "data-table" in a:
            self._t = self.tables[a["data-table"]] = {"sheet": a["data-sheet"], "headers": [], "rows": []}
        elif self._t is not None and tag == "th" and "data-column" in a:
            self._th = []
        elif self._t is not None and tag == "tr":
            self._t["rows"].append([])
        elif self._t is not None and tag == "td" and "data-value" in a:
            self._cell = {"raw": a["data-value"], "text": ""}
        elif tag == "aside":
            self._t = None

    def handle_data(self, data: str) -> None:
        if self._th is not None:
            self._th.append(data)
        elif self._cell is not None:
            self._cell["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "th" and self._th is not None and self._t is not None:
            self._t["headers"].append("".join(self._th))
            self._th = None
        elif tag == "td" and self._cell is not None and self._t is not None:
            self._t["rows"][-1].append(self._cell)
            self._cell = None


def _records(table: dict) -> list[dict[str, str]]:
    """Rows as {column name (header without the unit): data-value}."""
    names = [h.split(" [")[0] for h in table["headers"]]
    return [dict(zip(names, (c["raw"] for c in row))) for row in table["rows"] if row]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, data_dir: Path, run_medtrade) -> dict:  # noqa: ANN001
    folder = tmp_path_factory.mktemp("report")
    proc = run_medtrade("demo", "--data", data_dir, "--warehouse", folder / "demo.duckdb", timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    html = folder / "india-russia.html"
    parser = _Tables()
    parser.feed(html.read_text(encoding="utf-8"))
    for table in parser.tables.values():
        table["rows"] = [row for row in table["rows"] if row]  # the header's <tr> has no <td>
    return {"folder": folder, "stdout": proc.stdout, "html": html, "xlsx": folder / "india-russia.xlsx",
            "tables": parser.tables, "text": html.read_text(encoding="utf-8")}


@pytest.fixture(scope="module")
def russia(india_raw: pd.DataFrame) -> pd.DataFrame:
    return india_raw[india_raw.partner == "RUSSIA"]


def _in_segment(frame: pd.DataFrame, segment: str) -> pd.DataFrame:
    seg = load_segment(segment)
    keep = frame.hs8.str.startswith(tuple(seg.include))
    if seg.exclude:
        keep &= ~frame.hs8.str.startswith(tuple(seg.exclude))
    return frame[keep]


def test_demo_ends_with_the_report_path(demo: dict) -> None:
    lines = demo["stdout"].strip().splitlines()
    assert lines[-1] == f"report: {demo['html']}"
    assert demo["html"].stat().st_size > 1_000_000 and demo["xlsx"].is_file()
    # The corridor tables the demo printed before are still there.
    for seg in presets():
        assert f"India -> Russia exports, {seg.name} (" in demo["stdout"]


def test_report_is_generated_within_the_budget(demo: dict) -> None:
    m = re.search(r"wrote \S+india-russia\.html \([\d.]+ MB, \d+ sections, \d+ tables, \d+ charts\) in ([\d.]+) s",
                  demo["stdout"])
    assert m, demo["stdout"][-2000:]
    seconds = float(m.group(1))
    load = os.getloadavg()[0]
    if seconds >= BUDGET_S and load > 2.5:
        pytest.skip(f"report took {seconds:.1f} s while the 2-core machine had load {load:.1f} (other jobs); "
                    f"the budget of {BUDGET_S:.0f} s is measured on an idle machine (BENCHMARKS.md)")
    assert seconds < BUDGET_S


def test_renders_offline_without_console_errors(demo: dict, chromium, russia: pd.DataFrame) -> None:  # noqa: ANN001
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"failed request: {r.url}"))

    def only_files(route) -> None:  # noqa: ANN001 - the network is off: anything not file:// is aborted
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_files)
    page.goto(demo["html"].as_uri())
    page.wait_for_load_state("load")
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0")
    assert problems == [] and outside == []
    charts = page.locator(".js-plotly-plot").count()
    m = re.search(r"(\d+) charts\)", demo["stdout"])
    assert charts == int(m.group(1)) and charts >= 10
    # The medical_devices line of the trend chart has one point per fiscal year of the raw file.
    fys = _in_segment(russia, "medical_devices").fy.nunique()
    xs = page.evaluate("document.getElementById('fig-trade-trend').data.find(t => t.name === 'medical_devices').x.length")
    assert xs == fys == 7
    # Each fiscal year is drawn at its middle day, so an event falls inside the period it belongs to.
    first = page.evaluate("document.getElementById('fig-trade-trend').data.find(t => t.name === 'medical_devices').x[0]")
    assert first == midpoint("FY2017-18") == "2017-09-30"
    # Events are drawn on every chart over time, as many as the events table lists.
    events = len(demo["tables"]["events"]["rows"])
    assert events > 0
    for fig in ("fig-trade-trend", "fig-trade-monthly-medical_devices", "fig-shares-share-trend",
                "fig-concentration-hhi", "fig-forecast-fan-medical_devices"):
        n = page.evaluate(f"(document.getElementById('{fig}').data.find(t => t.name === 'events') || {{x: []}}).x.length")
        assert n == events, fig
    names = page.evaluate("document.getElementById('fig-forecast-fan-medical_devices').data.map(t => t.name)")
    assert {"80% interval", "95% interval", "actual", "target path"} <= set(names)
    page.screenshot(path=str(demo["folder"] / "report.png"))
    context.close()


def test_flows_equal_the_raw_file(demo: dict, russia: pd.DataFrame) -> None:
    expected = _in_segment(russia, "medical_devices").groupby("fy")[["value_usd_mn", "value_inr_crore"]].sum()
    rows = _records(demo["tables"]["flows:medical_devices"])
    assert [r["fy"] for r in rows] == [f"FY{fy}" for fy in expected.index]
    for r in rows:
        raw = expected.loc[r["fy"][2:]]
        assert float(r["value_usd_mn"]) == pytest.approx(raw.value_usd_mn, abs=1e-6)
        assert float(r["value_inr_crore"]) == pytest.approx(raw.value_inr_crore, abs=1e-6)


def test_top_destination_equals_the_raw_file(demo: dict, india_raw: pd.DataFrame) -> None:
    rows = _records(demo["tables"]["top:medical_devices"])
    latest = sorted(india_raw.fy.unique())[-1]
    seg = _in_segment(india_raw[india_raw.fy == latest], "medical_devices")
    by_partner = seg.groupby("partner").value_usd_mn.sum().sort_values(ascending=False)
    first = rows[0]
    assert first["rank"] == "1" and first["partner"] == "USA"
    assert by_partner.index[0] == "U S A"
    assert float(first["value_usd_mn"]) == pytest.approx(by_partner.iloc[0], abs=1e-6)
    assert float(first["share"]) == pytest.approx(by_partner.iloc[0] / by_partner.sum(), abs=1e-6)
    assert len(rows) == 10


def test_cannot_rank_notes_are_shown(demo: dict) -> None:
    # Russia's loaded statistics list India only: the page says so instead of ranking suppliers.
    assert "not ranked: the loaded data cannot rank the suppliers of RUS" in demo["text"]
    rows = _records(demo["tables"]["suppliers:medical_devices"])
    assert [r["partner"] for r in rows] == ["IND"] and rows[0]["rank"] == ""


def test_every_table_carries_definition_and_sources(demo: dict) -> None:
    text = demo["text"]
    assert text.count('class="prov"') == len(demo["tables"])
    # The India file by name and sha256 prefix.
    assert "india_exports_hs8_by_partner_fy2017-18_to_2023-24.csv.gz (in-eidb), sha256 <code>7bc91a2953de</code>" in text
    # Nothing fetched: no external script, stylesheet, font or image (plotly.js is inlined once).
    assert "<script src" not in text and "<link" not in text and "<img" not in text and "@import" not in text
    assert text.count("<script>") - text.count("Plotly.newPlot") == 1


def test_workbook_matches_the_page(demo: dict) -> None:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(demo["xlsx"]))
    names = book.sheet_names
    assert names[0] == "About"
    assert len(names) == len({n.lower() for n in names}) and all(len(n) <= 31 for n in names)
    tables = demo["tables"]
    assert sorted(names[1:]) == sorted(t["sheet"] for t in tables.values())
    about = book.get_sheet_by_name("About").to_python()
    assert any(r[0] == "source" and "7bc91a2953de" in str(r[1]) for r in about)
    for key, table in tables.items():
        sheet = book.get_sheet_by_name(table["sheet"]).to_python()
        assert [str(h) for h in sheet[0][: len(table["headers"])]] == table["headers"], key
        body = sheet[1: 1 + len(table["rows"])]
        for r, (row, cells) in enumerate(zip(body, table["rows"])):
            for c, cell in enumerate(cells):
                value = row[c]
                if cell["raw"] == "":
                    assert value in ("", None), (key, r, c)
                elif isinstance(value, float):
                    assert value == pytest.approx(float(cell["raw"]), rel=1e-12, abs=1e-12), (key, r, c)
                else:
                    assert str(value) == cell["raw"], (key, r, c)
        # Units in the headers: every numeric column names its unit.
        for c, header in enumerate(table["headers"]):
            if any(isinstance(row[c], float) for row in body if c < len(row)):
                assert re.search(r"\[[^\]]+\]$", header), (key, header)

