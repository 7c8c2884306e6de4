"""Warehouse.to_arrow: prepared statements on read-only warehouses, fresh plans where the data can change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from medtrade.warehouse import store
from medtrade.warehouse.store import Warehouse

PARQUET = "trade/india_russia_monthly/comparison_data_ind_fts_layout_to_2024-03.parquet"


def test_a_writable_warehouse_sees_rows_loaded_after_a_question(
        monthly_warehouse: Path, data_dir: Path, tmp_path: Path) -> None:
    # DuckDB folds a filter that the table's statistics say no row can pass (file_id 2 while
    # only file 1 is loaded) into "no rows"; a plan prepared then would keep saying so.
    path = tmp_path / "w.duckdb"
    shutil.copy(monthly_warehouse, path)
    with Warehouse(path) as wh:
        t = wh.table("trade_flows")
        second = t.filter(t.file_id == 2, t.superseded_by.isnull()).count()
        before = wh.to_arrow(second).as_py()
        report = wh.load(data_dir / PARQUET)
        after = wh.to_arrow(second).as_py()
        expected = wh.con.execute("SELECT count(*) FROM trade_flows WHERE file_id = 2 AND superseded_by IS NULL").fetchone()[0]
    assert before == 0
    assert after == expected == report.rows_loaded > 0


def test_read_only_answers_equal_ibis_own_execution_through_evictions(
        monthly_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "_PREPARED_SIZE", 3)  # every few questions a prepared statement is deallocated
    with Warehouse(monthly_warehouse, read_only=True) as wh:
        t = wh.table("trade_flows")
        questions = [t.filter(t.period == f"{year}-01").value_usd.sum().name("v").as_table() for year in range(2015, 2022)]
        first = [wh.to_arrow(q).to_pylist() for q in questions]
        again = [wh.to_arrow(q).to_pylist() for q in reversed(questions)][::-1]
        own = [q.to_pyarrow().to_pylist() for q in questions]
        assert len(wh._executed) == 3
    assert first == again == own
    assert all(r[0]["v"] > 0 for r in own)  # real answers, not empty ones
