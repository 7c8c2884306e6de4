"""The warehouse: one DuckDB file, reached through Ibis, written by atomic loads.

Every load is one transaction: stage the file, reject bad rows with reasons, insert
the good rows, mark superseded overlaps, record the file. A failure or a killed
process leaves the warehouse exactly as it was (DuckDB rolls back an uncommitted
transaction when it next opens the file).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import ibis
from ibis.backends.duckdb import Backend as DuckDBBackend

from medtrade import __version__
from medtrade.errors import SourceError, WarehouseError
from medtrade.sources import read_file
from medtrade.sources.base import FLOW_COLUMNS, STAGE_COLUMNS, Batch
from medtrade.warehouse.report import LoadReport
from medtrade.warehouse.schema import LATEST, current_version, migrate

#: Called during a load with (fraction done 0..1, rows staged so far or None).
Progress = Callable[[float, int | None], None]

KEY = ("dataset", "reporter", "partner", "flow", "product_code", "period")


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class Warehouse:
    """A medtrade warehouse file.

    Parameters
    ----------
    path : the DuckDB file; created (and migrated) when writable and absent.
    read_only : open for queries only; several read-only processes may share a file.

    Examples
    --------
    >>> wh = Warehouse("medtrade.duckdb")                      # doctest: +SKIP
    >>> wh.load("india_exports.csv.gz").rows_loaded            # doctest: +SKIP
    2478935
    >>> wh.table("trade_flows").count().execute()              # doctest: +SKIP
    """

    def __init__(self, path: str | Path, /, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise WarehouseError(f"warehouse `{self.path}` does not exist: run `medtrade load FILE` or `medtrade demo` first")
        try:
            self.ibis: DuckDBBackend = ibis.duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as exc:
            raise WarehouseError(f"cannot open warehouse `{self.path}`: {str(exc).splitlines()[0]}") from None
        self.con: duckdb.DuckDBPyConnection = self.ibis.con
        if read_only:
            if current_version(self.con) < LATEST:
                raise WarehouseError(f"warehouse `{self.path}` needs a schema upgrade: open it once without --read-only")
        else:
            migrate(self.con)

    def close(self) -> None:
        """Close the connection."""
        self.ibis.disconnect()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def table(self, name: str, /) -> ibis.Table:
        """An Ibis table of the warehouse (``trade_flows``, ``source_files``, ``rejects``...)."""
        return self.ibis.table(name)

    def source_files(self) -> list[dict]:
        """Every loaded file with its counts, oldest first."""
        cur = self.con.execute(
            "SELECT file_id, name, format, datasets, sha256, rows_read, rows_loaded, rows_rejected,"
            " rows_overlapping, release, loaded_at, seconds, path FROM source_files ORDER BY file_id"
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]

    # ------------------------------------------------------------------ loads
    def load(self, path: str | Path, /, *, source: str | None = None, progress: Progress | None = None) -> LoadReport:
        """Load one file atomically and idempotently; see the module docstring."""
        path = Path(path)
        if not path.is_file():
            raise SourceError(f"{path}: no such file")
        started = time.perf_counter()
        digest = sha256_of(path)
        known = self.con.execute("SELECT file_id FROM source_files WHERE sha256 = ?", [digest]).fetchone()
        if known:
            return LoadReport(path=str(path), sha256=digest, status="already loaded", file_id=known[0])
        batch = read_file(path, source=source)
        self.con.execute("BEGIN TRANSACTION")
        try:
            report = self._load_in_transaction(path, digest, batch, progress, started)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        finally:
            self._drop_staging(batch)
        return report

    def _load_in_transaction(
        self, path: Path, digest: str, batch: Batch, progress: Progress | None, started: float
    ) -> LoadReport:
        con = self.con
        file_id = con.execute("SELECT coalesce(max(file_id), 0) + 1 FROM source_files").fetchone()[0]
        for name, table in batch.tables.items():
            con.register(name, table)
        if batch.csv_rejects:
            self._clear_csv_rejects()
        self._stage(path, batch, progress)
        parse_rejects = self._collect_csv_rejects(file_id) if batch.csv_rejects else 0
        if parse_rejects:
            self._renumber_after_parse_rejects(file_id)
        if batch.key_unique:
            self._mark_duplicates()
        staged, bad = con.execute("SELECT count(*), count(problem) FROM _stage").fetchone()
        for row, reason, raw in batch.rejects:
            con.execute("INSERT INTO rejects VALUES (?, ?, ?, ?)", [file_id, row, reason, raw])
        con.execute(
            "INSERT INTO rejects SELECT ?, source_row, problem, coalesce(raw, ?) FROM _stage WHERE problem IS NOT NULL",
            [file_id, ""],
        )
        loaded = staged - bad
        cols = ", ".join(FLOW_COLUMNS)
        con.execute(f"INSERT INTO trade_flows SELECT ? AS file_id, {cols}, NULL FROM _stage WHERE problem IS NULL", [file_id])
        datasets = [r[0] for r in con.execute("SELECT DISTINCT dataset FROM _stage WHERE problem IS NULL ORDER BY 1").fetchall()]
        notes = list(batch.notes)
        notes += [
            f"{reason} ({n:,} rows)"
            for reason, n in con.execute("SELECT repaired, count(*) FROM _stage WHERE repaired IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()
        ]
        overlapping, superseded = self._supersede(file_id, datasets, batch.release)
        rejected = bad + parse_rejects + len(batch.rejects)
        read = staged + parse_rejects + len(batch.rejects)
        reasons = dict(
            con.execute(
                "SELECT regexp_replace(reason, '\"[^\"]*\"', '\"…\"', 'g') AS kind, count(*) FROM rejects"
                " WHERE file_id = ? GROUP BY kind",
                [file_id],
            ).fetchall()
        )
        seconds = time.perf_counter() - started
        con.execute(
            "INSERT INTO source_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                file_id, str(path.resolve()), path.name, digest, path.stat().st_size, batch.format, datasets,
                batch.release, read, loaded, rejected, overlapping, seconds,
                datetime.now(timezone.utc).replace(tzinfo=None), __version__, notes,
            ],
        )
        return LoadReport(
            path=str(path), sha256=digest, status="loaded", format=batch.format, file_id=file_id,
            datasets=datasets, rows_read=read, rows_loaded=loaded, rows_rejected=rejected,
            rows_overlapping=overlapping, rows_superseded=superseded, reject_reasons=reasons,
            notes=notes, seconds=seconds,
        )

    def _stage(self, path: Path, batch: Batch, progress: Progress | None) -> None:
        columns = ", ".join(f"CAST({name} AS {kind}) AS {name}" for name, kind in STAGE_COLUMNS)
        sql = f"CREATE TEMP TABLE _stage AS SELECT {columns} FROM ({batch.select_sql})"
        done = threading.Event()

        def poll() -> None:
            while not done.wait(0.2):
                pct = self.con.query_progress()
                if pct >= 0 and progress:
                    progress(pct / 100.0, None)

        poller = threading.Thread(target=poll, daemon=True) if progress else None
        if poller:
            poller.start()
        try:
            self.con.execute(sql)
        except duckdb.Error as exc:
            raise SourceError(f"{path}: {_first_line(exc)}") from None
        finally:
            done.set()
            if poller:
                poller.join()
        if progress:
            progress(1.0, self.con.execute("SELECT count(*) FROM _stage").fetchone()[0])

    def _clear_csv_rejects(self) -> None:
        for table in ("reject_errors", "reject_scans"):
            try:
                self.con.execute(f"DELETE FROM {table}")
            except duckdb.CatalogException:
                pass

    def _collect_csv_rejects(self, file_id: int) -> int:
        """Move DuckDB's CSV parse rejects into `rejects` (row = record number, header excluded)."""
        self.con.execute(
            """INSERT INTO rejects
               SELECT ?, line - 1, 'cannot parse row: ' || lower(error_type) || coalesce(' in column ' || column_name, '')
                      || ' (' || error_message || ')', csv_line
               FROM reject_errors""",
            [file_id],
        )
        n = self.con.execute("SELECT count(DISTINCT line) FROM reject_errors").fetchone()[0]
        self._clear_csv_rejects()
        return int(n)

    def _renumber_after_parse_rejects(self, file_id: int) -> None:
        """Staged rows are numbered among accepted records; shift them past the rejected ones."""
        self.con.execute(
            """CREATE TEMP TABLE _gaps AS
               SELECT row_number - row_number() OVER (ORDER BY row_number) AS slot,
                      row_number() OVER (ORDER BY row_number) AS before
               FROM (SELECT DISTINCT row_number FROM rejects WHERE file_id = ?)""",
            [file_id],
        )
        self.con.execute(
            """UPDATE _stage SET source_row = _stage.source_row + g.before
               FROM (SELECT s.source_row AS ordinal, max(g.before) AS before
                     FROM _stage s JOIN _gaps g ON g.slot < s.source_row GROUP BY s.source_row) g
               WHERE _stage.source_row = g.ordinal"""
        )
        self.con.execute("DROP TABLE _gaps")

    def _mark_duplicates(self) -> None:
        """Reject every repeat of a flow key within the file, naming the first occurrence."""
        key = ", ".join(KEY)
        distinct, total = self.con.execute(
            f"SELECT count(DISTINCT hash({key})), count(*) FROM _stage WHERE problem IS NULL"
        ).fetchone()
        if distinct == total:
            return
        self.con.execute(
            f"""UPDATE _stage SET
                  problem = 'duplicate of row ' || d.first_row || ' (same partner, product and period'
                            || CASE WHEN d.same THEN ', same values)' ELSE ', different values)' END,
                  raw = coalesce(_stage.raw, concat_ws(',', _stage.period, _stage.partner_reported,
                        _stage.product_code, _stage.value_usd, _stage.value_local, _stage.quantity))
                FROM (SELECT source_row,
                             first_value(source_row) OVER w AS first_row,
                             row_number() OVER w AS k,
                             value_usd IS NOT DISTINCT FROM first_value(value_usd) OVER w
                               AND quantity IS NOT DISTINCT FROM first_value(quantity) OVER w AS same
                      FROM _stage WHERE problem IS NULL
                      WINDOW w AS (PARTITION BY {key} ORDER BY source_row)) d
                WHERE _stage.source_row = d.source_row AND d.k > 1"""
        )

    def _supersede(self, file_id: int, datasets: list[str], release: str | None) -> tuple[int, int]:
        """Mark older releases of the same flows as superseded; returns (overlapping rows, rows superseded)."""
        if not datasets:
            return 0, 0
        others = self.con.execute(
            "SELECT count(*) FROM trade_flows WHERE file_id <> ? AND list_contains(?, dataset) AND superseded_by IS NULL",
            [file_id, datasets],
        ).fetchone()[0]
        if not others:
            return 0, 0
        key = ", ".join(KEY)
        # Order of releases: the date a file states about itself, else when it was loaded.
        self.con.execute(
            f"""CREATE TEMP TABLE _overlap AS
                WITH new_keys AS (SELECT DISTINCT {key} FROM trade_flows WHERE file_id = $1),
                     files AS (SELECT file_id, coalesce(release, strftime(loaded_at, '%Y-%m-%d %H:%M:%S')) AS rel
                               FROM source_files
                               UNION ALL SELECT $1, coalesce($2, strftime(now(), '%Y-%m-%d %H:%M:%S'))),
                     hits AS (SELECT t.file_id, {', '.join('t.' + k for k in KEY)}
                              FROM trade_flows t SEMI JOIN new_keys n USING ({key})
                              WHERE t.superseded_by IS NULL),
                     winners AS (SELECT {key}, arg_max(h.file_id, (f.rel, h.file_id)) AS winner
                                 FROM hits h JOIN files f USING (file_id) GROUP BY ALL)
                SELECT h.file_id, w.* FROM hits h JOIN winners w USING ({key})""",
            [file_id, release],
        )
        overlapping = self.con.execute(
            "SELECT count(*) FROM trade_flows t SEMI JOIN (SELECT * FROM _overlap WHERE file_id <> $1) o USING ("
            + key + ") WHERE t.file_id = $1",
            [file_id],
        ).fetchone()[0]
        superseded = self.con.execute(
            f"""UPDATE trade_flows SET superseded_by = o.winner
                FROM (SELECT DISTINCT file_id, winner, {key} FROM _overlap WHERE file_id <> winner) o
                WHERE trade_flows.file_id = o.file_id AND trade_flows.superseded_by IS NULL
                  AND {' AND '.join(f'trade_flows.{k} = o.{k}' for k in KEY)}"""
        ).fetchone()[0]
        self.con.execute("DROP TABLE _overlap")
        return int(overlapping), int(superseded)

    def _drop_staging(self, batch: Batch) -> None:
        self.con.execute("DROP TABLE IF EXISTS _stage")
        for name in batch.tables:
            try:
                self.con.unregister(name)
            except duckdb.Error:
                pass


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
