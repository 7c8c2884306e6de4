"""`flows` beyond the headline numbers: periods, products, importer-side statistics, converted units.

Expected values are recomputed here from the raw files with pandas.
"""

from __future__ import annotations

import io
import json
import zipfile
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from medtrade.catalog.segments import load_segment
from medtrade.errors import InputError
from medtrade.verbs.flows import run_flows
from medtrade.warehouse.store import Warehouse


def ecb_inr_per_usd_by_month() -> pd.Series:
    """Monthly mean of daily INR-per-USD cross rates, straight from the ECB file the package ships."""
    with resources.files("currency_converter").joinpath("eurofxref-hist.zip").open("rb") as fh:
        archive = zipfile.ZipFile(io.BytesIO(fh.read()))
    daily = pd.read_csv(archive.open(archive.namelist()[0]), na_values="N/A")
    daily = daily.dropna(subset=["USD", "INR"])
    daily["month"] = daily.Date.str[:7]
    daily["inr_per_usd"] = daily.INR / daily.USD
    return daily.groupby("month").inr_per_usd.mean()


def test_one_fiscal_year_by_hs4(loaded_warehouse: Path, india_raw: pd.DataFrame) -> None:
    seg = load_segment("medical_devices")
    with Warehouse(loaded_warehouse, read_only=True) as wh:
        result = run_flows(wh, exporter="IND", importer="RUS", segment=seg, by="hs4", period="FY2022-23")
    raw = india_raw[(india_raw.partner == "RUSSIA") & (india_raw.fy == "2022-23") & india_raw.hs8.map(seg.matches)]
    expected = raw.groupby(raw.hs8.str[:4]).value_usd_mn.sum()
    got = {r["hs4"]: r["value_usd_mn"] for r in result.rows}
    assert set(got) == set(expected.index)
    for hs4, value in expected.items():
        assert got[hs4] == pytest.approx(value, abs=0.005), hs4
    assert result.definition["period"] == "FY2022-23"


def test_importer_side_statistics(monthly_warehouse: Path, monthly_raw: pd.DataFrame) -> None:
    """Russia's customs: imports from India of HS 30, by calendar year; January 2022 only is flagged."""
    with Warehouse(monthly_warehouse, read_only=True) as wh:
        result = run_flows(wh, exporter="IND", importer="RUS", segment="pharma", by="year", reporter="importer")
    assert result.definition["reporter"] == "RUS" and result.definition["flow"] == "import"
    assert result.definition["dataset"].startswith("ru-fts")
    fts = monthly_raw[(monthly_raw.source == "FTS") & (monthly_raw.napr_ru == "ИМ") & monthly_raw.hs_code.str.startswith("30")]
    expected = fts.groupby(fts.period.str[:4]).value_usd.sum() / 1e6
    got = {r["year"]: r["value_usd_mn"] for r in result.rows}
    assert got.keys() == set(expected.index)
    for year, value in expected.items():
        assert got[year] == pytest.approx(value, abs=1e-6)  # results are rounded to 6 decimals
    assert any("2022 (1 of 12 months)" in n for n in result.notes)


def test_monthly_data_converted_to_inr_at_monthly_rates(monthly_warehouse: Path, monthly_raw: pd.DataFrame) -> None:
    """No published INR in the monthly data: each month's USD at that month's average rate, then summed."""
    with Warehouse(monthly_warehouse, read_only=True) as wh:
        result = run_flows(wh, exporter="IND", importer="RUS", segment="medical_devices", by="fy",
                           unit="inr_crore", period="FY2023-24")
    seg = load_segment("medical_devices")
    m = monthly_raw[(monthly_raw.source == "MIRROR") & (monthly_raw.napr_ru == "ИМ")
                    & monthly_raw.period.between("2023-04", "2024-03") & monthly_raw.hs_code.map(seg.matches)]
    rates = ecb_inr_per_usd_by_month()
    expected = (m.groupby("period").value_usd.sum() * rates.reindex(m.period.unique().tolist())).sum() / 1e7
    assert len(result.rows) == 1
    assert result.rows[0]["value_inr_crore"] == pytest.approx(expected, abs=1e-6)
    assert any("average ECB reference rate" in n for n in result.notes)


def test_rub_after_march_2022_needs_user_rates(monthly_warehouse: Path, tmp_path: Path, run_medtrade) -> None:  # noqa: ANN001
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(monthly_warehouse.read_bytes())
    args = ["flows", "--exporter", "IND", "--importer", "RUS", "--by", "month", "--period", "2023-06",
            "--unit", "rub", "-w", copy, "--format", "json"]
    refused = run_medtrade(*args)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert "RUB" in refused.stderr and "medtrade rates add" in refused.stderr
    rates = tmp_path / "cbr.csv"
    rates.write_text("date,currency,per_usd\n" + "".join(f"2023-06-{d:02d},RUB,{80 + d / 10}\n" for d in range(1, 31)))
    assert run_medtrade("rates", "add", rates, "-w", copy).returncode == 0
    done = run_medtrade(*args)
    assert done.returncode == 0, done.stderr
    usd = run_medtrade(*args[:-6], "--unit", "usd", "-w", copy, "--format", "json")
    rub_value = json.loads(done.stdout)["rows"][0]["value_rub"]
    usd_value = json.loads(usd.stdout)["rows"][0]["value_usd"]
    assert rub_value == pytest.approx(usd_value * sum(80 + d / 10 for d in range(1, 31)) / 30, rel=1e-6)


def test_period_of_the_wrong_kind_is_a_clear_error(loaded_warehouse: Path) -> None:
    with Warehouse(loaded_warehouse, read_only=True) as wh, pytest.raises(InputError, match="fy periods"):
        run_flows(wh, exporter="IND", importer="RUS", by="fy", period="2022")
