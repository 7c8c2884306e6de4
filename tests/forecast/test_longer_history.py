"""A forecast says when another loaded dataset holds a longer history of the same flow, and uses it on request."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from medtrade.verbs.forecast import run_forecast
from medtrade.warehouse.store import Warehouse

QUESTION = dict(exporter="IND", importer="RUS", segment="medical_devices", by="fy", horizon=3, windows=2, arima="no")


@pytest.fixture(scope="module")
def both(loaded_warehouse: Path, monthly_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """India's annual table (FY2017-18..FY2023-24) and the monthly file (2010-01..2024-03) in one warehouse."""
    path = tmp_path_factory.mktemp("both") / "w.duckdb"
    shutil.copy(loaded_warehouse, path)
    with Warehouse(path) as wh:
        wh.load(monthly_csv)
    return path


def _complete_fys(monthly_raw: pd.DataFrame) -> list[str]:
    """Fiscal years with all 12 months of India's exports to Russia in the raw monthly file (its MIRROR rows)."""
    m = monthly_raw[(monthly_raw["source"] == "MIRROR") & (monthly_raw["napr_ru"] == "ИМ")]
    y, mo = m["period"].str[:4].astype(int), m["period"].str[5:7].astype(int)
    months = pd.DataFrame({"fy": np.where(mo >= 4, y, y - 1), "period": m["period"]}).drop_duplicates()
    per_fy = months.groupby("fy").size()
    return [f"FY{fy}-{(fy + 1) % 100:02d}" for fy in sorted(per_fy[per_fy == 12].index)]


def test_the_default_dataset_points_to_the_longer_history(both: Path, monthly_raw: pd.DataFrame,
                                                          india_raw: pd.DataFrame) -> None:
    long, short = _complete_fys(monthly_raw), india_raw["fy_start_year"].nunique()
    assert len(long) > short  # the premise, from the raw files
    with Warehouse(both, read_only=True) as wh:
        res = run_forecast(wh, **QUESTION)
    assert res.definition["dataset"].startswith("in-eidb")
    note = next(n for n in res.notes if n.startswith("dataset in-monthly has"))
    assert note.startswith(f"dataset in-monthly has {len(long)} complete fy periods of IND exports with RUS "
                           f"({long[0]}..{long[-1]}) against {short} in in-eidb")
    assert "--dataset in-monthly" in note


def test_the_longer_history_on_request(both: Path) -> None:
    with Warehouse(both, read_only=True) as wh:
        res = run_forecast(wh, **QUESTION, dataset="in-monthly")
    actual = [r["period"] for r in res.rows if r["type"] == "actual"]
    assert res.definition["dataset"].startswith("in-monthly")
    assert actual[-1] == "FY2023-24" and actual[0] >= "FY2010-11"
    assert not any(n.startswith("dataset in-eidb has") for n in res.notes)  # EIDB's history is shorter
