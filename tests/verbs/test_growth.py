"""`growth` and `drivers`: YoY series, CAGR and each product's contribution to a change.

Expected values are recomputed here from the raw files with pandas, never from medtrade code.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from medtrade.catalog.segments import load_segment
from medtrade.errors import InputError
from medtrade.verbs.growth import run_drivers, run_growth
from medtrade.warehouse.store import Warehouse

FYS = ["2017-18", "2018-19", "2019-20", "2020-21", "2021-22", "2022-23", "2023-24"]


@pytest.mark.parametrize(("level", "digits"), [("hs4", 4), ("hs6", 6)])
def test_drivers_of_device_exports_to_russia(loaded_warehouse: Path, india_raw: pd.DataFrame,
                                             level: str, digits: int) -> None:
    """FY2021-22 -> FY2023-24: each product's change equals pandas, and the changes sum exactly to the total."""
    seg = load_segment("medical_devices")
    with Warehouse(loaded_warehouse, read_only=True) as wh:
        result = run_drivers(wh, exporter="IND", importer="RUS", segment="medical_devices",
                             start="FY2021-22", end="FY2023-24", level=level)
    raw = india_raw[(india_raw.partner == "RUSSIA") & india_raw.hs8.map(seg.matches)
                    & india_raw.fy.isin(["2021-22", "2023-24"])]
    wide = (raw.assign(key=raw.hs8.str[:digits]).groupby(["key", "fy"]).value_usd_mn.sum()
            .unstack("fy").reindex(columns=["2021-22", "2023-24"]).fillna(0.0))
    change = wide["2023-24"] - wide["2021-22"]
    total_change = raw[raw.fy == "2023-24"].value_usd_mn.sum() - raw[raw.fy == "2021-22"].value_usd_mn.sum()

    products, total = result.rows[:-1], result.rows[-1]
    assert total[level] == "TOTAL"
    assert {r[level] for r in products} == set(change.index)
    for r in products:
        key = r[level]
        assert r["change"] == pytest.approx(change[key], abs=1e-9), key
        assert r["value_usd_mn_FY2021-22"] == pytest.approx(wide.loc[key, "2021-22"], abs=1e-9), key
        assert r["value_usd_mn_FY2023-24"] == pytest.approx(wide.loc[key, "2023-24"], abs=1e-9), key
        assert r["contribution_pct"] == pytest.approx(100 * change[key] / total_change, abs=1e-9), key
    # exactly: the products' changes add up to the TOTAL row, which equals pandas' total change
    assert abs(sum(r["change"] for r in products) - total["change"]) <= 1e-9
    assert abs(total["change"] - total_change) <= 1e-9
    assert abs(sum(r["contribution_pct"] for r in products) - 100) <= 1e-9
    # sorted by absolute change, ranked 1..n
    sizes = [abs(r["change"]) for r in products]
    assert sizes == sorted(sizes, reverse=True)
    assert [r["rank"] for r in products] == list(range(1, len(products) + 1))
    # products present only in FY2021-22 (HS2022 renumbering and the EIDB gap) are named in a note
    gone = change[(wide["2021-22"] > 0) & (wide["2023-24"] == 0)].index
    for key in gone[:5]:
        assert any(key in n and "HS revision of 2022" in n for n in result.notes), key


