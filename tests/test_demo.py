"""`medtrade demo`: every trade file in the shared data loaded, the corridor printed per segment."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from medtrade.catalog.segments import load_segment, presets
from medtrade.sources import READERS
from medtrade.sources.registry import REGISTRY_READERS
from medtrade.verbs.demo import demo_files
from medtrade.verbs.flows import run_flows
from medtrade.warehouse.store import Warehouse

pytestmark = pytest.mark.slow
# Exact, order-independent fingerprint of the warehouse (a float sum depends on summation order).
SNAPSHOT = "SELECT count(*), sum(round(value_usd * 100)::HUGEINT), count(superseded_by) FROM trade_flows"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory, data_dir: Path, run_medtrade) -> tuple[Path, str]:  # noqa: ANN001
    warehouse = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    proc = run_medtrade("demo", "--data", str(data_dir), "--warehouse", str(warehouse))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return warehouse, proc.stdout


@pytest.fixture(scope="module")
def india_raw(data_dir: Path) -> pd.DataFrame:
    path = data_dir / "trade/india_eidb/india_exports_hs8_by_partner_fy2017-18_to_2023-24.csv.gz"
    return pd.read_csv(path, dtype={"hs8": str})


def test_demo_loads_every_trade_file(demo_run: tuple[Path, str], data_dir: Path) -> None:
    warehouse, _ = demo_run
    expected = {p.name for p in demo_files(data_dir)}
    # The list is not empty and covers every reader with a sample in the shared data.
    assert "india_exports_hs8_by_partner_fy2017-18_to_2023-24.csv.gz" in expected
    assert "comparison_data_ind_fts_layout_to_2024-03.parquet" in expected
    with Warehouse(warehouse, read_only=True) as wh:
        files = wh.source_files()
    assert {f["name"] for f in files} == expected
    # BACI has no shared sample; the GRLS sample is a flat file only (the XLSX reader is shown in tests/registry).
    trade = {m.NAME for m in READERS} - {"baci-csv"}
    registers = {m.NAME for m in REGISTRY_READERS} - {"grls-xlsx"}
    assert {f["format"] for f in files} == trade | registers
    for f in files:
        assert f["rows_read"] == f["rows_loaded"] + f["rows_rejected"], f["name"]


def test_demo_prints_every_preset_with_values_from_the_raw_file(demo_run: tuple[Path, str], india_raw: pd.DataFrame) -> None:
    _, out = demo_run
    russia = india_raw[india_raw.partner == "RUSSIA"]
    for seg in presets():
        assert f"India -> Russia exports, {seg.name} (" in out
        rows = russia[russia.hs8.str.startswith(tuple(seg.include))]
        by_fy = rows.groupby("fy")[["value_usd_mn", "value_inr_crore"]].sum()
        block = out.split(f"India -> Russia exports, {seg.name} (", 1)[1].split("India -> Russia exports,", 1)[0]
        for fy, values in by_fy.iterrows():
            line = next(ln for ln in block.splitlines() if f"FY{fy}" in ln)
            numbers = [float(x.replace(",", "")) for x in re.findall(r"[\d,]+\.\d\d", line)]
            assert numbers[0] == pytest.approx(values.value_usd_mn, abs=0.006), (seg.name, fy)
            assert numbers[1] == pytest.approx(values.value_inr_crore, abs=0.006), (seg.name, fy)


def test_annual_tables_gap_is_found_from_the_data(demo_run: tuple[Path, str], data_dir: Path) -> None:
    """India's annual tables miss HS2022-renumbered lines from FY2022-23; the monthly data has them."""
    warehouse, _ = demo_run
    with Warehouse(warehouse, read_only=True) as wh:
        result = run_flows(wh, exporter="IND", importer="RUS", segment=load_segment("medical_devices"), by="fy")
    notes = " ".join(result.notes)
    # Independently: HS6 lines of the monthly (MIRROR, India export) data in FY2022-23 with no HS8 in the annual file.
    monthly = pd.read_csv(data_dir / "trade/india_russia_monthly/russia_india_monthly_2010-01_to_2024-03.csv.gz",
                          dtype={"hs_code": str})
    m = monthly[(monthly.source == "MIRROR") & (monthly.napr_ru == "ИМ")
                & monthly.period.between("2022-04", "2023-03")]
    seg = load_segment("medical_devices")
    m = m[m.hs_code.map(seg.matches)]
    annual = pd.read_csv(data_dir / "trade/india_eidb/india_exports_hs8_by_partner_fy2017-18_to_2023-24.csv.gz",
                         dtype={"hs8": str})
    annual = annual[(annual.partner == "RUSSIA") & (annual.fy == "2022-23")]
    missing = m[~m.hs_code.isin(annual.hs8.str[:6])].groupby("hs_code").value_usd.sum() / 1e6
    missing = missing[missing > 0].sort_values(ascending=False)
    assert "382290" in missing.index  # a line HS2022 created, absent from the ITC-HS 2017 tables
    note = next(n for n in result.notes if n.startswith("FY2022-23: in-eidb is incomplete"))
    assert f"US$ {missing.sum():,.2f} mn" in note
    for code in missing.index[:3]:
        assert code in note
    assert "in-monthly" in notes


def test_demo_is_idempotent(demo_run: tuple[Path, str], data_dir: Path, run_medtrade) -> None:  # noqa: ANN001
    warehouse, _ = demo_run
    with Warehouse(warehouse, read_only=True) as wh:
        before = wh.con.execute(SNAPSHOT).fetchone()
    proc = run_medtrade("load", "--format", "json", "-w", str(warehouse),
                        *[str(p) for p in demo_files(data_dir)])
    assert proc.returncode == 0, proc.stderr
    assert {r["status"] for r in json.loads(proc.stdout)} == {"already loaded"}
    with Warehouse(warehouse, read_only=True) as wh:
        assert wh.con.execute(SNAPSHOT).fetchone() == before
