"""Russia <-> India monthly trade, normalised CSV (datasets ``ru-fts`` and ``in-monthly``).

Layout (``../shared/data/trade/india_russia_monthly/SOURCE.md``)::

    source,napr_ru,flow_en,period,partner_iso3,hs_code,unit,value_usd,netto,kol

Two kinds of rows share the file, told apart by ``source``:

* ``FTS``: Russia's customs statistics (dataset ``ru-fts``): reporter RUS, partner the
  ``partner_iso3`` country, 10-digit TN VED codes (``XXXXXXXXXX`` = confidential, kept and
  flagged), value in USD, ``netto`` = net weight in kg, ``kol`` = quantity in the OKEI
  unit ``unit`` (``kol`` 0 without a unit means no quantity).
* ``MIRROR``: India's own statistics (dataset ``in-monthly``): reporter IND, partner RUS,
  6-digit HS codes, value in USD (published in US$ million, 2 decimals), ``netto`` =
  quantity in *thousands* of ``unit``. Not aggregated: several rows per HS6 and month
  (one per Indian HS8 line), so repeated keys are legitimate (``key_unique=False``).

``napr_ru`` is the direction from Russia's side: ``ИМ`` Russian import from India (= Indian
export), ``ЭК`` Russian export to India (= Indian import). The staging SQL here is shared
with :mod:`medtrade.sources.fts_parquet`, which reads the same rows in the FTS column
layout, so both files give identical keys and one supersedes the other.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from medtrade.catalog import countries
from medtrade.errors import SourceError
from medtrade.sources.base import ROW_NUMBER, Batch, csv_columns, first_line, sql_path

NAME = "ru-in-monthly-csv"
COLUMNS = ["source", "napr_ru", "flow_en", "period", "partner_iso3", "hs_code", "unit", "value_usd", "netto", "kol"]
REQUIRED = ["source", "napr_ru", "period", "partner_iso3", "hs_code", "value_usd"]
REPAIR = "restored leading zeros of TN VED/HS codes"
NOTES = [
    "FTS value_usd (STOIM) read as plain US dollars, not thousands (SOURCE.md)",
    "MIRROR netto is thousands of the unit: quantity = netto * 1000; MIRROR rows without a value "
    "are loaded with value_usd NULL",
]


def detect(path: Path, /) -> bool:
    """True for a CSV whose header carries the Russia-India monthly columns."""
    if _is_parquet(path):
        return False
    header = first_line(path).lower()
    return "napr_ru" in header and "hs_code" in header and "value_usd" in header


def _is_parquet(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"PAR1"
    except OSError:
        return False


def partner_table(path: Path, relation: str, column: str) -> pa.Table:
    """Distinct spellings of the partner column -> ISO3 (NULL when unknown), for the staging SQL.

    The file is scanned once for its (few) distinct partner values so that any spelling the
    country catalog knows (ISO2, ISO3, M49, names) is accepted.
    """
    con = duckdb.connect()
    try:
        values = [r[0] for r in con.execute(f"SELECT DISTINCT {column} FROM {relation}").fetchall()]
    except duckdb.Error as exc:
        raise SourceError(f"{path}: cannot be read ({str(exc).strip().splitlines()[0]})") from None
    finally:
        con.close()
    values = [v for v in values if v is not None]
    return pa.table({"name": pa.array(values, pa.string()),
                     "iso3": pa.array([countries.try_resolve(v) for v in values], pa.string())})


def quoted(expr: str) -> str:
    """SQL for a value in double quotes, or ``(empty)``: reasons quote the bad value."""
    return f"""coalesce('"' || ({expr}) || '"', '(empty)')"""


def stage_sql(inner: str, *, partners: str, names: dict[str, str]) -> str:
    """The staging SELECT for FTS/MIRROR rows, shared by the CSV and the FTS-layout parquet reader.

    Parameters
    ----------
    inner : a SELECT giving ``source_row, src, napr, month`` ('YYYY-MM' or NULL if not a month),
        ``period_raw, partner_raw, code_raw, unit, v, v_raw, n, n_raw, k, k_raw, raw_text``
        (numbers as DOUBLE, ``*_raw`` as published text).
    partners : name of the registered table mapping ``partner_raw`` to ISO3.
    names : the file's column names (keys source, napr, period, partner, code, value, netto,
        kol), so that reasons name the column the user sees.
    """
    fts, mirror = "i.src = 'FTS'", "i.src = 'MIRROR'"
    short = f"({fts} AND regexp_full_match(i.code, '[0-9]{{9}}')) OR ({mirror} AND regexp_full_match(i.code, '[0-9]{{5}}'))"
    code = f"CASE WHEN {short} THEN '0' || i.code ELSE i.code END"
    n = names

    def bad_number(key: str, raw: str, val: str) -> str:
        return f"""WHEN {raw} IS NOT NULL AND {val} IS NULL THEN '{n[key]} ' || {quoted(raw)} || ' is not a number'
        WHEN {val} < 0 THEN 'negative {n[key]} ' || {quoted(raw)}"""

    problem = f"""CASE
        WHEN i.src IS NULL OR i.src NOT IN ('FTS', 'MIRROR')
            THEN 'unknown {n['source']} ' || {quoted('i.src')} || ': expected FTS or MIRROR'
        WHEN i.napr IS NULL OR i.napr NOT IN ('ИМ', 'ЭК')
            THEN 'unknown {n['napr']} ' || {quoted('i.napr')} || ': expected ИМ (Russian import) or ЭК (Russian export)'
        WHEN i.month IS NULL THEN '{n['period']} ' || {quoted('i.period_raw')} || ' is not a month (YYYY-MM)'
        WHEN i.partner_raw IS NULL THEN '{n['partner']} is empty'
        WHEN p.iso3 IS NULL THEN 'unknown partner ' || {quoted('i.partner_raw')}
        WHEN {mirror} AND p.iso3 <> 'IND'
            THEN 'MIRROR rows are India''s statistics, but {n['partner']} ' || {quoted('i.partner_raw')} || ' is not India'
        WHEN {fts} AND NOT (regexp_full_match({code}, '[0-9]{{10}}') OR i.code = 'XXXXXXXXXX')
            THEN 'product code ' || {quoted('i.code_raw')} || ' is not a 10-digit TN VED code'
        WHEN {mirror} AND NOT regexp_full_match({code}, '[0-9]{{6}}')
            THEN 'product code ' || {quoted('i.code_raw')} || ' is not a 6-digit HS code'
        {bad_number('value', 'i.v_raw', 'i.v')}
        WHEN {fts} AND i.v IS NULL THEN '{n['value']} is empty'
        {bad_number('netto', 'i.n_raw', 'i.n')}
        {bad_number('kol', f"CASE WHEN {fts} THEN i.k_raw END", f"CASE WHEN {fts} THEN i.k END")}
        WHEN {fts} AND i.k <> 0 AND i.unit IS NULL
            THEN '{n['kol']} ' || {quoted('i.k_raw')} || ' has no unit'
    END"""
    # Rows with a problem pass through the optimistic INSERT (then are deleted), so every
    # NOT NULL column gets a placeholder.
    return f"""
    WITH i AS (SELECT *, trim(code_raw) AS code FROM ({inner})),
    s AS (
        SELECT i.*, p.iso3 AS partner_iso3, {code} AS fixed_code, {problem} AS problem,
               CASE WHEN {short} THEN '{REPAIR}' END AS repaired
        FROM i LEFT JOIN {partners} AS p ON p.name = i.partner_raw
    )
    SELECT
        source_row,
        CASE WHEN src = 'MIRROR' THEN 'in-monthly' ELSE 'ru-fts' END AS dataset,
        'month' AS period_type,
        coalesce(month, period_raw, '') AS period,
        coalesce(CAST(month || '-01' AS DATE), DATE '0001-01-01') AS period_start,
        coalesce(last_day(CAST(month || '-01' AS DATE)), DATE '0001-01-31') AS period_end,
        CASE WHEN src = 'MIRROR' THEN 'IND' ELSE 'RUS' END AS reporter,
        CASE WHEN src = 'MIRROR' THEN 'RUS' ELSE partner_iso3 END AS partner,
        -- MIRROR rows name India (the reporter) in the partner column; Russia is implied.
        CASE WHEN src = 'MIRROR' THEN 'RUS' ELSE partner_raw END AS partner_reported,
        CASE WHEN (src = 'MIRROR') = (napr = 'ИМ') THEN 'export' ELSE 'import' END AS flow,
        fixed_code AS product_code,
        CASE WHEN src = 'MIRROR' THEN 'HS' ELSE 'TNVED' END AS nomenclature,
        coalesce(src = 'FTS' AND code = 'XXXXXXXXXX', false) AS confidential,
        v AS value_usd,
        CAST(NULL AS DOUBLE) AS value_local,
        CAST(NULL AS VARCHAR) AS local_currency,
        CASE WHEN src = 'MIRROR' THEN round(n * 1000, 6)
             WHEN unit IS NULL AND k = 0 THEN NULL ELSE k END AS quantity,
        CASE WHEN src = 'MIRROR' THEN unit WHEN unit IS NULL AND k = 0 THEN NULL ELSE unit END AS quantity_unit,
        CASE WHEN src = 'FTS' THEN n END AS net_weight_kg,
        problem,
        repaired,
        CASE WHEN problem IS NOT NULL THEN raw_text END AS raw
    FROM s
    """


def read(path: Path, /) -> Batch:
    """Describe how to stage the Russia-India monthly CSV (see module docstring)."""
    found = csv_columns(path, REQUIRED, "Russia-India monthly CSV")
    # Everything as text: bad numbers become rejects with the value named, not parse errors.
    columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in found) + "}"
    csv = (f"read_csv({sql_path(path)}, header = true, delim = ',', quote = '\"', escape = '\"', "
           f"columns = {columns}")

    def col(name: str) -> str:
        return f"r.{name}" if name in found else "CAST(NULL AS VARCHAR)"

    def num(name: str) -> str:
        return f"try_cast({col(name)} AS DOUBLE)"

    raw = "concat_ws(',', " + ", ".join(f"coalesce(r.{c}, '')" for c in found) + ")"
    inner = f"""
        SELECT r.source_row, trim(r.source) AS src, trim(r.napr_ru) AS napr,
               CASE WHEN regexp_full_match(trim(r.period), '[0-9]{{4}}-(0[1-9]|1[0-2])') THEN trim(r.period) END AS month,
               r.period AS period_raw, r.partner_iso3 AS partner_raw, r.hs_code AS code_raw,
               nullif(trim({col('unit')}), '') AS unit,
               {num('value_usd')} AS v, r.value_usd AS v_raw, {num('netto')} AS n, {col('netto')} AS n_raw,
               {num('kol')} AS k, {col('kol')} AS k_raw, {raw} AS raw_text
        FROM (SELECT {ROW_NUMBER} AS source_row, * FROM {csv}, store_rejects = true)) AS r"""
    names = {"source": "source", "napr": "napr_ru", "period": "period", "partner": "partner_iso3",
             "code": "hs_code", "value": "value_usd", "netto": "netto", "kol": "kol"}
    partners = partner_table(path, f"{csv}, ignore_errors = true)", "partner_iso3")
    return Batch(
        format=NAME,
        select_sql=stage_sql(inner, partners="ru_in_csv_partners", names=names),
        tables={"ru_in_csv_partners": partners},
        csv_rejects=True,
        key_unique=False,
        notes=list(NOTES),
    )
