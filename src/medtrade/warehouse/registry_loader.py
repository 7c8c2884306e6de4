"""Load one :class:`~medtrade.sources.registry.base.RegistryBatch` in one transaction.

Same guarantees as trade loads: a file whose SHA-256 is recorded adds nothing; rows read
= loaded + rejected, recorded in ``source_files``; every reject is kept with its reason;
an error rolls everything back. A product loaded again from a later release of the same
register (same ``registry`` and ``product_key``) supersedes the earlier rows: the
release is the date the file states (``as_of``), else the time it was loaded.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from medtrade import __version__
from medtrade.sources.registry.base import NAMES, RegistryBatch
from medtrade.warehouse.report import LoadReport


def load_registry(con: duckdb.DuckDBPyConnection, path: Path, digest: str, batch: RegistryBatch,
                  started: float) -> LoadReport:
    """Insert the batch, its rejects and its ``source_files`` row atomically; returns the report."""
    con.execute("BEGIN TRANSACTION")
    try:
        report = _load(con, path, digest, batch, started)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        try:
            con.unregister("_registry_batch")
        except duckdb.Error:
            pass
    return report


def _load(con: duckdb.DuckDBPyConnection, path: Path, digest: str, batch: RegistryBatch,
          started: float) -> LoadReport:
    file_id = con.execute("SELECT coalesce(max(file_id), 0) + 1 FROM source_files").fetchone()[0]
    con.register("_registry_batch", batch.table)
    columns = ", ".join(NAMES)
    con.execute(f"INSERT INTO registrations (file_id, {columns}, superseded_by)"
                f" SELECT {int(file_id)}, {columns}, NULL FROM _registry_batch")
    if batch.rejects:
        con.executemany("INSERT INTO rejects VALUES (?, ?, ?, ?)",
                        [[file_id, row, reason, raw] for row, reason, raw in batch.rejects])
    release = batch.as_of.isoformat() if batch.as_of else None
    overlapping, superseded, lost = _supersede(con, file_id, batch.registry, release)
    notes = list(batch.notes)
    stage_rows = batch.table.num_rows
    if stage_rows != batch.rows_loaded:
        notes.append(f"{stage_rows:,} registration rows from {batch.rows_loaded:,} records "
                     "(one row per production stage)")
    reasons: dict[str, int] = {}
    for _, reason, _ in batch.rejects:
        reasons[reason] = reasons.get(reason, 0) + 1
    seconds = time.perf_counter() - started
    con.execute(
        "INSERT INTO source_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [file_id, str(path.resolve()), path.name, digest, path.stat().st_size, batch.format, [batch.registry],
         release, batch.rows_read, batch.rows_loaded, len(batch.rejects), overlapping, seconds,
         datetime.now(UTC).replace(tzinfo=None), __version__, notes],
    )
    return LoadReport(
        path=str(path), sha256=digest, status="loaded", format=batch.format, file_id=file_id,
        datasets=[batch.registry], rows_read=batch.rows_read, rows_loaded=batch.rows_loaded,
        rows_rejected=len(batch.rejects), rows_overlapping=overlapping, rows_superseded=superseded,
        rows_superseded_here=lost, reject_reasons=reasons, notes=notes, seconds=seconds,
    )


def _supersede(con: duckdb.DuckDBPyConnection, file_id: int, registry: str,
               release: str | None) -> tuple[int, int, int]:
    """Mark the older release of each product superseded: (overlapping rows, superseded rows, of them this file's)."""
    others = con.execute("SELECT count(*) FROM registrations WHERE registry = ? AND file_id <> ?"
                         " AND superseded_by IS NULL", [registry, file_id]).fetchone()[0]
    if not others:
        return 0, 0, 0
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _reg_overlap AS
           WITH files AS (SELECT file_id, coalesce(release, strftime(loaded_at, '%Y-%m-%d %H:%M:%S')) AS rel
                          FROM source_files
                          UNION ALL SELECT $1, coalesce($3, strftime(now()::TIMESTAMP, '%Y-%m-%d %H:%M:%S'))),
                hits AS (SELECT DISTINCT r.file_id, r.product_key FROM registrations r
                         WHERE r.registry = $2 AND r.superseded_by IS NULL
                           AND r.product_key IN (SELECT product_key FROM registrations WHERE file_id = $1)),
                winners AS (SELECT product_key, arg_max(h.file_id, (f.rel, h.file_id)) AS winner,
                                   count(*) AS files
                            FROM hits h JOIN files f USING (file_id) GROUP BY product_key)
           SELECT h.file_id, h.product_key, w.winner FROM hits h JOIN winners w USING (product_key)
           WHERE w.files > 1""",
        [file_id, registry, release],
    )
    overlapping = con.execute(
        "SELECT count(*) FROM registrations r SEMI JOIN (SELECT product_key FROM _reg_overlap WHERE file_id = $1) o"
        " USING (product_key) WHERE r.file_id = $1", [file_id]).fetchone()[0]
    superseded = con.execute(
        """UPDATE registrations SET superseded_by = o.winner
           FROM (SELECT * FROM _reg_overlap WHERE file_id <> winner) o
           WHERE registrations.file_id = o.file_id AND registrations.product_key = o.product_key
             AND registrations.registry = ? AND registrations.superseded_by IS NULL""", [registry]).fetchone()[0]
    lost = con.execute("SELECT count(*) FROM registrations WHERE file_id = ? AND superseded_by IS NOT NULL",
                       [file_id]).fetchone()[0]
    con.execute("DROP TABLE _reg_overlap")
    return int(overlapping), int(superseded), int(lost)
