"""The dashboard in Chromium: pick India -> Russia, medical devices; the chart and the table show the API's numbers."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest


def event_fys() -> list[str]:
    """Indian fiscal year (April-March) of each shipped event's first day, read from the YAML file."""
    import yaml

    from medtrade.verbs.events import shipped_events_file

    fys = []
    for event in yaml.safe_load(shipped_events_file().read_text(encoding="utf-8"))["events"]:
        parts = [int(x) for x in str(event["date"]).split("-")]
        year, month = parts[0], parts[1] if len(parts) > 1 else 1
        start = year if month >= 4 else year - 1
        fys.append(f"FY{start}-{(start + 1) % 100:02d}")
    return fys


def test_corridor_chart_and_table(live_server, chromium, devices_by_fy, tmp_path: Path) -> None:
    expected = devices_by_fy
    page = chromium.new_page(viewport={"width": 1200, "height": 1000})
    failed: list[str] = []
    page.on("requestfailed", lambda req: failed.append(req.url))
    page.on("pageerror", lambda exc: failed.append(str(exc)))
    try:
        page.goto(live_server.url, wait_until="load")
        page.wait_for_selector("#status[data-state=ready]", timeout=30_000)
        page.select_option("#exporter", "IND")
        page.select_option("#importer", "RUS")
        page.select_option("#segment", "medical_devices")
        page.wait_for_function(
            "document.getElementById('status').dataset.state === 'ready'"
            " && document.getElementById('trend').data[0].name === 'value_usd_mn'"
            " && document.querySelector('#trend .gtitle').textContent.includes('medical_devices')", timeout=30_000)
        page.wait_for_function("document.getElementById('trend').layout.shapes.length > 0", timeout=30_000)
        shapes = page.evaluate("document.getElementById('trend').layout.shapes.map(s => s.x0)")
        xs = page.evaluate("document.getElementById('trend').data[0].x")
        ys = page.evaluate("document.getElementById('trend').data[0].y")
        points = page.locator("#trend .scatterlayer .point").count()  # drawn markers, not just data
        shot = tmp_path / "dashboard.png"
        page.screenshot(path=str(shot), full_page=True)
        cell = page.locator("#flows-table tr", has_text="FY2022-23").locator("td[data-col=value_usd_mn]")
        shown = cell.inner_text()
        # A narrower range of years: the chart and the table follow.
        page.select_option("#from", "FY2019-20")
        page.select_option("#to", "FY2022-23")
        page.wait_for_function("document.getElementById('status').dataset.state === 'ready'"
                               " && document.getElementById('trend').data[0].x.length === 4", timeout=30_000)
        narrow = page.evaluate("document.getElementById('trend').data[0].x")
        narrow_rows = page.locator("#flows-table tr td[data-col=fy]").all_inner_texts()
    finally:
        page.close()
    if os.environ.get("MEDTRADE_SCREENSHOTS"):
        target = Path(os.environ["MEDTRADE_SCREENSHOTS"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target / "dashboard.png")
    assert not failed, failed
    assert shot.stat().st_size > 10_000

    # One point per fiscal year in the published file, in order, with the file's values.
    assert points == len(xs) == len(expected)
    assert xs == list(expected.index)
    assert ys == pytest.approx(list(expected), abs=0.005)
    # Each event of the shipped timeline falling in a charted fiscal year is drawn at its year.
    assert sorted(shapes) == sorted(fy for fy in event_fys() if fy in xs)
    assert narrow == narrow_rows == ["FY2019-20", "FY2020-21", "FY2021-22", "FY2022-23"]
    # The number shown in the table is the API's number.
    api = httpx.get(f"{live_server.url}/api/flows", timeout=60,
                    params={"exporter": "IND", "importer": "RUS", "segment": "medical_devices"}).json()
    value = next(r["value_usd_mn"] for r in api["rows"] if r["fy"] == "FY2022-23")
    assert shown == f"{value:,.2f}"
    assert value == pytest.approx(expected["FY2022-23"], abs=0.005)