def test_growth_yoy_and_cagr_of_pharma_to_russia(loaded_warehouse: Path, india_raw: pd.DataFrame) -> None:
    with Warehouse(loaded_warehouse, read_only=True) as wh:
        result = run_growth(wh, exporter="IND", importer="RUS", segment="pharma", start="FY2017-18", end="FY2023-24")
    raw = india_raw[(india_raw.partner == "RUSSIA") & india_raw.hs8.str.startswith("30")]
    by_fy = raw.groupby("fy").value_usd_mn.sum().reindex(FYS)
    series, summary = result.rows[:-1], result.rows[-1]
    assert [r["period"] for r in series] == [f"FY{fy}" for fy in FYS]
    for r, fy, prev in zip(series, FYS, [None, *FYS[:-1]], strict=True):
        assert r["value_usd_mn"] == pytest.approx(by_fy[fy], abs=1e-9), fy
        if prev is None:  # FY2016-17 is not in the file
            assert r["previous_value"] is None and r["change_pct"] is None
            continue
        assert r["previous_value"] == pytest.approx(by_fy[prev], abs=1e-9), fy
        assert r["change"] == pytest.approx(by_fy[fy] - by_fy[prev], abs=1e-9), fy
        assert r["change_pct"] == pytest.approx(100 * (by_fy[fy] / by_fy[prev] - 1), abs=1e-9), fy
    years = 2023 - 2017
    expected_cagr = 100 * ((by_fy["2023-24"] / by_fy["2017-18"]) ** (1 / years) - 1)
    assert summary["period"] == "FY2017-18..FY2023-24"
    assert summary["cagr_pct"] == pytest.approx(expected_cagr, abs=1e-9)
    assert summary["value_usd_mn"] == pytest.approx(by_fy["2023-24"], abs=1e-9)
    assert summary["previous_value"] == pytest.approx(by_fy["2017-18"], abs=1e-9)
    assert "years = 6" in result.definition["cagr"]


def test_monthly_yoy_compares_the_same_month_a_year_earlier(monthly_warehouse: Path, monthly_raw: pd.DataFrame) -> None:
    """Russian customs by month: 2022-01 is compared with 2021-01; months without a predecessor get none."""
    with Warehouse(monthly_warehouse, read_only=True) as wh:
        result = run_growth(wh, exporter="IND", importer="RUS", segment="pharma", by="month", reporter="importer")
    fts = monthly_raw[(monthly_raw.source == "FTS") & (monthly_raw.napr_ru == "ИМ") & monthly_raw.hs_code.str.startswith("30")]
    by_month = fts.groupby("period").value_usd.sum() / 1e6
    rows = {r["period"]: r for r in result.rows[:-1]}
    assert rows.keys() == set(by_month.index)
    assert result.definition["dataset"].startswith("ru-fts")
    assert rows["2022-01"]["previous_value"] == pytest.approx(by_month["2021-01"], abs=1e-9)
    assert rows["2022-01"]["change_pct"] == pytest.approx(100 * (by_month["2022-01"] / by_month["2021-01"] - 1), abs=1e-9)
    assert all(rows[m]["previous_value"] is None for m in by_month.index if m.startswith("2021"))


def test_incomplete_year_is_flagged(monthly_warehouse: Path) -> None:
    with Warehouse(monthly_warehouse, read_only=True) as wh:
        result = run_growth(wh, exporter="IND", importer="RUS", segment="pharma", by="year", start="2021")
    assert [r["period"] for r in result.rows] == ["2021", "2022", "2023", "2024", "2021..2024"]
    assert any("2024 (3 of 12 months)" in n for n in result.notes)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"start": "FY2021-22", "end": "2023"}, "one type"),
    ({"start": "FY2023-24", "end": "FY2021-22"}, "must come after"),
    ({"start": "FY2015-16", "end": "FY2023-24"}, "covers FY2017-18..FY2023-24"),
    ({"start": "FY2021-22", "end": "FY2023-24", "level": "hs8"}, "valid: hs4, hs6, product"),
])
def test_drivers_bad_input(loaded_warehouse: Path, kwargs: dict, message: str) -> None:
    with Warehouse(loaded_warehouse, read_only=True) as wh, pytest.raises(InputError, match=message):
        run_drivers(wh, exporter="IND", importer="RUS", segment="medical_devices", **kwargs)


def test_growth_period_of_the_wrong_kind(loaded_warehouse: Path) -> None:
    with Warehouse(loaded_warehouse, read_only=True) as wh, pytest.raises(InputError, match="--by is fy"):
        run_growth(wh, exporter="IND", importer="RUS", segment="pharma", start="2019")
