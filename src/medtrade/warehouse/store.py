"""The warehouse: one DuckDB file, reached through Ibis, written by atomic loads.

Every load is one transaction: stage the file, reject bad rows with reasons, insert
the good rows, mark superseded overlaps, record the file. A failure or a killed
process leaves the warehouse exactly as it was (DuckDB rolls back an uncommitted
transaction when it next opens the file). A gzip file is committed only when its
stream is whole: DuckDB would load the first half of a truncated one without a word.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from medtrade.errors import SourceError, WarehouseError
from medtrade.sources import read_file
from medtrade.sources.base import gzip_problem, require_file
from medtrade.warehouse.loader import FileLoad, Progress
from medtrade.warehouse.report import LoadReport
from medtrade.warehouse.schema import LATEST, current_version, migrate

if TYPE_CHECKING:
    from collections.abc import Callable

    import ibis.expr.types as ir
    import pyarrow as pa
    from ibis.backends.duckdb import Backend as DuckDBBackend


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
        self.read_only = read_only
        if read_only and not self.path.exists():
            raise WarehouseError(f"warehouse `{self.path}` does not exist: run `medtrade load FILE` or `medtrade demo` first")
        try:
            self.con: duckdb.DuckDBPyConnection = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.Error as exc:
            raise WarehouseError(f"cannot open warehouse `{self.path}`: {str(exc).splitlines()[0]}") from None
        # The CLI reports its own progress; DuckDB's bar would interleave with it on stderr.
        self.con.execute("SET enable_progress_bar = false")
        self._ibis: DuckDBBackend | None = None
        self._engine: Any = None
        self._engine_tables: frozenset[str] = frozenset()
        self._tables: dict[str, ir.Table] = {}
        self._facts: dict[tuple, Any] = {}
        self._prepared: OrderedDict[tuple, ir.Expr] = OrderedDict()
        self._executed: OrderedDict[object, str | None] = OrderedDict()  # expression -> prepared statement
        self._statements = 0
        if read_only:
            if current_version(self.con) < LATEST:
                raise WarehouseError(f"warehouse `{self.path}` needs a schema upgrade: open it once without --read-only")
        else:
            migrate(self.con)
        self._merge_stored_rates()

    def _merge_stored_rates(self) -> None:
        if not self.con.execute("SELECT count(*) FROM user_rates").fetchone()[0]:
            return
        from medtrade.catalog import currency  # pandas: imported only when there is something to merge

        currency.merge_user_rates(self.con.execute("SELECT date, currency, per_usd FROM user_rates ORDER BY added_at").df())

    def add_rates(self, path: str | Path, /) -> int:
        """Validate a user rates CSV (``date,currency,per_usd``) and keep it in the warehouse.

        Stored rates apply to every later query on this warehouse; a later file
        overrides an earlier one on the same day and currency.
        """
        path = Path(path)
        from medtrade.catalog import currency

        n = currency.add_user_rates(path)
        self.con.execute("BEGIN TRANSACTION")
        try:
            self.con.execute(
                "INSERT INTO user_rates SELECT CAST(trim(date) AS DATE), upper(trim(currency)), CAST(per_usd AS DOUBLE),"
                " ?, now()::TIMESTAMP FROM read_csv(?, header = true, all_varchar = true)"
                " WHERE coalesce(trim(date), '') <> ''",
                [path.name, str(path)],
            )
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        return n

    @property
    def ibis(self) -> DuckDBBackend:
        """The Ibis backend over this warehouse's connection (created on first use: a load needs none)."""
        if self._ibis is None:
            import ibis

            self._ibis = ibis.duckdb.from_connection(self.con)
            self._ibis.compile = _CompiledSQL(self._ibis.compile)  # type: ignore[method-assign]
        return self._ibis

    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def table(self, name: str, /) -> ir.Table:
        """An Ibis table of the warehouse (``trade_flows``, ``source_files``, ``rejects``...).

        Tables handed to another engine by :meth:`use_engine` come from that engine.
        """
        if name in self._engine_tables:
            return self._engine.table(name)
        if (table := self._tables.get(name)) is None:  # asking DuckDB for the schema costs a few ms
            table = self._tables[name] = self.ibis.table(name)
        return table

    def cached(self, key: tuple, compute: Callable[[], Any], /) -> Any:
        """A fact about the loaded data (flow index rows, say), computed once until the next load.

        Only a load through this object changes the data under it: DuckDB lets no other
        process write the file while this connection holds it.
        """
        if key not in self._facts:
            self._facts[key] = compute()
        return self._facts[key]

    def prepared(self, key: tuple, build: Callable[[], ir.Expr], /) -> ir.Expr:
        """The expression *build* returns, built once per *key* on this warehouse and engine.

        Building a verb's expression (segment predicates, windows, joins) costs
        milliseconds of Python each time, more than DuckDB needs to answer it from a
        pruned table; a dashboard or a loop asks the same questions again. *key* must
        name everything *build* depends on.
        """
        key = (self.engine, *key)
        if (expr := self._prepared.get(key)) is None:
            expr = self._prepared[key] = build()
            if len(self._prepared) > _PREPARED_SIZE:
                self._prepared.popitem(last=False)
        else:
            self._prepared.move_to_end(key)
        return expr

    def to_arrow(self, expr: ir.Expr, /) -> pa.Table:
        """Execute *expr* and return an Arrow table.

        On DuckDB, the SQL compiled once (see :class:`_CompiledSQL`) runs on the
        warehouse's connection directly; Ibis's per-call preparation (registering
        in-memory tables) runs only the first time an expression is seen. On a read-only
        warehouse the SQL is also prepared once (``PREPARE``): parsing, binding and
        planning Ibis's nested SQL costs about 2 ms a question, as much as DuckDB needs to
        answer it from 100 M rows. Only there: DuckDB plans with the table's statistics
        and a prepared plan does not see rows inserted after it (it would keep answering
        "none" for a period loaded later), and a read-only file cannot change while open.
        Other engines execute through Ibis.
        """
        if self._engine is not None and any(t in self._engine_tables for t in _table_names(expr)):
            return expr.to_pyarrow()
        op = expr.op()
        if op in self._executed:
            statement = self._executed[op]
            self._executed.move_to_end(op)
        else:
            self.ibis._run_pre_execute_hooks(expr)
            statement = None
            if self.read_only:
                self._statements += 1
                statement = f"medtrade_q{self._statements}"
                self.con.execute(f"PREPARE {statement} AS {self.ibis.compile(expr.as_table())}")
            self._executed[op] = statement
            if len(self._executed) > _PREPARED_SIZE and (old := self._executed.popitem(last=False)[1]):
                self.con.execute(f"DEALLOCATE {old}")
        from ibis.backends.duckdb.converter import DuckDBPyArrowData

        if statement is None:
            table = self.con.sql(self.ibis.compile(expr.as_table())).to_arrow_table()
        else:
            table = self.con.execute(f"EXECUTE {statement}").to_arrow_table()
        return expr.__pyarrow_result__(table, data_mapper=DuckDBPyArrowData)  # Ibis's types, as to_pyarrow gives

    def use_engine(self, backend: Any, /, *, tables: tuple[str, ...]) -> None:
        """Answer queries on *tables* with another Ibis backend (e.g. Spark, see
        :mod:`medtrade.warehouse.spark`); the rest stays on DuckDB."""
        self._engine, self._engine_tables = backend, frozenset(tables)
        self._prepared.clear()

    def detach(self) -> None:
        """Run every query on DuckDB again."""
        self._engine, self._engine_tables = None, frozenset()
        self._prepared.clear()

    @property
    def engine(self) -> str:
        """``duckdb``, or the other engine's name when :meth:`use_engine` is in force."""
        return "duckdb" if self._engine is None else self._engine.name

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
        """Load one file atomically and idempotently; see the module docstring.

        A file whose SHA-256 is already recorded adds nothing and reports ``already loaded``.
        """
        path = Path(path)
        require_file(path)
        self._facts.clear()
        started = time.perf_counter()
        digest = sha256_of(path)
        known = self.con.execute("SELECT file_id FROM source_files WHERE sha256 = ?", [digest]).fetchone()
        if known:
            return LoadReport(path=str(path), sha256=digest, status="already loaded", file_id=known[0])
        # Drug and device registers have their own table and loader.
        from medtrade.sources.registry import reader_for

        if (registry_reader := reader_for(path, source=source)) is not None:
            from medtrade.warehouse.registry_loader import load_registry

            return load_registry(self.con, path, digest, registry_reader.read(path), started)
        batch = read_file(path, source=source)
        # DuckDB loads the rows of a truncated gzip without complaint: check the stream
        # on another core while the load runs, and commit only a whole file.
        integrity = _GzipCheck(path)

        def verify() -> None:
            if problem := integrity.result():
                raise SourceError(f"{path}: {problem}")

        job = FileLoad(self.con, path, digest, batch, progress, verify=verify)
        self.con.execute("BEGIN TRANSACTION")
        try:
            report = job.run(started)
            verify()
            self.con.execute("COMMIT")
        except BaseException as exc:
            self.con.execute("ROLLBACK")
            problem = integrity.result()
            if problem and isinstance(exc, SourceError):  # the damage explains DuckDB's error, if any
                raise SourceError(f"{path}: {problem}") from None
            raise
        finally:
            job.cleanup()
        return report


