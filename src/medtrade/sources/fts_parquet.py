"""Parquet in the Russian customs (FTS) open-data column layout (datasets ``ru-fts`` and ``in-monthly``).

Columns: ``NAPR, PERIOD, STRANA, TNVED, EDIZM, STOIM, NETTO, KOL`` and optionally ``Source``
(``FTS`` = Russia's customs data, ``MIRROR`` = the partner's own statistics; without the
column every row is FTS). This is how ``quantviews/mgimo-foreign-trade`` stores its
Russia-India comparison (``../shared/data/trade/india_russia_monthly/SOURCE.md``); the
semantics are those of :mod:`medtrade.sources.ru_in_monthly_csv`, whose staging SQL is
reused so both files give identical keys (one supersedes the other, nothing adds up).

* ``NAPR``: ``ИМ`` Russian import, ``ЭК`` Russian export (MIRROR rows flip to India's side).
* ``PERIOD``: a DATE (first of the month) or text ``YYYY-MM``, ``YYYY-MM-01``, ``MM/YYYY``.
* ``STRANA``: Russia's partner (ISO2/ISO3/name, resolved with the country catalog); for MIRROR
  rows it is the reporting country and must be India.
* ``TNVED``: stored as numbers upstream, so leading zeros are lost: FTS codes are restored to
  10 digits, MIRROR (HS6) codes to 6, and the rows are marked repaired.
* Rows of other sources (the original file also holds ``Comtrade`` rows) are rejected with a reason.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from medtrade.errors import SourceError
from medtrade.sources.base import ROW_NUMBER, Batch, require_columns, sql_path
from medtrade.sources.ru_in_monthly_csv import partner_table, stage_sql

NAME = "fts-parquet"
REQUIRED = ["NAPR", "PERIOD", "STRANA", "TNVED", "STOIM"]
OPTIONAL = ["EDIZM", "NETTO", "KOL", "SOURCE"]


def _schema(path: Path) -> pa.Schema | None:
    try:
        with path.open("rb") as fh:
            if fh.read(4) != b"PAR1":
                return None
        return pq.read_schema(path)
    except (OSError, pa.ArrowException):
        return None


def detect(path: Path, /) -> bool:
    """True for a parquet file whose schema (read without the data) has the FTS columns."""
    schema = _schema(path)
    return schema is not None and all(c in {n.upper() for n in schema.names} for c in REQUIRED)


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(expr: str, kind: pa.DataType) -> str:
    """A column as text; integral floats lose their '.0' (codes and OKEI units written as numbers)."""
    if pa.types.is_floating(kind):
        return f"CASE WHEN {expr} = trunc({expr}) THEN CAST(CAST({expr} AS BIGINT) AS VARCHAR) ELSE CAST({expr} AS VARCHAR) END"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return f"nullif(trim({expr}), '')"
    return f"CAST({expr} AS VARCHAR)"


def _number(expr: str, kind: pa.DataType) -> tuple[str, str]:
    """(DOUBLE value, text as published) of a numeric column that may be stored as text."""
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return f"CAST({expr} AS DOUBLE)", f"CAST({expr} AS VARCHAR)"
    text = _text(expr, kind)
    return f"try_cast({text} AS DOUBLE)", text


def _month(expr: str, kind: pa.DataType) -> str:
    """'YYYY-MM' of a PERIOD column, NULL when it is not a month."""
    if pa.types.is_date(kind) or pa.types.is_timestamp(kind):
        return f"CASE WHEN day({expr}) = 1 THEN strftime({expr}, '%Y-%m') END"
    t = _text(expr, kind)
    return f"""CASE
        WHEN regexp_full_match({t}, '[0-9]{{4}}-(0[1-9]|1[0-2])(-01)?') THEN left({t}, 7)
        WHEN regexp_full_match({t}, '(0[1-9]|1[0-2])/[0-9]{{4}}') THEN right({t}, 4) || '-' || left({t}, 2)
    END"""


def read(path: Path, /) -> Batch:
    """Describe how to stage an FTS-layout parquet (see module docstring)."""
    schema = _schema(path)
    if schema is None:
        raise SourceError(f"{path}: not a readable parquet file (no parquet footer/schema)")
    actual = {n.upper(): n for n in schema.names}
    require_columns(path, list(actual), REQUIRED, "FTS parquet")

    def col(key: str) -> str:
        return f"r.{_ident(actual[key])}"

    def kind(key: str) -> pa.DataType:
        return schema.field(actual[key]).type

    def number(key: str) -> tuple[str, str]:
        if key not in actual:
            return "CAST(NULL AS DOUBLE)", "CAST(NULL AS VARCHAR)"
        return _number(col(key), kind(key))

    src = _text(col("SOURCE"), kind("SOURCE")) if "SOURCE" in actual else "'FTS'"
    v, v_raw = number("STOIM")
    n, n_raw = number("NETTO")
    k, k_raw = number("KOL")
    unit = _text(col("EDIZM"), kind("EDIZM")) if "EDIZM" in actual else "CAST(NULL AS VARCHAR)"
    present = [c for c in [*REQUIRED, *OPTIONAL] if c in actual]
    raw = "concat_ws(',', " + ", ".join(f"coalesce(CAST({col(c)} AS VARCHAR), '')" for c in present) + ")"
    scan = f"read_parquet({sql_path(path)})"
    inner = f"""
        SELECT r.source_row, {src} AS src, {_text(col('NAPR'), kind('NAPR'))} AS napr,
               {_month(col('PERIOD'), kind('PERIOD'))} AS month, CAST({col('PERIOD')} AS VARCHAR) AS period_raw,
               {_text(col('STRANA'), kind('STRANA'))} AS partner_raw, {_text(col('TNVED'), kind('TNVED'))} AS code_raw,
               {unit} AS unit, {v} AS v, {v_raw} AS v_raw, {n} AS n, {n_raw} AS n_raw, {k} AS k, {k_raw} AS k_raw,
               {raw} AS raw_text
        FROM (SELECT {ROW_NUMBER} AS source_row, * FROM {scan}) AS r"""
    keys = {"source": "SOURCE", "napr": "NAPR", "period": "PERIOD", "partner": "STRANA", "code": "TNVED",
            "value": "STOIM", "netto": "NETTO", "kol": "KOL"}
    names = {key: actual.get(upper, upper) for key, upper in keys.items()}
    partners = partner_table(path, f"(SELECT {_text(col('STRANA'), kind('STRANA'))} AS p FROM {scan} AS r)", "p")
    return Batch(
        format=NAME,
        select_sql=stage_sql(inner, partners="fts_parquet_partners", names=names),
        tables={"fts_parquet_partners": partners},
        key_unique=False,
        notes=[
            "FTS STOIM read as plain US dollars, not thousands (SOURCE.md)",
            "MIRROR NETTO is thousands of EDIZM: quantity = NETTO * 1000; MIRROR rows without STOIM "
            "are loaded with value_usd NULL",
        ],
    )
