"""The flow index (flow_periods, flow_headings) always describes the current rows of trade_flows."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from medtrade.warehouse.store import Warehouse

MONTHLY = "trade/india_russia_monthly"
CSV_NAME = "russia_india_monthly_2010-01_to_2024-03.csv.gz"
PARQUET_NAME = "comparison_data_ind_fts_layout_to_2024-03.parquet"
KEYS = "dataset, reporter, flow, period_type, period, period_start, period_end"

# Recomputed from trade_flows in plain SQL, written independently of medtrade.warehouse.index.
EXPECTED_PERIODS = f"""
    SELECT {KEYS}, count(*) AS n, list_sort(list(DISTINCT partner)) AS partners, list_sort(list(DISTINCT file_id)) AS files
    FROM trade_flows WHERE superseded_by IS NULL GROUP BY ALL
"""
EXPECTED_HEADINGS = f"""
    SELECT {KEYS}, substr(product_code, 1, 4) AS hs4, count(*) AS n, round(sum(value_usd), 2) AS v
    FROM trade_flows WHERE superseded_by IS NULL AND (partner IS NULL OR partner <> 'WLD') GROUP BY ALL
"""
INDEXED_PERIODS = f'SELECT {KEYS}, "rows", partners, file_ids FROM flow_periods'
INDEXED_HEADINGS = f'SELECT {KEYS}, hs4, "rows", round(value_usd, 2) FROM flow_headings'


def _same(con: duckdb.DuckDBPyConnection, expected: str, indexed: str) -> None:
    missing = con.execute(f"SELECT count(*) FROM (({expected}) EXCEPT ALL ({indexed}))").fetchone()[0]
    extra = con.execute(f"SELECT count(*) FROM (({indexed}) EXCEPT ALL ({expected}))").fetchone()[0]
    assert (missing, extra) == (0, 0)


@pytest.fixture(scope="module")
def both_loaded(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = data_dir / MONTHLY
    if not (folder / CSV_NAME).is_file():
        pytest.skip(f"{folder / CSV_NAME} not found")
    path = tmp_path_factory.mktemp("index") / "wh.duckdb"
    with Warehouse(path) as wh:
        wh.load(folder / CSV_NAME)
        second = wh.load(folder / PARQUET_NAME)
        assert second.rows_superseded > 0  # the premise: the parquet replaces the CSV's rows
    return path


def test_index_matches_current_rows_after_a_superseding_load(both_loaded: Path) -> None:
    with Warehouse(both_loaded, read_only=True) as wh:
        _same(wh.con, EXPECTED_PERIODS, INDEXED_PERIODS)
        _same(wh.con, EXPECTED_HEADINGS, INDEXED_HEADINGS)
        # Only the later file stands behind the index.
        files = wh.con.execute("SELECT DISTINCT unnest(file_ids) FROM flow_periods").fetchall()
        assert files == [(2,)]


def test_upgrading_an_older_warehouse_builds_the_index(both_loaded: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.duckdb"
    shutil.copy(both_loaded, old)
    con = duckdb.connect(str(old))
    # A warehouse of schema version 3: the index and everything after it not there yet.
    con.execute("DROP TABLE flow_periods; DROP TABLE flow_headings; DROP TABLE IF EXISTS events;"
                " DROP SEQUENCE IF EXISTS events_id_seq; DELETE FROM schema_version WHERE version >= 4")
    con.close()
    with pytest.raises(Exception, match="needs a schema upgrade"):
        Warehouse(old, read_only=True)
    with Warehouse(old) as wh:
        _same(wh.con, EXPECTED_PERIODS, INDEXED_PERIODS)
        _same(wh.con, EXPECTED_HEADINGS, INDEXED_HEADINGS)
