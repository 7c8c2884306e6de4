"""A forecast says when another loaded dataset holds a longer history of the same flow, and uses it on request."""

from __future__ import annotations

import shutil
from pathlib import Path

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


def test_the_default_dataset_points_to_the_longer_history(both: Path) -> None:
    with Warehouse(both, read_only=True) as wh:
        res = run_forecast(wh, **QUESTION)
    assert res.definition["dataset"].startswith("in-eidb")
    note = next(n for n in res.notes if n.startswith("dataset in-monthly has"))
    # 14 complete fiscal years FY2010-11..FY2023-24 (FY2009-10 has 3 months in the file) against EIDB's 7
    assert "14 complete fy periods of IND exports with RUS" in note and "(FY2010-11..FY2023-24) against 7 in in-eidb" in note
    assert "--dataset in-monthly" in note


def test_the_longer_history_on_request(both: Path) -> None:
    with Warehouse(both, read_only=True) as wh:
        res = run_forecast(wh, **QUESTION, dataset="in-monthly")
    actual = [r["period"] for r in res.rows if r["type"] == "actual"]
    assert res.definition["dataset"].startswith("in-monthly")
    assert actual[-1] == "FY2023-24" and actual[0] >= "FY2010-11"
    assert not any(n.startswith("dataset in-eidb has") for n in res.notes)  # EIDB's history is shorter
