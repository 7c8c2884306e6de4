"""India EIDB world-totals CSV reader: WLD rows, empty totals rejected, India totals as notes.

Expected numbers are recomputed here from the raw files with pandas/gzip.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from medtrade.catalog.segments import load_segment
from medtrade.sources import detect, india_eidb_totals_csv
from medtrade.verbs.flows import run_flows
from medtrade.warehouse.store import Warehouse

TOTALS = "india_exports_hs8_world_totals_fy2018-19_to_2023-24.csv.gz"
BIG_CSV = "india_exports_hs8_by_partner_fy2017-18_to_2023-24.csv.gz"
HEADER = ("hs8,fy,fy_start_year,total_usd_mn,total_inr_crore,india_total_exports_usd_mn,"
          "india_total_exports_inr_crore,pct_share")


@pytest.fixture(scope="module")
def eidb_dir(data_dir: Path) -> Path:
    return data_dir / "trade" / "india_eidb"


@pytest.fixture(scope="module")
def loaded(eidb_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, object]:
    wh = Warehouse(tmp_path_factory.mktemp("totals") / "w.duckdb")
    return wh, wh.load(eidb_dir / TOTALS)


@pytest.fixture(scope="module")
def totals(eidb_dir: Path) -> pd.DataFrame:
    return pd.read_csv(eidb_dir / TOTALS, dtype={"hs8": str, "fy": str})


def test_detects_the_totals_file_only(eidb_dir: Path) -> None:
    assert detect(eidb_dir / TOTALS).NAME == "india-eidb-totals-csv"
    assert detect(eidb_dir / BIG_CSV).NAME == "india-eidb-csv"
    assert not india_eidb_totals_csv.detect(eidb_dir / BIG_CSV)


def test_every_line_is_loaded_or_rejected(eidb_dir: Path, loaded, totals: pd.DataFrame) -> None:
    wh, report = loaded
    with gzip.open(eidb_dir / TOTALS, "rt", encoding="utf-8") as fh:
        lines = sum(1 for _ in fh) - 1
    assert report.rows_read == report.rows_loaded + report.rows_rejected == lines
    empty = int(totals["total_usd_mn"].isna().sum())
    assert report.rows_rejected == empty
    assert report.reject_reasons == {india_eidb_totals_csv.EMPTY_TOTAL: empty}
    assert report.rows_loaded == lines - empty
    partners = wh.con.execute("SELECT DISTINCT partner, partner_reported, dataset::VARCHAR FROM trade_flows").fetchall()
    assert partners == [("WLD", "WORLD (commodity total)", "in-eidb")]


def test_values_in_usd_and_inr(loaded, totals: pd.DataFrame) -> None:
    wh, _ = loaded
    row = totals[(totals["hs8"] == "90211000") & (totals["fy"] == "2021-22")].iloc[0]
    got = wh.con.execute(
        "SELECT value_usd, value_local, local_currency, period, period_start::VARCHAR, period_end::VARCHAR"
        " FROM trade_flows WHERE product_code = '90211000' AND period = 'FY2021-22'").fetchall()
    assert len(got) == 1
    usd, inr, currency, period, start, end = got[0]
    assert usd == pytest.approx(row["total_usd_mn"] * 1e6)
    assert inr == pytest.approx(row["total_inr_crore"] * 1e7)
    assert (currency, period, start, end) == ("INR", "FY2021-22", "2021-04-01", "2022-03-31")


def test_india_totals_are_notes_not_rows(loaded, totals: pd.DataFrame) -> None:
    _, report = loaded
    per_fy = totals.drop_duplicates("fy").set_index("fy")["india_total_exports_usd_mn"]
    for fy, usd in per_fy.items():
        assert any(n.startswith(f"India's total merchandise exports FY{fy}: US$ {usd:,.2f} mn") for n in report.notes)


@pytest.mark.slow
def test_world_total_equals_partner_sum(loaded, eidb_dir: Path) -> None:
    wh, _ = loaded
    big = pd.read_csv(eidb_dir / BIG_CSV, dtype={"hs8": str, "fy": str})
    partner_sum = big[(big["hs8"] == "30049099") & (big["fy"] == "2022-23")]["value_usd_mn"].sum()
    world = wh.con.execute("SELECT value_usd / 1e6 FROM trade_flows WHERE product_code = '30049099'"
                           " AND period = 'FY2022-23' AND partner = 'WLD'").fetchone()[0]
    assert world == pytest.approx(partner_sum, abs=0.02)


def test_world_rows_are_not_added_to_partner_rows(eidb_dir: Path, tmp_path: Path) -> None:
    doc = json.loads((eidb_dir / "raw_json_samples" / "30049099_export.json").read_text(encoding="utf-8"))
    partners_2022 = sum(e["values_usd"]["y2024_2025"] or 0 for e in doc["years"]["2022"]["countries"])
    segment_file = tmp_path / "one.yaml"
    segment_file.write_text('name: one_code\ninclude: ["30049099"]\n', encoding="utf-8")
    wh = Warehouse(tmp_path / "w.duckdb")
    wh.load(eidb_dir / "raw_json_samples" / "30049099_export.json")
    wh.load(eidb_dir / TOTALS)
    rows = run_flows(wh, exporter="IND", segment=load_segment(segment_file), by="fy").rows
    assert {r["fy"]: r["value_usd_mn"] for r in rows}["FY2022-23"] == pytest.approx(partners_2022, abs=0.005)


def test_bad_lines_are_rejected_with_reasons(tmp_path: Path) -> None:
    lines = [
        "30049099,2022-23,2022,7629.09,61316.43,451070.0,3621549.88,1.6913",  # good
        "1012100,2022-23,2022,0.21,1.72,451070.0,3621549.88,0.0",  # 7 digits: zero restored
        "30049099,2022-23,2022,7629.09,61316.43,451070.0,3621549.88,1.6913",  # duplicate
        "30049090,2022-2023,2022,1.00,8.00,451070.0,3621549.88,0.0",  # bad fy
        "30049091,2022-23,2021,1.00,8.00,451070.0,3621549.88,0.0",  # fy_start_year disagrees
        "30049092,2022-23,2022,-1.00,8.00,451070.0,3621549.88,0.0",  # negative
        "30049093,2022-23,2022,,,451070.0,3621549.88,",  # empty total
        "30049094,2022-23,2022,lots,8.00,451070.0,3621549.88,0.0",  # not a number
        "3004909X,2022-23,2022,1.00,8.00,451070.0,3621549.88,0.0",  # bad code
        "30049095,FY22,,1.00,8.00,451070.0,3621549.88,0.0",  # no year at all (period must stay non-NULL)
    ]
    path = tmp_path / "totals.csv"
    path.write_text(HEADER + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    wh = Warehouse(tmp_path / "w.duckdb")
    report = wh.load(path)
    assert report.format == "india-eidb-totals-csv"
    assert report.rows_read == report.rows_loaded + report.rows_rejected == len(lines)
    assert report.rows_loaded == 2
    rejects = dict(wh.con.execute("SELECT row_number, reason FROM rejects").fetchall())
    assert set(rejects) == {3, 4, 5, 6, 7, 8, 9, 10}
    assert rejects[3].startswith("duplicate of row 1")
    assert rejects[4].startswith('fiscal year "2022-2023"')
    assert rejects[5].startswith("fy_start_year 2021 disagrees")
    assert rejects[6].startswith("negative total")
    assert rejects[7] == india_eidb_totals_csv.EMPTY_TOTAL
    assert rejects[8].startswith("cannot parse row")
    assert rejects[9].startswith('product code "3004909X"')
    assert rejects[10].startswith('fiscal year "FY22"')
    codes = {r[0] for r in wh.con.execute("SELECT product_code FROM trade_flows").fetchall()}
    assert codes == {"30049099", "01012100"}
    assert any(n.startswith("restored the leading zero") for n in report.notes)
