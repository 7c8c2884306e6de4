"""One file's load, inside the transaction the :class:`~medtrade.warehouse.store.Warehouse` opened.

Two passes, the second only when needed:

1. *optimistic*: one streaming ``INSERT INTO trade_flows SELECT ... FROM read_csv(...)``
   of every row, rows with a problem or a repair marked (``superseded_by = 0``). For a
   clean file this is the whole load and costs about what DuckDB's own ``read_csv`` costs.
2. *careful*, when pass 1 saw a parse reject, a marked row or a repeated key: the
   file's rows are deleted again and re-staged with record numbers, so every reject is
   stored with its row number, reason and raw text, and repeats name their first row.
"""

from __future__ import annotations

import csv
import gzip
import threading
import time
import zlib
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from medtrade import __version__
from medtrade.errors import SourceError
from medtrade.sources.base import FLOW_COLUMNS, STAGE_COLUMNS, Batch
from medtrade.warehouse import index
from medtrade.warehouse.report import LoadReport

#: Called during a load with (fraction done 0..1, rows so far or None).
Progress = Callable[[float, int | None], None]

#: A flow: the unit that a later release of the same dataset replaces.
KEY = ("dataset", "reporter", "partner", "flow", "product_code", "period")
#: Within one file, a row repeats another when these are equal (two spellings may share an ISO3).
DUP_KEY = ("dataset", "reporter", "partner_reported", "flow", "product_code", "period")


#: Values a rejected row carries through the fast pass (where it is only marked, then
#: deleted), so that a reader's NULL or out-of-vocabulary value cannot abort the whole file.
PLACEHOLDERS = {
    "dataset": "'in-eidb'", "period_type": "'year'", "period": "''", "period_start": "DATE '1900-01-01'",
    "period_end": "DATE '1900-01-01'", "reporter": "''", "flow": "'export'", "nomenclature": "'HS'",
    "confidential": "false",
}


def _fast_column(name: str) -> str:
    if name not in PLACEHOLDERS:
        return name
    return f"CASE WHEN problem IS NULL THEN {name} ELSE {PLACEHOLDERS[name]} END"