_PREPARED_SIZE = 256


def _table_names(expr: ir.Expr) -> set[str]:
    from ibis.expr import operations as ops

    return {t.name for t in expr.op().find(ops.DatabaseTable)}


class _CompiledSQL:
    """Ibis's ``compile`` with the SQL of the last few hundred expressions kept.

    Compiling a verb's expression (segment predicates, windows) costs 20-70 ms, more
    than DuckDB takes to run it on ten million rows; a dashboard or a loop asks the same
    questions again. Expressions are immutable and compare by structure, so an
    expression seen before has the same SQL. Calls with bound parameters are not cached.
    """

    def __init__(self, compile_: Any, size: int = 256) -> None:
        self._compile, self._size = compile_, size
        self._sql: OrderedDict[tuple, str] = OrderedDict()

    def __call__(self, expr: Any, /, *args: Any, **kwargs: Any) -> str:
        if args or kwargs.get("params"):
            return self._compile(expr, *args, **kwargs)
        key = (expr.op(), tuple(sorted(kwargs.items())))
        sql = self._sql.get(key)
        if sql is None:
            sql = self._sql[key] = self._compile(expr, **kwargs)
            if len(self._sql) > self._size:
                self._sql.popitem(last=False)
        else:
            self._sql.move_to_end(key)
        return sql


class _GzipCheck:
    """:func:`gzip_problem` of a file, computed in a daemon thread; :meth:`result` waits for it."""

    def __init__(self, path: Path) -> None:
        self._problem: str | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(path,), daemon=True)
        self._thread.start()

    def _run(self, path: Path) -> None:
        try:
            self._problem = gzip_problem(path)
        except OSError as exc:
            self._error = SourceError(f"{path}: cannot be read ({exc.strerror or exc})")

    def result(self) -> str | None:
        """The damage found (``None`` for a whole file); raises if the file could not be read."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._problem
