"""The full India EIDB file through the warehouse: counts, idempotency, and answers.

Expected numbers are recomputed here from the raw file (gzip + csv, pandas), never
taken from medtrade's output.
"""

from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from medtrade.verbs.flows import run_flows
from medtrade.warehouse.store import Warehouse

pytestmark = pytest.mark.slow

EXPECTED_ROWS = 2_478_935  # SOURCE.md of the shared data
INDIA_NAME = "india_exports_hs8_by_partner_fy2017-18_to_2023-24.csv.gz"
MEDICAL_DEVICES = ("9018", "9019", "9020", "9021", "9022", "3005", "3006", "3822", "4015", "9402")


@pytest.fixture(scope="module")
def raw_rows(india_csv: Path) -> int:
    """Data records of the raw file, counted with the csv module (header excluded)."""
    with gzip.open(india_csv, "rt", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        return sum(1 for _ in reader)


@pytest.fixture(scope="module")
def russia(india_csv: Path) -> pd.DataFrame:
    """The raw rows with partner RUSSIA, read with pandas (codes as text)."""
    frame = pd.read_csv(india_csv, usecols=["hs8", "fy", "partner", "value_usd_mn", "value_inr_crore"],
                        dtype={"hs8": str, "fy": str, "partner": str})
    return frame[frame.partner == "RUSSIA"]


def table_counts(path: Path) -> dict[str, int]:
    with Warehouse(path, read_only=True) as wh:
        return {t: wh.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("trade_flows", "rejects", "source_files")}


def test_every_row_read_is_loaded_or_rejected(india_load, raw_rows: int) -> None:
    path, report = india_load
    assert raw_rows == EXPECTED_ROWS
    assert report.status == "loaded"
    assert report.rows_read == raw_rows
    assert report.rows_loaded + report.rows_rejected == report.rows_read
    with Warehouse(path, read_only=True) as wh:
        loaded = wh.con.execute("SELECT count(*) FROM trade_flows WHERE file_id = ?", [report.file_id]).fetchone()[0]
        rejected = wh.con.execute("SELECT count(*) FROM rejects WHERE file_id = ?", [report.file_id]).fetchone()[0]
        files = wh.source_files()
    assert (loaded, rejected) == (report.rows_loaded, report.rows_rejected)
    assert [(f["rows_read"], f["rows_loaded"], f["rows_rejected"]) for f in files] == [
        (report.rows_read, report.rows_loaded, report.rows_rejected)]


def test_loading_again_adds_nothing(loaded_warehouse: Path, india_csv: Path, run_medtrade) -> None:
    before = table_counts(loaded_warehouse)
    done = run_medtrade("load", india_csv, "-w", loaded_warehouse, "--format", "json")
    assert done.returncode == 0, done.stderr
    (report,) = json.loads(done.stdout)
    assert report["status"] == "already loaded"
    assert report["rows_loaded"] == 0
    assert table_counts(loaded_warehouse) == before

    done = run_medtrade("load", india_csv, "-w", loaded_warehouse)
    assert done.returncode == 0, done.stderr
    assert "already loaded" in done.stdout and "0 rows added" in done.stdout
    assert done.stderr.strip() == ""  # no progress bar for a file that is not loaded
    assert table_counts(loaded_warehouse) == before


def test_india_to_russia_hs3004_fy2017_18(loaded_warehouse: Path, russia: pd.DataFrame, tmp_path: Path) -> None:
    expected = russia[russia.hs8.str.startswith("3004") & (russia.fy == "2017-18")].value_usd_mn.sum()
    assert round(expected, 2) == 393.43
    segment = tmp_path / "hs3004.yaml"
    segment.write_text('name: hs3004\nversion: "1"\ntitle: HS 3004\ndescription: medicaments\ninclude: ["3004"]\n')
    with Warehouse(loaded_warehouse, read_only=True) as wh:
        result = run_flows(wh, exporter="IND", importer="RUS", segment=str(segment), by="fy")
    rows = {row["fy"]: row["value_usd_mn"] for row in result.rows}
    assert rows["FY2017-18"] == pytest.approx(expected, abs=0.005)
    per_fy = russia[russia.hs8.str.startswith("3004")].groupby("fy").value_usd_mn.sum()
    assert rows == pytest.approx({f"FY{fy}": v for fy, v in per_fy.items()}, abs=0.005)


def test_medical_devices_in_inr_crore_from_the_cli(loaded_warehouse: Path, russia: pd.DataFrame, run_medtrade) -> None:
    devices = russia[russia.hs8.str.startswith(MEDICAL_DEVICES)]
    expected = {f"FY{fy}": v for fy, v in devices.groupby("fy").value_inr_crore.sum().items()}
    assert len(expected) == 7
    done = run_medtrade("flows", "--exporter", "IND", "--importer", "RUS", "--segment", "medical_devices",
                        "--by", "fy", "--unit", "inr_crore", "--format", "json", "-w", loaded_warehouse)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    got = {row["fy"]: row["value_inr_crore"] for row in answer["rows"]}
    assert got.keys() == expected.keys()
    for fy, value in expected.items():
        assert got[fy] == pytest.approx(value, abs=0.01), fy
    assert [s["name"] for s in answer["sources"]] == [INDIA_NAME]


def test_sources_lists_the_file_with_its_counts(loaded_warehouse: Path, india_load, raw_rows: int, run_medtrade) -> None:
    done = run_medtrade("sources", "-w", loaded_warehouse, "--format", "json")
    assert done.returncode == 0, done.stderr
    (row,) = json.loads(done.stdout)["rows"]
    assert row["name"] == INDIA_NAME
    assert row["format"] == "india-eidb-csv"
    assert (row["rows_read"], row["rows_loaded"], row["rows_rejected"]) == (
        raw_rows, india_load[1].rows_loaded, india_load[1].rows_rejected)
    assert row["rows_loaded"] + row["rows_rejected"] == row["rows_read"]
