"""The JSON API over a real uvicorn server: same answers as the CLI, numbers recomputed from the raw file."""

from __future__ import annotations

import io
import json

import httpx
import pandas as pd
import pytest

from medtrade.catalog.segments import load_segment

CORRIDOR = {"exporter": "IND", "importer": "RUS", "segment": "medical_devices"}


def test_flows_match_the_raw_file_and_the_cli(live_server, api_warehouse, devices_by_fy, run_medtrade) -> None:
    r = httpx.get(f"{live_server.url}/api/flows", params=CORRIDOR, timeout=60)
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["query", "definition", "rows", "sources", "notes"]
    expected = devices_by_fy
    got = {row["fy"]: row["value_usd_mn"] for row in body["rows"]}
    assert list(got) == list(expected.index)
    for fy, value in expected.items():
        assert got[fy] == pytest.approx(value, abs=0.005), fy
    # The same question on the command line gives the same JSON, byte for byte once parsed.
    cli = run_medtrade("flows", "--exporter", "IND", "--importer", "RUS", "--segment", "medical_devices",
                       "-w", api_warehouse, "--format", "json")
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout) == body


def test_top_and_downloads(live_server, india_raw) -> None:
    params = {"exporter": "IND", "segment": "medical_devices", "period": "FY2022-23", "n": 5}
    body = httpx.get(f"{live_server.url}/api/top", params=params, timeout=60).json()
    seg = load_segment("medical_devices")
    fy = india_raw[(india_raw.fy == "2022-23") & india_raw.hs8.map(seg.matches)]
    by_partner = fy.groupby("partner").value_usd_mn.sum().drop("UNSPECIFIED", errors="ignore").sort_values(ascending=False)
    assert len(body["rows"]) == 5
    assert [row["value_usd_mn"] for row in body["rows"]] == pytest.approx(list(by_partner.iloc[:5]), abs=0.005)
    csv = httpx.get(f"{live_server.url}/api/top", params={**params, "format": "csv"}, timeout=60)
    assert csv.headers["content-type"].startswith("text/csv")
    table = pd.read_csv(io.StringIO(csv.text))
    assert list(table.value_usd_mn) == pytest.approx([row["value_usd_mn"] for row in body["rows"]])
    xlsx = httpx.get(f"{live_server.url}/api/top", params={**params, "format": "xlsx"}, timeout=60)
    sheet = pd.read_excel(io.BytesIO(xlsx.content), sheet_name="rows", engine="calamine")
    assert list(sheet.value_usd_mn) == pytest.approx(list(table.value_usd_mn))


@pytest.mark.parametrize(("path", "params", "status", "says"), [
    ("/api/flows", {"exporter": "Atlantis"}, 400, "unknown country `Atlantis`"),
    ("/api/top", {"period": "FY2022-23"}, 400, "exporter"),
    ("/api/top", {"exporter": "IND", "period": "FY2031-32"}, 400, "FY2031-32"),
    ("/api/flows", {"exporter": "IND", "segment": "../../etc/passwd.yaml"}, 422, "segment"),
    ("/api/flows", {"exporter": "IND", "unit": "bitcoin"}, 422, "unit"),
    ("/api/flows", {"exporter": "IND", "sql": "DROP TABLE trade_flows"}, 422, "sql"),
    ("/api/top", {"exporter": "IND", "period": "FY2022-23", "n": 501}, 422, "n"),
    ("/api/top", {"exporter": "IND", "period": "yesterday"}, 422, "period"),
    ("/api/top", {"exporter": "IND", "period": "FY2022-23", "n": "10.0"}, 422, "whole number"),
    ("/api/top", [("exporter", "IND"), ("period", "FY2022-23"), ("n", "3"), ("n", "30")], 422, "more than once"),
])
def test_user_errors_are_4xx_json(live_server, path, params, status, says) -> None:
    r = httpx.get(f"{live_server.url}{path}", params=params, timeout=60)
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert says in (detail if isinstance(detail, str) else json.dumps(detail))


def test_sources_hide_server_paths(live_server, api_warehouse) -> None:
    body = httpx.get(f"{live_server.url}/api/sources", timeout=60).json()
    assert [row["name"] for row in body["rows"]] == ["india_exports_hs8_by_partner_fy2017-18_to_2023-24.csv.gz"]
    assert str(api_warehouse.parent) not in json.dumps(body) and "/" not in json.dumps([r["name"] for r in body["rows"]])


def test_dashboard_assets_are_local(live_server) -> None:
    page = httpx.get(live_server.url, timeout=60).text
    assert "/static/plotly.min.js" in page and "cdn" not in page.lower()
    js = httpx.get(f"{live_server.url}/static/plotly.min.js", timeout=60)
    assert js.status_code == 200 and len(js.content) > 1_000_000
