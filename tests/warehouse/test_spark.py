"""The distributed path: flows, top, share and drivers on a local Spark session give DuckDB's answers.

Same warehouse, same verbs, same analysis functions; only the engine that scans
``trade_flows`` changes (Parquet exported from the warehouse, read by Spark). Values
may differ in the last binary digit, since Spark and DuckDB add in different orders.
`make test` installs pyspark and a Java runtime; without them these tests fail, by design.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from medtrade.verbs.flows import run_flows
from medtrade.verbs.growth import run_drivers
from medtrade.verbs.rankings import run_share, run_top
from medtrade.warehouse import spark
from medtrade.warehouse.store import Warehouse

QUESTIONS = {
    "flows": lambda wh: run_flows(wh, exporter="IND", importer="RUS", segment="medical_devices", by="fy,hs4",
                                  unit="inr_crore"),
    "top": lambda wh: run_top(wh, exporter="IND", segment="medical_devices", period="FY2022-23", n=10),
    "share": lambda wh: run_share(wh, exporter="IND", partner="RUS", of_group="CIS", segment="pharma",
                                  period="FY2021-22"),
    "drivers": lambda wh: run_drivers(wh, exporter="IND", importer="RUS", segment="medical_devices",
                                      start="FY2021-22", end="FY2023-24", level="hs6"),
}


def same(a: object, b: object) -> bool:
    """Equal, floats to 12 significant digits (summation order differs between engines)."""
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


@pytest.fixture(scope="module")
def session():
    """One local Spark session for the module (the JVM takes about 5 s to start)."""
    s = spark.spark_session("local[2]")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def parquet(loaded_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The India warehouse's flows exported for Spark."""
    with Warehouse(loaded_warehouse, read_only=True) as wh:
        return spark.export_flows(wh, tmp_path_factory.mktemp("spark") / "trade_flows")


@pytest.fixture(scope="module")
def answers(loaded_warehouse: Path, session, parquet: Path) -> dict[str, tuple]:
    """Each question answered on DuckDB, then on Spark over the exported Parquet."""
    with Warehouse(loaded_warehouse, read_only=True) as wh:
        on_duckdb = {name: ask(wh) for name, ask in QUESTIONS.items()}
        spark.attach(wh, session, parquet)
        assert wh.engine == "pyspark"
        on_spark = {name: ask(wh) for name, ask in QUESTIONS.items()}
    return {name: (on_duckdb[name], on_spark[name]) for name in QUESTIONS}


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_spark_gives_duckdb_answer(answers: dict[str, tuple], question: str) -> None:
    duck, sprk = answers[question]
    assert duck.rows, f"{question}: DuckDB found nothing, the comparison would be empty"
    assert same(duck.rows, sprk.rows)
    assert duck.notes == sprk.notes
    assert duck.sources == sprk.sources


def test_the_flow_table_is_spark_s(loaded_warehouse: Path, session, parquet: Path) -> None:
    """After attach the verbs' flow table is a Spark table holding every row; detach goes back."""
    with Warehouse(loaded_warehouse, read_only=True) as wh:
        spark.attach(wh, session, parquet)
        t = wh.table("trade_flows")
        assert type(t._find_backend()).__module__.startswith("ibis.backends.pyspark")
        assert t.count().execute() == wh.con.execute("SELECT count(*) FROM trade_flows").fetchone()[0]
        wh.detach()
        assert wh.engine == "duckdb"
        assert type(wh.table("trade_flows")._find_backend()).__module__.startswith("ibis.backends.duckdb")


def test_export_flows_cli(run_medtrade, loaded_warehouse: Path, tmp_path: Path) -> None:
    out = run_medtrade("export-flows", tmp_path / "x", "-w", loaded_warehouse)
    assert out.returncode == 0, out.stderr
    import pyarrow.dataset as ds

    assert ds.dataset(tmp_path / "x", partitioning="hive").count_rows() == 2_478_935