class FileLoad:
    """Load one :class:`Batch` into the open transaction of ``con``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, digest: str, batch: Batch,
                 progress: Progress | None, *, verify: Callable[[], None] | None = None) -> None:
        self.con, self.path, self.digest, self.batch, self.progress = con, path, digest, batch, progress
        #: Raises when the file as a whole is unusable; called before the careful pass re-reads it.
        self.verify = verify

    def run(self, started: float) -> LoadReport:
        """Do the load; returns its report (the caller commits)."""
        con, batch = self.con, self.batch
        file_id = con.execute("SELECT coalesce(max(file_id), 0) + 1 FROM source_files").fetchone()[0]
        for name, table in batch.tables.items():
            con.register(name, table)
        self._clear_csv_rejects()
        # Every text column here has few distinct values; skipping DuckDB's per-segment
        # choice of string compression saves ~15% of the write.
        con.execute("SET force_compression = 'dictionary'")
        try:
            self._execute(f"""INSERT INTO trade_flows
                SELECT {file_id}, {", ".join(_fast_column(c) for c in FLOW_COLUMNS)},
                       CASE WHEN problem IS NOT NULL OR repaired IS NOT NULL THEN 0 END
                FROM ({batch.sql(numbered=False)})""")
        finally:
            con.execute("RESET force_compression")
        notes = list(batch.notes)
        staged_rejects = parse_rejects = 0
        if not self._clean(file_id):
            if self.verify:  # a damaged file would be re-read for nothing
                self.verify()
            con.execute("DELETE FROM trade_flows WHERE file_id = ?", [file_id])
            parse_rejects, staged_rejects, repaired = self._careful(file_id)
            notes += repaired
        for row, reason, raw in batch.rejects:
            con.execute("INSERT INTO rejects VALUES (?, ?, ?, ?)", [file_id, row, reason, raw])
        loaded = con.execute("SELECT count(*) FROM trade_flows WHERE file_id = ?", [file_id]).fetchone()[0]
        datasets = [r[0] for r in con.execute(
            "SELECT DISTINCT dataset::VARCHAR FROM trade_flows WHERE file_id = ? ORDER BY 1", [file_id]).fetchall()]
        overlapping, superseded = self._supersede(file_id, datasets)
        index.refresh(con, file_id)
        lost = con.execute("SELECT count(*) FROM trade_flows WHERE file_id = ? AND superseded_by IS NOT NULL",
                           [file_id]).fetchone()[0] if overlapping else 0
        rejected = parse_rejects + staged_rejects + len(batch.rejects)
        reasons = dict(con.execute(
            """SELECT regexp_replace(reason, '"[^"]*"', '"…"', 'g') AS kind, count(*) FROM rejects
               WHERE file_id = ? GROUP BY kind""", [file_id]).fetchall())
        if self.progress:
            self.progress(1.0, loaded + rejected)
        seconds = time.perf_counter() - started
        con.execute(
            "INSERT INTO source_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [file_id, str(self.path.resolve()), self.path.name, self.digest, self.path.stat().st_size,
             batch.format, datasets, batch.release, loaded + rejected, loaded, rejected, overlapping,
             seconds, datetime.now(timezone.utc).replace(tzinfo=None), __version__, notes],
        )
        return LoadReport(
            path=str(self.path), sha256=self.digest, status="loaded", format=batch.format, file_id=file_id,
            datasets=datasets, rows_read=loaded + rejected, rows_loaded=loaded, rows_rejected=rejected,
            rows_overlapping=overlapping, rows_superseded=superseded, rows_superseded_here=int(lost),
            reject_reasons=reasons,
            notes=notes, seconds=seconds,
        )

    def cleanup(self) -> None:
        """Drop staging tables and registered Arrow tables (after commit or rollback)."""
        for table in ("_stage", "_repeats", "_repeat_raw"):
            self.con.execute(f"DROP TABLE IF EXISTS {table}")
        for name in self.batch.tables:
            try:
                self.con.unregister(name)
            except duckdb.Error:
                pass

    # ----------------------------------------------------------- passes
    def _clean(self, file_id: int) -> bool:
        if self._csv_reject_count():
            return False
        marked = self.con.execute(
            "SELECT count(*) FROM trade_flows WHERE file_id = ? AND superseded_by = 0", [file_id]).fetchone()[0]
        if marked:
            return False
        return not (self.batch.key_unique and self._has_duplicates(f"trade_flows WHERE file_id = {int(file_id)}"))

    def _careful(self, file_id: int) -> tuple[int, int, list[str]]:
        """Stage with record numbers, explain every reject, insert the good rows.

        Returns (parse rejects, staged rejects, notes on repairs).
        """
        con = self.con
        self._clear_csv_rejects()
        # A reader may give the text of every row in this pass; only rejects keep it.
        columns = ", ".join(
            f"CAST({'CASE WHEN problem IS NOT NULL THEN raw END' if name == 'raw' else name} AS {kind}) AS {name}"
            for name, kind in STAGE_COLUMNS)
        self._execute(f"CREATE TEMP TABLE _stage AS SELECT {columns} FROM ({self.batch.sql(numbered=True)})")
        parse_rejects = self._collect_csv_rejects(file_id)
        if parse_rejects:
            self._renumber_after_parse_rejects(file_id)
        if self.batch.key_unique and self._has_duplicates("_stage WHERE problem IS NULL"):
            self._mark_duplicates()
        con.execute(
            "INSERT INTO rejects SELECT ?, source_row, problem, coalesce(raw, '') FROM _stage WHERE problem IS NOT NULL",
            [file_id])
        con.execute(
            f"INSERT INTO trade_flows SELECT ?, {', '.join(FLOW_COLUMNS)}, NULL FROM _stage WHERE problem IS NULL",
            [file_id])
        bad = con.execute("SELECT count(*) FROM _stage WHERE problem IS NOT NULL").fetchone()[0]
        repaired = [f"{reason} ({n:,} rows)" for reason, n in con.execute(
            "SELECT repaired, count(*) FROM _stage WHERE repaired IS NOT NULL GROUP BY 1 ORDER BY 1").fetchall()]
        return parse_rejects, int(bad), repaired

    def _execute(self, sql: str) -> None:
        """Run one long statement, reporting DuckDB's progress; errors name the file."""
        done = threading.Event()

        def poll() -> None:
            while not done.wait(0.2):
                pct = self.con.query_progress()
                if pct >= 0 and self.progress:
                    self.progress(pct / 100.0, None)

        poller = threading.Thread(target=poll, daemon=True) if self.progress else None
        if poller:
            # query_progress() answers -1 unless progress tracking is on; keep DuckDB's own bar off.
            self.con.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
            poller.start()
        try:
            self.con.execute(sql)
        except duckdb.Error as exc:
            raise SourceError(f"{self.path}: {_first_line(exc)}") from None
        finally:
            done.set()
            if poller:
                poller.join()

    # ----------------------------------------------------------- rejects
    def _clear_csv_rejects(self) -> None:
        if not self.batch.csv_rejects:
            return
        for table in ("reject_errors", "reject_scans"):
            try:
                self.con.execute(f"DELETE FROM {table}")
            except duckdb.CatalogException:
                pass

    def _csv_reject_count(self) -> int:
        if not self.batch.csv_rejects:
            return 0
        try:
            return int(self.con.execute("SELECT count(*) FROM reject_errors").fetchone()[0])
        except duckdb.CatalogException:
            return 0

    def _collect_csv_rejects(self, file_id: int) -> int:
        """Move DuckDB's CSV parse rejects into `rejects` (row = record number, header excluded)."""
        if not self._csv_reject_count():
            return 0
        self.con.execute(
            """INSERT INTO rejects
               SELECT ?, line - 1, 'cannot parse row: ' || lower(error_type) || coalesce(' in column ' || column_name, '')
                      || ' (' || error_message || ')', csv_line
               FROM (SELECT *, row_number() OVER (PARTITION BY line ORDER BY column_idx) AS k FROM reject_errors)
               WHERE k = 1""",
            [file_id],
        )
        n = self.con.execute("SELECT count(DISTINCT line) FROM reject_errors").fetchone()[0]
        self._explain_encoding(file_id)
        self._clear_csv_rejects()
        return int(n)

    def _explain_encoding(self, file_id: int) -> None:
        """Rows that are not UTF-8: show the bytes (and their Windows-1251 reading), keep the line as written.

        DuckDB's text for such a row has its bytes replaced by `?`, and may swallow
        delimiters with them; the line is read again from the file at its byte offset.
        """
        found = self.con.execute(
            """SELECT e.line - 1, e.line_byte_position, s.file_path, list(e.column_name ORDER BY e.column_idx)
               FROM reject_errors e JOIN reject_scans s USING (scan_id, file_id)
               WHERE e.error_type = 'INVALID ENCODING' GROUP BY ALL ORDER BY 3, 2 LIMIT 10000""").fetchall()
        if not found:
            return
        updates = []
        for file_path in dict.fromkeys(row[2] for row in found):
            wanted = [(row, pos, cols) for row, pos, path, cols in found if path == file_path]
            texts = _lines_at(Path(file_path), [pos for _, pos, _ in wanted])
            for row, pos, cols in wanted:
                if pos in texts:
                    updates.append([*_encoding_reject(texts[pos], cols), file_id, row])
        self.con.executemany("UPDATE rejects SET reason = ?, raw = ? WHERE file_id = ? AND row_number = ?", updates)

    def _renumber_after_parse_rejects(self, file_id: int) -> None:
        """Staged rows are numbered among accepted records; shift them past the rejected ones."""
        self.con.execute(
            """UPDATE _stage SET source_row = _stage.source_row + g.before
               FROM (SELECT s.source_row AS ordinal, count(*) AS before
                     FROM _stage s JOIN (SELECT row_number - row_number() OVER (ORDER BY row_number) AS slot
                                         FROM (SELECT DISTINCT row_number FROM rejects WHERE file_id = ?)) r
                       ON r.slot < s.source_row
                     GROUP BY s.source_row) g
               WHERE _stage.source_row = g.ordinal""",
            [file_id],
        )

    def _has_duplicates(self, relation: str) -> bool:
        key = ", ".join(self.batch.varying_key or DUP_KEY)
        distinct, total = self.con.execute(f"SELECT count(DISTINCT hash({key})), count(*) FROM {relation}").fetchone()
        return distinct != total

    def _mark_duplicates(self) -> None:
        """Reject every repeat of a key within the file, naming the first occurrence.

        The repeat's ``raw`` is its text as published when the reader gives the text of
        every row in the numbered pass (a second scan, of files with repeats only), else
        the staged key and values.
        """
        key = ", ".join(DUP_KEY)
        window = f"WINDOW w AS (PARTITION BY {key} ORDER BY source_row)"
        self.con.execute(
            f"""CREATE TEMP TABLE _repeats AS
                SELECT source_row, {key}, first_row, k, same FROM (
                    SELECT source_row, {key},
                           first_value(source_row) OVER w AS first_row,
                           row_number() OVER w AS k,
                           value_usd IS NOT DISTINCT FROM first_value(value_usd) OVER w
                             AND quantity IS NOT DISTINCT FROM first_value(quantity) OVER w AS same
                    FROM _stage WHERE problem IS NULL {window})
                WHERE k > 1""")
        # Rows are matched to the second scan by key and rank within the key, which both
        # scans share (record numbers differ once parse rejects are renumbered).
        self._clear_csv_rejects()
        self._execute(
            f"""CREATE TEMP TABLE _repeat_raw AS
                SELECT {key}, row_number() OVER w AS k, raw
                FROM (SELECT * FROM ({self.batch.sql(numbered=True)})
                      WHERE problem IS NULL AND hash({key}) IN (SELECT hash({key}) FROM _repeats))
                {window}""")
        self._clear_csv_rejects()
        on = " AND ".join(f"d.{c} IS NOT DISTINCT FROM p.{c}" for c in DUP_KEY)
        self.con.execute(
            f"""UPDATE _stage SET
                  problem = 'duplicate of row ' || d.first_row || ' (same partner, product and period'
                            || CASE WHEN d.same THEN ', same values)' ELSE ', different values)' END,
                  raw = coalesce(d.raw, concat_ws(',', _stage.period, _stage.partner_reported, _stage.product_code,
                                                  _stage.value_usd, _stage.value_local, _stage.quantity))
                FROM (SELECT d.source_row, d.first_row, d.same, p.raw
                      FROM _repeats d LEFT JOIN _repeat_raw p ON d.k = p.k AND {on}) d
                WHERE _stage.source_row = d.source_row""")
        self.con.execute("DROP TABLE _repeats")
        self.con.execute("DROP TABLE _repeat_raw")

    # ----------------------------------------------------------- overlaps
    def _supersede(self, file_id: int, datasets: list[str]) -> tuple[int, int]:
        """Mark older releases of the same flows superseded; returns (overlapping rows, rows superseded).

        The latest release wins: a file's release is the date it states about itself,
        else the time it was loaded.
        """
        con = self.con
        others = con.execute(
            "SELECT count(*) FROM trade_flows WHERE file_id <> ? AND list_contains(?, dataset::VARCHAR)"
            " AND superseded_by IS NULL", [file_id, datasets]).fetchone()[0]
        if not datasets or not others:
            return 0, 0
        key = ", ".join(KEY)
        con.execute(
            f"""CREATE TEMP TABLE _overlap AS
                WITH new_keys AS (SELECT DISTINCT {key} FROM trade_flows WHERE file_id = $1),
                     files AS (SELECT file_id, coalesce(release, strftime(loaded_at, '%Y-%m-%d %H:%M:%S')) AS rel
                               FROM source_files
                               UNION ALL SELECT $1, coalesce($2, strftime(now()::TIMESTAMP, '%Y-%m-%d %H:%M:%S'))),
                     hits AS (SELECT t.file_id, {', '.join('t.' + k for k in KEY)}
                              FROM trade_flows t SEMI JOIN new_keys n USING ({key})
                              WHERE t.superseded_by IS NULL),
                     winners AS (SELECT {key}, arg_max(h.file_id, (f.rel, h.file_id)) AS winner,
                                        count(DISTINCT h.file_id) AS files
                                 FROM hits h JOIN files f USING (file_id) GROUP BY ALL)
                SELECT DISTINCT h.file_id, w.* FROM hits h JOIN winners w USING ({key}) WHERE w.files > 1""",
            [file_id, self.batch.release],
        )
        overlapping = con.execute(
            f"SELECT count(*) FROM trade_flows t SEMI JOIN (SELECT * FROM _overlap WHERE file_id = $1) o USING ({key})"
            " WHERE t.file_id = $1", [file_id]).fetchone()[0]
        superseded = con.execute(
            f"""UPDATE trade_flows SET superseded_by = o.winner
                FROM (SELECT * FROM _overlap WHERE file_id <> winner) o
                WHERE trade_flows.file_id = o.file_id AND trade_flows.superseded_by IS NULL
                  AND {' AND '.join(f'trade_flows.{k} = o.{k}' for k in KEY)}""").fetchone()[0]
        con.execute("DROP TABLE _overlap")
        return int(overlapping), int(superseded)


