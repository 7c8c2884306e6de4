"""Warehouse schema as numbered, idempotent migrations.

Each migration runs once, in its own transaction, and is recorded in
``schema_version``. Later stages add tables (``registrations``, ``events``) by
appending to :data:`MIGRATIONS`; never edit a migration that has shipped.
"""

from __future__ import annotations

import duckdb

from medtrade.warehouse import index

MIGRATIONS: list[tuple[int, str, str]] = [
    (
        1,
        "trade flows, source files, rejects",
        """
        CREATE TABLE IF NOT EXISTS source_files (
            file_id INTEGER PRIMARY KEY,
            path VARCHAR NOT NULL,
            name VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL UNIQUE,
            size_bytes BIGINT NOT NULL,
            format VARCHAR NOT NULL,
            datasets VARCHAR[] NOT NULL,
            release VARCHAR,
            rows_read BIGINT NOT NULL,
            rows_loaded BIGINT NOT NULL,
            rows_rejected BIGINT NOT NULL,
            rows_overlapping BIGINT NOT NULL,
            seconds DOUBLE NOT NULL,
            loaded_at TIMESTAMP NOT NULL,
            medtrade_version VARCHAR NOT NULL,
            notes VARCHAR[] NOT NULL
        );
        CREATE TYPE dataset_t AS ENUM ('in-eidb', 'in-monthly', 'ru-fts', 'comtrade', 'baci');
        CREATE TYPE period_type_t AS ENUM ('fy', 'year', 'month');
        CREATE TYPE flow_t AS ENUM ('export', 'import', 're-export', 're-import');
        CREATE TYPE nomenclature_t AS ENUM ('HS', 'ITC-HS', 'TNVED');
        -- Low-cardinality columns are ENUMs: a 2.5 M-row load writes bytes, not strings.
        CREATE TABLE IF NOT EXISTS trade_flows (
            file_id INTEGER NOT NULL,
            dataset dataset_t NOT NULL,
            period_type period_type_t NOT NULL,
            period VARCHAR NOT NULL,
            period_start DATE NOT NULL,
            period_end DATE NOT NULL,
            reporter VARCHAR NOT NULL,
            partner VARCHAR,
            partner_reported VARCHAR,
            flow flow_t NOT NULL,
            product_code VARCHAR,
            nomenclature nomenclature_t NOT NULL,
            confidential BOOLEAN NOT NULL,
            value_usd DOUBLE,
            value_local DOUBLE,
            local_currency VARCHAR,
            quantity DOUBLE,
            quantity_unit VARCHAR,
            net_weight_kg DOUBLE,
            -- NULL: current; else the file whose release of the same flow replaced this row.
            superseded_by INTEGER
        );
        CREATE TABLE IF NOT EXISTS rejects (
            file_id INTEGER NOT NULL,
            row_number BIGINT,
            reason VARCHAR NOT NULL,
            raw VARCHAR
        );
        """,
    ),
]

MIGRATIONS.append(
    (
        2,
        "user-supplied exchange rates",
        """
        CREATE TABLE IF NOT EXISTS user_rates (
            date DATE NOT NULL,
            currency VARCHAR NOT NULL,
            per_usd DOUBLE NOT NULL,
            file VARCHAR NOT NULL,
            added_at TIMESTAMP NOT NULL
        );
        """,
    )
)

MIGRATIONS.append(
    (
        3,
        "registrations (drug and device registers)",
        """
        -- One row per product and production stage where the register lists stages
        -- (docs/registry.md). Countries are ISO3; *_reported is the name as published;
        -- *_basis says whether the register states the country or medtrade inferred it.
        CREATE TABLE IF NOT EXISTS registrations (
            file_id INTEGER NOT NULL,
            registry VARCHAR NOT NULL,
            product_key VARCHAR NOT NULL,
            reg_number VARCHAR,
            reg_date DATE,
            status VARCHAR,
            trade_name VARCHAR,
            inn VARCHAR,
            atc VARCHAR,
            dosage_form VARCHAR,
            holder VARCHAR,
            holder_key VARCHAR,
            holder_country VARCHAR,
            holder_country_reported VARCHAR,
            holder_country_basis VARCHAR,
            stage VARCHAR,
            stage_kind VARCHAR,
            manufacturer VARCHAR,
            manufacturer_key VARCHAR,
            manufacturer_country VARCHAR,
            manufacturer_country_reported VARCHAR,
            manufacturer_country_basis VARCHAR,
            ean VARCHAR,
            source_row BIGINT,
            -- NULL: current; else the file whose later release of the same product replaced this row.
            superseded_by INTEGER
        );
        """,
    )
)

MIGRATIONS.append((4, "flow index (flow_periods, flow_headings)", index.BUILD_SQL))

MIGRATIONS.append(
    (
        5,
        "events",
        """
        -- The corridor's timeline (docs/events.md). date is the first day of what the source states;
        -- date_precision (day, month, year) says how much of it the source stated. corridor is ISO3-ISO3
        -- as written; queries match either order.
        CREATE SEQUENCE IF NOT EXISTS events_id_seq START 1;
        CREATE TABLE IF NOT EXISTS events (
            event_id INTEGER PRIMARY KEY DEFAULT nextval('events_id_seq'),
            date DATE NOT NULL,
            date_precision VARCHAR NOT NULL,
            corridor VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            title VARCHAR NOT NULL,
            status VARCHAR NOT NULL,
            source_url VARCHAR NOT NULL,
            file VARCHAR,
            added_at TIMESTAMP NOT NULL
        );
        """,
    )
)

LATEST = MIGRATIONS[-1][0]


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest applied migration (0 for a new warehouse)."""
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return 0
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def _ensure_version_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
    )


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every pending migration; returns the versions applied (empty when up to date)."""
    applied: list[int] = []
    _ensure_version_table(con)
    for version, name, sql in MIGRATIONS:
        if version <= current_version(con):
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_version VALUES (?, ?, current_timestamp::TIMESTAMP)", [version, name]
            )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied
