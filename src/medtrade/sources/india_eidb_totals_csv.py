"""India's Export-Import Data Bank, commodity totals to the world by fiscal year (dataset ``in-eidb``).

Layout (``../shared/data/trade/india_eidb/SOURCE.md``, finding 4)::

    hs8,fy,fy_start_year,total_usd_mn,total_inr_crore,india_total_exports_usd_mn,india_total_exports_inr_crore,pct_share

One row per ITC-HS8 code x Indian fiscal year: India's exports of the code to all
countries (US$ million and INR crore, 2 decimals), beside India's total merchandise
exports that year and the code's share of it.

Each commodity total is loaded as one export row with partner ``WLD``
(:data:`medtrade.catalog.countries.WORLD`) and ``partner_reported`` ``WORLD (commodity
total)``. These rows sit in dataset ``in-eidb`` next to the partner rows of the EIDB
annual table, so a sum over partners must leave ``WLD`` out (``analysis.flows.select``
does when no partner is given).

A row with an empty total means EIDB published no exports of that code that year (the
partner table has no row for it either). It is rejected with the reason ``empty total
(no exports published for this HS8 and year)`` so every line of the file is accounted
for, rather than loaded as a NULL flow or an invented zero.

India's total exports are one constant per fiscal year: they are reported in the load
notes (one per year), not loaded as rows; ``pct_share`` is derived and not loaded.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from medtrade.catalog import countries
from medtrade.sources.base import ROW_NUMBER, Batch, csv_columns, first_line, sql_path

NAME = "india-eidb-totals-csv"
COLUMNS = ["hs8", "fy", "fy_start_year", "total_usd_mn", "total_inr_crore",
           "india_total_exports_usd_mn", "india_total_exports_inr_crore", "pct_share"]
REQUIRED = ["hs8", "fy", "total_usd_mn"]
NUMERIC = ("total_usd_mn", "total_inr_crore", "india_total_exports_usd_mn", "india_total_exports_inr_crore", "pct_share")
PARTNER_REPORTED = "WORLD (commodity total)"
EMPTY_TOTAL = "empty total (no exports published for this HS8 and year)"


def detect(path: Path, /) -> bool:
    """True for a CSV whose header has ``total_usd_mn`` and ``india_total_exports_usd_mn``."""
    header = first_line(path).lower()
    return "total_usd_mn" in header and "india_total_exports_usd_mn" in header


def _read_csv(path: Path, found: list[str], *, store_rejects: bool) -> str:
    types = {c: ("DOUBLE" if c in NUMERIC else "VARCHAR") for c in found}
    columns = "{" + ", ".join(f"'{c}': '{t}'" for c, t in types.items()) + "}"
    errors = "store_rejects = true" if store_rejects else "ignore_errors = true"
    return (f"read_csv({sql_path(path)}, header = true, delim = ',', quote = '\"', escape = '\"', "
            f"columns = {columns}, {errors})")


def india_total_notes(path: Path, found: list[str]) -> list[str]:
    """One note per fiscal year with India's total merchandise exports as the file states them."""
    if "india_total_exports_usd_mn" not in found:
        return []
    inr = "india_total_exports_inr_crore" if "india_total_exports_inr_crore" in found else "NULL"
    try:
        rows = duckdb.connect().execute(
            f"""SELECT fy, list(DISTINCT india_total_exports_usd_mn ORDER BY india_total_exports_usd_mn),
                       list(DISTINCT {inr} ORDER BY {inr})
                FROM {_read_csv(path, found, store_rejects=False)}
                WHERE fy IS NOT NULL AND india_total_exports_usd_mn IS NOT NULL
                GROUP BY fy ORDER BY fy""").fetchall()
    except duckdb.Error:
        return []  # the load itself reports what is wrong with the file
    notes = []
    for fy, usd, inr_values in rows:
        inr_values = [v for v in inr_values if v is not None]
        text = " / ".join(f"US$ {v:,.2f} mn" for v in usd)
        if inr_values:
            text += " (" + " / ".join(f"INR {v:,.2f} crore" for v in inr_values) + ")"
        warn = "; the file states several different figures" if len(usd) > 1 or len(inr_values) > 1 else ""
        notes.append(f"India's total merchandise exports FY{fy}: {text} (not loaded as rows){warn}")
    return notes