def _lines_at(path: Path, offsets: list[int]) -> dict[int, bytes]:
    """The lines at these byte offsets of the (decompressed) file, read in one forward pass.

    DuckDB's ``line_byte_position`` is the line's first byte, or the one after it
    (1.5: LF files); the byte before the offset tells which.
    """
    lines: dict[int, bytes] = {}
    try:
        with path.open("rb") as raw:
            gz = raw.read(2) == b"\x1f\x8b"
        with (gzip.open(path, "rb") if gz else path.open("rb")) as fh:
            pos, last = 0, b""  # never seek back: a gzip stream would restart from its beginning
            for offset in sorted(set(offsets)):
                start = offset - 1
                if start < 0 or start < pos - 1:
                    continue
                if start == pos - 1:
                    first = last
                else:
                    fh.seek(start)
                    first, pos = fh.read(1), start + 1
                rest = fh.readline()
                pos, last = pos + len(rest), rest[-1:]
                lines[offset] = (rest if first in (b"\n", b"") else first + rest).rstrip(b"\r\n")
    except (OSError, EOFError, zlib.error):
        pass  # DuckDB's own text of the row stays
    return lines


def _encoding_reject(line: bytes, columns: list[str]) -> tuple[str, str]:
    """(reason, raw) for a line with bytes that are not UTF-8."""
    fields = next(csv.reader([line.decode("latin-1")]), [])  # latin-1: one char per byte, nothing lost
    bad = []
    for text in fields:
        data = text.encode("latin-1")
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            bad.append(data)
    names = columns if len(columns) == len(bad) else [""] * len(bad)
    shown = []
    for name, data in zip(names, bad):
        value = f'{name} "{data.decode("utf-8", errors="backslashreplace")}"'.lstrip()
        cyrillic = data.decode("cp1251", errors="replace")
        if sum("\u0400" <= ch <= "\u04ff" for ch in cyrillic) >= max(1, len(cyrillic.strip()) // 2):
            value += f' (Windows-1251 "{cyrillic}")'
        shown.append(value)
    reason = f"cannot parse row: invalid UTF-8 in {', '.join(shown) or 'the row'}; save the file as UTF-8"
    return reason, line.decode("utf-8", errors="backslashreplace")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
