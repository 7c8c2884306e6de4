"""`mirror`: India's figure for its exports to Russia vs Russian customs' imports from India.

Expected values are recomputed here from the raw CSV with pandas, never from medtrade code.
SOURCE.md next to the file gives HS 3004 in 2021: India (MIRROR) 469.48, Russia (FTS) 541.73 US$ mn.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from medtrade.errors import InputError
from medtrade.verbs.mirror import run_mirror
from medtrade.warehouse.store import Warehouse


def expected_3004_2021(monthly_raw: pd.DataFrame, digits: int) -> pd.DataFrame:
    """Per HS product: India's MIRROR figure and Russia's FTS figure for HS 3004 in calendar 2021, US$ mn."""
    rows = monthly_raw[(monthly_raw.napr_ru == "ИМ") & monthly_raw.period.between("2021-01", "2021-12") & monthly_raw.hs_code.str.startswith("3004")]
    india = rows[rows.source == "MIRROR"].groupby(rows.hs_code.str[:digits]).value_usd.sum() / 1e6
    russia = rows[rows.source == "FTS"].groupby(rows.hs_code.str[:digits]).value_usd.sum() / 1e6
    both = pd.concat({"india": india, "russia": russia}, axis=1).fillna(0.0)
    return both.assign(gap=both.russia - both.india)


@pytest.mark.parametrize(("level", "digits"), [("hs6", 6), ("hs4", 4)])
def test_mirror_gap_hs3004_2021(monthly_warehouse: Path, monthly_raw: pd.DataFrame, level: str, digits: int) -> None:
    with Warehouse(monthly_warehouse, read_only=True) as wh:
        result = run_mirror(wh, exporter="IND", importer="RUS", segment="3004", period="2021", level=level)
    expected = expected_3004_2021(monthly_raw, digits)
    products, total = result.rows[:-1], result.rows[-1]
    assert {r[level] for r in products} == set(expected.index)
    for r in products:
        e = expected.loc[r[level]]
        assert r["exporter_value_usd_mn"] == pytest.approx(e.india, abs=1e-9), r[level]
        assert r["importer_value_usd_mn"] == pytest.approx(e.russia, abs=1e-9), r[level]
        assert r["gap_usd_mn"] == pytest.approx(e.gap, abs=1e-9), r[level]
        if e.india:
            assert r["gap_pct"] == pytest.approx(100 * e.gap / e.india, abs=1e-6), r[level]
    assert total[level] == "TOTAL"
    india, russia = expected.india.sum(), expected.russia.sum()
    assert total["exporter_value_usd_mn"] == pytest.approx(india, abs=1e-9)
    assert total["importer_value_usd_mn"] == pytest.approx(russia, abs=1e-9)
    assert total["gap_usd_mn"] == pytest.approx(russia - india, abs=1e-9)
    assert total["gap_pct"] == pytest.approx(100 * (russia / india - 1), abs=1e-9)
    # the published check figures of SOURCE.md
    assert total["exporter_value_usd_mn"] == pytest.approx(469.48, abs=0.005)
    assert total["importer_value_usd_mn"] == pytest.approx(541.73, abs=0.005)


def test_mirror_says_which_dataset_answers_each_side_and_why_they_differ(monthly_warehouse: Path, monthly_raw: pd.DataFrame) -> None:
    with Warehouse(monthly_warehouse, read_only=True) as wh:
        result = run_mirror(wh, exporter="IND", importer="RUS", segment="3004", period="2021")
    assert result.definition["exporter_side"].startswith("IND exports to RUS: in-monthly")
    assert result.definition["importer_side"].startswith("RUS imports from IND: ru-fts")
    notes = " | ".join(result.notes)
    assert "exporter side: IND exports to RUS, dataset in-monthly" in notes
    assert "importer side: RUS imports from IND, dataset ru-fts" in notes
    assert "CIF" in notes and "FOB" in notes and "5-10%" in notes
    assert "timing" in notes and "country of origin" in notes
    confidential = monthly_raw[(monthly_raw.source == "FTS") & (monthly_raw.napr_ru == "ИМ") & monthly_raw.period.str.startswith("2021")
                       & (monthly_raw.hs_code == "XXXXXXXXXX")]
    assert f"{len(confidential):,} confidential lines worth US$ {confidential.value_usd.sum() / 1e6:,.2f} mn" in notes
    assert {s["dataset"] for s in result.sources} == {"in-monthly, ru-fts"}


@pytest.mark.parametrize(("period", "message"), [
    ("2023", r"importer side \(RUS imports from IND, dataset ru-fts\) has no data for 2023: it covers 2021-01..2022-01"),
    ("2022", r"importer side .* has only 1 of 12 months \(2022-01\) for 2022"),
    ("FY2021-22", r"importer side .* has only 10 of 12 months"),
])
def test_a_period_one_side_lacks_is_refused_naming_the_side(monthly_warehouse: Path, period: str, message: str) -> None:
    with Warehouse(monthly_warehouse, read_only=True) as wh, pytest.raises(InputError, match=message):
        run_mirror(wh, exporter="IND", importer="RUS", segment="pharma", period=period)


def test_a_side_without_any_data_is_named(monthly_warehouse: Path) -> None:
    with Warehouse(monthly_warehouse, read_only=True) as wh, pytest.raises(InputError, match="exporter side has no data"):
        run_mirror(wh, exporter="IND", importer="CHN", segment="pharma", period="2021")


def test_one_month_both_sides_cover(monthly_warehouse: Path, monthly_raw: pd.DataFrame) -> None:
    with Warehouse(monthly_warehouse, read_only=True) as wh:
        result = run_mirror(wh, exporter="IND", importer="RUS", segment="pharma", period="2022-01", level="hs4")
    rows = monthly_raw[(monthly_raw.napr_ru == "ИМ") & (monthly_raw.period == "2022-01") & monthly_raw.hs_code.str.startswith("30")]
    total = result.rows[-1]
    assert total["exporter_value_usd_mn"] == pytest.approx(rows[rows.source == "MIRROR"].value_usd.sum() / 1e6, abs=1e-9)
    assert total["importer_value_usd_mn"] == pytest.approx(rows[rows.source == "FTS"].value_usd.sum() / 1e6, abs=1e-9)