def read(path: Path, /) -> Batch:
    """Describe how to stage the EIDB world-totals CSV (see module docstring)."""
    found = csv_columns(path, REQUIRED, "India EIDB world-totals CSV")
    has = {c: c in found for c in COLUMNS}
    inr = "r.total_inr_crore" if has["total_inr_crore"] else "NULL"
    code = "r.hs8"
    fixed_code = f"CASE WHEN regexp_full_match({code}, '[0-9]{{7}}') THEN '0' || {code} ELSE {code} END"
    good_fy = (f"(r.fy IS NOT NULL AND regexp_full_match(r.fy, '[0-9]{{4}}-[0-9]{{2}}') "
               f"AND right(r.fy, 2) = lpad(((try_cast(left(r.fy, 4) AS INTEGER) + 1) % 100)::VARCHAR, 2, '0'))")
    # Rows with a bad year still pass through trade_flows (NOT NULL period) before the careful pass rejects them.
    fy_start = f"CASE WHEN {good_fy} THEN try_cast(left(r.fy, 4) AS INTEGER) ELSE 1900 END"
    start_check = (f"r.fy_start_year IS NOT NULL AND try_cast(r.fy_start_year AS INTEGER) IS DISTINCT FROM {fy_start}"
                   if has["fy_start_year"] else "false")
    problem = f"""CASE
        WHEN {code} IS NULL OR NOT regexp_full_match({fixed_code}, '[0-9]{{8}}')
            THEN 'product code ' || coalesce('"' || {code} || '"', '(empty)') || ' is not an 8-digit ITC-HS code'
        WHEN NOT {good_fy}
            THEN 'fiscal year ' || coalesce('"' || r.fy || '"', '(empty)') || ' is not of the form 2022-23'
        WHEN {start_check} THEN 'fy_start_year ' || r.fy_start_year || ' disagrees with fy ' || r.fy
        WHEN r.total_usd_mn IS NULL THEN '{EMPTY_TOTAL}'
        WHEN r.total_usd_mn < 0 OR coalesce({inr}, 0) < 0
            THEN 'negative total (total_usd_mn ' || r.total_usd_mn || ', total_inr_crore ' || coalesce({inr}::VARCHAR, '') || ')'
    END"""
    raw = "concat_ws(',', " + ", ".join(f"coalesce(r.{c}::VARCHAR, '')" for c in found) + ")"
    sql = f"""
    SELECT
        r.source_row,
        'in-eidb' AS dataset,
        'fy' AS period_type,
        CASE WHEN {good_fy} THEN 'FY' || r.fy ELSE coalesce(r.fy, '') END AS period,
        make_date({fy_start}, 4, 1) AS period_start,
        make_date({fy_start} + 1, 3, 31) AS period_end,
        'IND' AS reporter,
        '{countries.WORLD}' AS partner,
        '{PARTNER_REPORTED}' AS partner_reported,
        'export' AS flow,
        {fixed_code} AS product_code,
        'ITC-HS' AS nomenclature,
        false AS confidential,
        r.total_usd_mn * 1e6 AS value_usd,
        {inr} * 1e7 AS value_local,
        {"'INR'" if has["total_inr_crore"] else "NULL"} AS local_currency,
        CAST(NULL AS DOUBLE) AS quantity,
        CAST(NULL AS VARCHAR) AS quantity_unit,
        CAST(NULL AS DOUBLE) AS net_weight_kg,
        {problem} AS problem,
        CASE WHEN regexp_full_match({code}, '[0-9]{{7}}') THEN 'restored the leading zero of 7-digit ITC-HS codes' END AS repaired,
        CASE WHEN ({problem}) IS NOT NULL THEN {raw} END AS raw
    FROM (SELECT {ROW_NUMBER} AS source_row, * FROM {_read_csv(path, found, store_rejects=True)}) AS r
    """
    return Batch(
        format=NAME,
        select_sql=sql,
        csv_rejects=True,
        key_unique=True,
        notes=[
            f"commodity totals to all countries loaded with partner {countries.WORLD} "
            f"(\"{PARTNER_REPORTED}\"); never add them to partner rows",
            "values published in US$ million (2 decimals) and INR crore; both kept",
            "rows with an empty total are rejected as 'empty total': EIDB published no exports of that HS8 that year",
            *india_total_notes(path, found),
        ],
    )
