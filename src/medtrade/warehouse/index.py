"""The flow index: what the warehouse holds, per dataset, reporter, flow and period, kept small.

Before a verb scans ``trade_flows`` it asks which datasets hold the reporter's flows,
in which periods, with how many partners (to decide whether partners can be ranked),
and which headings vanish between periods (a nomenclature change or a gap). Asked of
``trade_flows`` itself those are full scans, each as costly as the answer; asked of
this index they cost a fraction of a millisecond. Two tables, rebuilt inside every
load's transaction for the (dataset, reporter) pairs the file touched, so they always
describe the current rows (superseded rows left out):

``flow_periods``  one row per dataset, reporter, flow and published period: rows,
                  sorted distinct partners (``XXX``/``WLD`` included), the files behind it.
``flow_headings`` one row per dataset, reporter, flow, period and HS4 heading (first four
                  characters of the code): rows and US$ value, world-total rows excluded.
"""

from __future__ import annotations

import duckdb

#: Created by migration 4 (see :mod:`medtrade.warehouse.schema`).
TABLES_SQL = """
CREATE TABLE IF NOT EXISTS flow_periods (
    dataset dataset_t NOT NULL,
    reporter VARCHAR NOT NULL,
    flow flow_t NOT NULL,
    period_type period_type_t NOT NULL,
    period VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    "rows" BIGINT NOT NULL,
    partners VARCHAR[] NOT NULL,
    file_ids INTEGER[] NOT NULL
);
CREATE TABLE IF NOT EXISTS flow_headings (
    dataset dataset_t NOT NULL,
    reporter VARCHAR NOT NULL,
    flow flow_t NOT NULL,
    period_type period_type_t NOT NULL,
    period VARCHAR NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    hs4 VARCHAR,
    "rows" BIGINT NOT NULL,
    value_usd DOUBLE
);
"""

_KEYS = "dataset, reporter, flow, period_type, period, period_start, period_end"
# Stored in this order, a reporter's rows sit together and DuckDB skips the rest (zone maps).
_ORDER = "reporter, flow, dataset, period_start"


def _touched(table: str) -> str:
    return f"EXISTS (SELECT 1 FROM _touched t WHERE t.dataset = {table}.dataset AND t.reporter = {table}.reporter)"


def _fill(where: str) -> str:
    return f"""
    INSERT INTO flow_periods
        SELECT {_KEYS}, count(*), list_sort(list(DISTINCT partner) FILTER (partner IS NOT NULL)),
               list_sort(list(DISTINCT file_id))
        FROM trade_flows WHERE superseded_by IS NULL AND {where} GROUP BY ALL ORDER BY {_ORDER};
    INSERT INTO flow_headings
        SELECT {_KEYS}, left(product_code, 4) AS hs4, count(*), sum(value_usd)
        FROM trade_flows WHERE superseded_by IS NULL AND partner IS DISTINCT FROM 'WLD' AND {where} GROUP BY ALL
        ORDER BY {_ORDER};
    """


#: Fills the index from every current row (the migration that creates the tables runs it).
BUILD_SQL = TABLES_SQL + _fill("true")


def refresh(con: duckdb.DuckDBPyConnection, file_id: int, /) -> None:
    """Rebuild the index for the (dataset, reporter) pairs of file *file_id*, in the caller's transaction.

    Run after the file's rows are in and older releases marked superseded, so the rows
    of other files that this one replaced drop out of the index too.
    """
    con.execute("CREATE OR REPLACE TEMP TABLE _touched AS SELECT DISTINCT dataset, reporter FROM trade_flows"
                " WHERE file_id = ?", [file_id])
    for table in ("flow_periods", "flow_headings"):
        con.execute(f"DELETE FROM {table} WHERE {_touched(table)}")
    con.execute(_fill(_touched("trade_flows")))
    con.execute("DROP TABLE _touched")
