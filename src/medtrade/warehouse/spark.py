"""The distributed path: the same analyses on Apache Spark, through Ibis's PySpark backend.

The DuckDB warehouse stays the catalogue (source files, rejects, provenance, the small
look-ups the verbs make); the flow table, the part that grows to hundreds of millions
of rows, is scanned by Spark. :func:`export_flows` writes ``trade_flows`` as Parquet
(the layout Spark reads natively, also from HDFS/S3); :func:`attach` makes a warehouse
answer its flow queries from a Spark session over that Parquet::

    wh = Warehouse("medtrade.duckdb", read_only=True)
    attach(wh, spark_session("spark://master:7077"), "hdfs:///medtrade/trade_flows")
    run_top(wh, exporter="IND", segment="medical_devices", period="FY2022-23")

Nothing in ``analysis/`` knows which engine runs it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from medtrade.errors import WarehouseError

if TYPE_CHECKING:
    from ibis.backends.pyspark import Backend as SparkBackend
    from pyspark.sql import SparkSession

    from medtrade.warehouse.store import Warehouse

#: Tables the verbs read through Ibis; the others stay on DuckDB.
FLOW_TABLE = "trade_flows"


def spark_session(master: str | None = None, /, *, conf: dict[str, str] | None = None) -> SparkSession:
    """A Spark session: ``local[*]`` by default, else the cluster at *master* (``spark://``, ``yarn``, ``k8s://``).

    ``$MEDTRADE_SPARK_MASTER`` is used when *master* is not given. Managed tables go to a
    temporary ``spark.sql.warehouse.dir`` (a fixed ``./spark-warehouse`` makes a second
    run fail with LOCATION_ALREADY_EXISTS).
    """
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    try:
        from pyspark.sql import SparkSession
    except ModuleNotFoundError:
        raise WarehouseError("the Spark engine needs pyspark: pip install 'medtrade[spark]'") from None
    master = master or os.environ.get("MEDTRADE_SPARK_MASTER") or "local[*]"
    builder = (
        SparkSession.builder.master(master)
        .appName("medtrade")
        .config("spark.sql.warehouse.dir", tempfile.mkdtemp(prefix="medtrade-spark-"))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", os.environ.get("MEDTRADE_SPARK_PARTITIONS", "8"))
    )
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - JVM start-up failures arrive as assorted Py4J/OS errors
        raise WarehouseError(f"cannot start Spark at `{master}`: {str(exc).splitlines()[0]} (is Java 17 installed?)") from None
    session.sparkContext.setLogLevel("ERROR")
    return session


def connect(session: SparkSession, /) -> SparkBackend:
    """The Ibis PySpark backend over *session*."""
    import ibis

    ibis.pyspark  # noqa: B018 - loads the backend's type mappings; to_sql on floats fails before this
    return ibis.pyspark.connect(session)


def export_flows(wh: Warehouse, directory: str | Path, /) -> Path:
    """Write the warehouse's current ``trade_flows`` to *directory* as Parquet (one folder per dataset).

    ENUM columns become strings, which is what Spark reads. Returns the directory.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    wh.con.execute(
        f"COPY (SELECT * REPLACE (dataset::VARCHAR AS dataset, period_type::VARCHAR AS period_type,"
        f" flow::VARCHAR AS flow, nomenclature::VARCHAR AS nomenclature) FROM {FLOW_TABLE})"
        " TO ? (FORMAT parquet, PARTITION_BY (dataset), OVERWRITE_OR_IGNORE true)",
        [str(directory)],
    )
    return directory


def attach(wh: Warehouse, session: SparkSession, parquet: str | Path, /) -> SparkBackend:
    """Make *wh* answer flow queries on Spark, from the Parquet written by :func:`export_flows`.

    Returns the Ibis backend; :meth:`Warehouse.detach` goes back to DuckDB.
    """
    backend = connect(session)
    frame = session.read.option("basePath", str(parquet)).parquet(str(parquet))
    frame.createOrReplaceTempView(FLOW_TABLE)
    wh.use_engine(backend, tables=(FLOW_TABLE,))
    return backend


def describe(backend: Any, /) -> str:
    """Where queries run, for notes: ``Spark local[*]`` or ``Spark spark://...``."""
    try:
        return f"Spark {backend._session.sparkContext.master}"
    except AttributeError:
        return "Spark"
