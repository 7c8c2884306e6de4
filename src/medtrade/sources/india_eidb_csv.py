"""India's Export-Import Data Bank, annual export table as CSV (dataset ``in-eidb``).

Layout (``../shared/data/trade/india_eidb/SOURCE.md``)::

    hs8,description,unit,fy,fy_start_year,partner,value_usd_mn,value_inr_crore,quantity

One row per ITC-HS8 code x partner x Indian fiscal year; India is always the exporter.
Values are published in US$ million (2 decimals) and INR crore; both are kept
(``value_usd`` in USD, ``value_local`` in INR). Partners are DGCI&S spellings, mapped to
ISO3 through the hand-checked table in the country catalog.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa

from medtrade.catalog import countries
from medtrade.catalog.periods import fy
from medtrade.sources.base import ROW_NUMBER, Batch, csv_columns, first_line, sql_path

NAME = "india-eidb-csv"
COLUMNS = ["hs8", "description", "unit", "fy", "fy_start_year", "partner", "value_usd_mn", "value_inr_crore", "quantity"]
REQUIRED = ["hs8", "fy", "partner", "value_usd_mn"]


def detect(path: Path, /) -> bool:
    """True for a CSV whose header has `hs8` and `partner` columns.

    Any delimiter, and other columns may be missing, so that :func:`read` explains
    a wrong delimiter or a missing column instead of "unknown format".
    """
    header = first_line(path).lower()
    names = {name.strip().strip('"').strip() for name in re.split(r"[,;\t|]", header)}
    return {"hs8", "partner"} <= names


def partner_table() -> pa.Table:
    """The DGCI&S partner spelling -> ISO3 mapping as an Arrow table for the staging SQL."""
    mapping = countries.eidb_partner_map()
    return pa.table({"name": list(mapping), "iso3": list(mapping.values())})


def fiscal_years(first: int = 1950, last: int = 2100) -> pa.Table:
    """EIDB fiscal-year spellings (``2022-23``) with their label and dates, for the staging SQL."""
    years = [fy(y) for y in range(first, last)]
    return pa.table({
        "fy": [f"{p.start.year}-{(p.start.year + 1) % 100:02d}" for p in years],
        "start_year": [p.start.year for p in years],
        "label": [p.label for p in years],
        "period_start": [p.start for p in years],
        "period_end": [p.end for p in years],
    })


def read(path: Path, /) -> Batch:
    """Describe how to stage an EIDB annual CSV (see module docstring)."""
    found = csv_columns(path, REQUIRED, "India EIDB CSV")
    optional = {c: c in found for c in COLUMNS}
    types = {c: ("DOUBLE" if c in ("value_usd_mn", "value_inr_crore", "quantity") else "VARCHAR") for c in found}

    def col(name: str, default: str = "NULL") -> str:
        return f"r.{name}" if optional[name] else default

    columns = "{" + ", ".join(f"'{c}': '{t}'" for c, t in types.items()) + "}"
    code = "r.hs8"
    # ITC-HS codes are 8 digits; spreadsheets drop the leading zero of chapters 01-09.
    lost_zero = f"(length({code}) = 7 AND regexp_full_match({code}, '[0-9]{{7}}'))"
    fixed_code = f"CASE WHEN {lost_zero} THEN '0' || {code} ELSE {code} END"
    problem = f"""CASE
        WHEN {code} IS NULL OR NOT regexp_full_match({fixed_code}, '[0-9]{{8}}')
            THEN 'product code ' || coalesce('"' || {code} || '"', '(empty)') || ' is not an 8-digit ITC-HS code'
        WHEN r.partner IS NULL THEN 'partner is empty'
        WHEN p.iso3 IS NULL THEN 'unknown partner "' || r.partner || '": not in the DGCI&S name mapping (medtrade/catalog/data/eidb_partners.csv)'
        WHEN y.fy IS NULL
            THEN 'fiscal year ' || coalesce('"' || r.fy || '"', '(empty)') || ' is not of the form 2022-23'
        WHEN {'r.fy_start_year IS NOT NULL AND try_cast(r.fy_start_year AS INTEGER) IS DISTINCT FROM y.start_year' if optional['fy_start_year'] else 'false'}
            THEN 'fy_start_year ' || r.fy_start_year || ' disagrees with fy ' || r.fy
        WHEN r.value_usd_mn IS NULL THEN 'value_usd_mn is empty'
        WHEN r.value_usd_mn < 0 OR {col('value_inr_crore', '0')} < 0 OR {col('quantity', '0')} < 0
            THEN 'negative value (value_usd_mn ' || r.value_usd_mn || ', value_inr_crore ' || coalesce({col('value_inr_crore')}::VARCHAR, '') || ', quantity ' || coalesce({col('quantity')}::VARCHAR, '') || ')'
    END"""
    def field(c: str) -> str:  # the value as a CSV field: text with a comma or quote is quoted
        if types[c] != "VARCHAR":
            return f"coalesce(r.{c}::VARCHAR, '')"
        return (f"""CASE WHEN regexp_matches(r.{c}, '[,"]') THEN '"' || replace(r.{c}, '"', '""') || '"' """
                f"ELSE coalesce(r.{c}, '') END")

    raw = "concat_ws(',', " + ", ".join(field(c) for c in found) + ")"
    sql = f"""
    SELECT
        r.source_row,
        'in-eidb' AS dataset,
        'fy' AS period_type,
        y.label AS period,
        y.period_start,
        y.period_end,
        'IND' AS reporter,
        p.iso3 AS partner,
        r.partner AS partner_reported,
        'export' AS flow,
        {fixed_code} AS product_code,
        'ITC-HS' AS nomenclature,
        false AS confidential,
        r.value_usd_mn * 1e6 AS value_usd,
        {col('value_inr_crore')} * 1e7 AS value_local,
        {"'INR'" if optional['value_inr_crore'] else 'NULL'} AS local_currency,
        {col('quantity')} AS quantity,
        {col('unit')} AS quantity_unit,
        CAST(NULL AS DOUBLE) AS net_weight_kg,
        {problem} AS problem,
        CASE WHEN {lost_zero} THEN 'restored the leading zero of 7-digit ITC-HS codes' END AS repaired,
        -- Record-numbered (careful) pass: every row keeps its text, so a duplicate shows the line as published.
        CASE WHEN r.source_row IS NOT NULL OR ({problem}) IS NOT NULL THEN {raw} END AS raw
    FROM (
        SELECT {ROW_NUMBER} AS source_row, *
        FROM read_csv({sql_path(path)}, header = true, delim = ',', quote = '"', escape = '"',
                      columns = {columns}, store_rejects = true)
    ) AS r
    LEFT JOIN eidb_partners AS p ON p.name = r.partner
    -- Seven distinct years in 2.5 M rows: a join costs a tenth of per-row date arithmetic.
    LEFT JOIN eidb_years AS y ON y.fy = r.fy
    """
    return Batch(
        format=NAME,
        select_sql=sql,
        tables={"eidb_partners": partner_table(), "eidb_years": fiscal_years()},
        csv_rejects=True,
        key_unique=True,
        varying_key=("partner_reported", "product_code", "period"),  # one reporter, flow and dataset
        notes=["values published in US$ million (2 decimals) and INR crore; both kept"],
    )
