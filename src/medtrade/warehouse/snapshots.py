"""Readers that never block a writer: private snapshots of the warehouse file.

DuckDB allows one writing process per file, and a read-only connection in another
process holds a lock that makes the writer fail ("Could not set lock on file"). A
server that kept the warehouse open would make every ``medtrade load`` fail, and a
load would make the server fail. So (docs/serve.md):

* **Writers** serialise on an advisory lock file ``<warehouse>.lock`` (``fcntl.flock``,
  exclusive) held for as long as they have the warehouse open read-write
  (:func:`writer_lock`, :func:`open_for_writing`); they write in place, exactly as
  before, so a load stays one atomic DuckDB transaction (a killed load is rolled back
  by DuckDB when the file is next opened).
* **Readers** (the HTTP API, :class:`SnapshotReader`) answer from a private copy of the
  file. When the file changed (inode, size, mtime of the file or of its ``.wal``) a
  reader takes the lock *shared* without waiting, opens the file read-only (DuckDB's
  own lock then also keeps out writers that do not use the lock file), copies file and
  WAL, and swaps the copy in for new requests. Requests in flight finish on the old
  copy, which is closed and deleted when the last one ends. While a writer holds the
  lock the reader keeps answering from the copy it has: old data or new data, never a
  half-loaded file.

Copies live in ``<warehouse>.snapshots/<pid>-<generation>.duckdb``; a reader deletes its
own when it closes, and the next reader deletes those of processes that no longer run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from medtrade.errors import WarehouseError
from medtrade.warehouse.store import Warehouse

try:
    import fcntl
except ImportError:  # Windows: no advisory locks here; writers and readers rely on DuckDB's own lock alone
    fcntl = None  # type: ignore[assignment]

Signature = tuple[tuple[int, int, int], tuple[int, int, int] | None]


def lock_path(path: Path, /) -> Path:
    """The advisory lock file of a warehouse: ``<warehouse>.lock`` (left in place: unlinking races)."""
    return path.with_name(path.name + ".lock")


def snapshot_dir(path: Path, /) -> Path:
    """Where readers keep their copies: ``<warehouse>.snapshots/``."""
    return path.with_name(path.name + ".snapshots")


@contextlib.contextmanager
def writer_lock(path: str | Path, /, *, shared: bool = False, wait: bool = True) -> Iterator[bool]:
    """Hold ``<warehouse>.lock``: exclusive for writers, shared for a reader taking a copy.

    Parameters
    ----------
    path : the warehouse file.
    shared : take the lock shared (several readers may copy at once) instead of exclusive.
    wait : block until the lock is free; when False, yield False at once if it is held.

    Yields
    ------
    bool : whether the lock is held (always True when ``wait``).
    """
    path = Path(path)
    if fcntl is None:
        yield True
        return
    try:
        fd = os.open(lock_path(path), os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise WarehouseError(f"cannot create lock file `{lock_path(path)}`: {exc.strerror or exc}") from None
    try:
        mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB)
        try:
            fcntl.flock(fd, mode)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


class LockedWarehouse(Warehouse):
    """A read-write :class:`Warehouse` that holds the writer lock until it is closed."""

    _lock: contextlib.AbstractContextManager[bool] | None = None

    def close(self) -> None:
        """Close the connection (DuckDB checkpoints), then let the next writer or reader in."""
        try:
            super().close()
        finally:
            lock, self._lock = self._lock, None
            if lock is not None:
                lock.__exit__(None, None, None)


def open_for_writing(path: str | Path, /) -> Warehouse:
    """Open a warehouse read-write after taking the writer lock (waits for another writer or a copying reader).

    The lock is released by :meth:`Warehouse.close` (or the ``with`` block's end).
    """
    path = Path(path)
    lock = writer_lock(path)
    lock.__enter__()
    try:
        wh = LockedWarehouse(path)
    except BaseException:
        lock.__exit__(None, None, None)
        raise
    wh._lock = lock
    return wh


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def signature(path: Path, /) -> Signature | None:
    """What identifies a state of the file: (inode, size, mtime) of the file and of its WAL."""
    main = _stat(path)
    if main is None:
        return None
    return main, _stat(path.with_name(path.name + ".wal"))


@dataclass(eq=False)
class Snapshot:
    """One private copy of the warehouse, with a pool of read-only connections.

    Attributes
    ----------
    generation : 1 for the first copy a reader took, then 2, 3...
    signature : the state of the warehouse file it copies.
    copied_at : when (``time.time()``).
    cache : answers computed on this copy (the copy never changes, so neither do they).
    recipes : how each cached answer was computed (``key -> callable(Warehouse)``), so that the
        next copy can compute the recent ones again before it is put in service.
    """

    file: Path
    generation: int
    signature: Signature
    copied_at: float
    seconds: float
    cache: OrderedDict[Any, Any] = field(default_factory=OrderedDict)
    recipes: dict[Any, Callable[[Warehouse], Any]] = field(default_factory=dict)
    _idle: list[Warehouse] = field(default_factory=list)
    _inflight: int = 0
    _retired: bool = False
    _mutex: threading.Lock = field(default_factory=threading.Lock)

    def pin(self) -> None:
        """Count one request in flight on this copy (see :meth:`SnapshotReader.lease`)."""
        with self._mutex:
            self._inflight += 1

    def unpin(self) -> None:
        """End one request; the last request on a retired copy closes and deletes it."""
        with self._mutex:
            self._inflight -= 1
            done = self._retired and self._inflight == 0
        if done:
            self._dispose()

    @contextlib.contextmanager
    def connection(self) -> Iterator[Warehouse]:
        """A read-only connection of the pool (one per concurrent request; call while pinned)."""
        with self._mutex:
            wh = self._idle.pop() if self._idle else None
        if wh is None:
            wh = Warehouse(self.file, read_only=True)
        try:
            yield wh
        finally:
            with self._mutex:
                self._idle.append(wh)

    def retire(self) -> None:
        """No new requests; dispose now if none is in flight."""
        with self._mutex:
            self._retired = True
            done = self._inflight == 0
        if done:
            self._dispose()

    def _dispose(self) -> None:
        with self._mutex:
            idle, self._idle = self._idle, []
        for wh in idle:
            wh.close()
        for p in (self.file, self.file.with_name(self.file.name + ".wal")):
            p.unlink(missing_ok=True)


class SnapshotReader:
    """Answers from private copies of a warehouse; picks up new loads between requests.

    Parameters
    ----------
    path : the warehouse file (must exist).
    retry_seconds : while a writer holds the lock, try again at most this often.
    prepare : called with (new copy, current copy) after a copy is taken and before it serves
        requests, in the background thread; the API recomputes its recent answers there.

    Examples
    --------
    >>> reader = SnapshotReader("medtrade.duckdb")          # doctest: +SKIP
    >>> with reader.open() as wh:                            # doctest: +SKIP
    ...     run_top(wh, exporter="IND", period="FY2022-23")
    >>> reader.close()                                       # doctest: +SKIP
    """

    def __init__(self, path: str | Path, /, *, retry_seconds: float = 0.2,
                 prepare: Callable[[Snapshot, Snapshot], None] | None = None) -> None:
        self.path = Path(path)
        self.prepare = prepare
        if not self.path.is_file():
            raise WarehouseError(f"warehouse `{self.path}` does not exist: run `medtrade load FILE` or `medtrade demo` first")
        self.retry_seconds = retry_seconds
        self.dir = snapshot_dir(self.path)
        self.dir.mkdir(exist_ok=True)
        _remove_stale(self.dir)
        self._generation = 0
        self._mutex = threading.Lock()
        self._refreshing = threading.Lock()
        self._last_try = 0.0
        self._current: Snapshot | None = None
        self._closed = False
        self.error: str | None = None  # why the last background copy failed, if it did
        # The first copy is taken now, waiting for a running writer: there is nothing older to serve.
        if not self.refresh(wait=True):
            raise WarehouseError(f"cannot read warehouse `{self.path}`: another process writes it without the lock file")

    @property
    def current(self) -> Snapshot:
        """The copy new requests use."""
        assert self._current is not None
        return self._current

    def refresh(self, *, wait: bool = False) -> bool:
        """Copy the warehouse if it changed since the current copy. Returns False when a writer holds it."""
        with self._refreshing:
            sig = signature(self.path)
            if self._current is not None and sig == self._current.signature:
                return True
            with writer_lock(self.path, shared=True, wait=wait) as held:
                if not held:
                    return False
                snap = self._copy(wait=wait)
            if snap is None:
                return False
            if self.prepare is not None and self._current is not None:
                self.prepare(snap, self._current)  # the current copy keeps answering meanwhile
            with self._mutex:
                old, self._current = self._current, snap
            if old is not None:
                old.retire()
            return True

    def _copy(self, *, wait: bool) -> Snapshot | None:
        started = time.perf_counter()
        # A read-only connection holds DuckDB's own lock: a writer that ignores the lock file cannot start mid-copy.
        for attempt in range(50 if wait else 1):
            try:
                guard = duckdb.connect(str(self.path), read_only=True)
                break
            except duckdb.Error:
                if attempt == (49 if wait else 0):
                    return None
                time.sleep(0.1)
        self._generation += 1
        target = self.dir / f"{os.getpid()}-{self._generation}.duckdb"
        try:
            try:
                sig = signature(self.path)
                assert sig is not None
                shutil.copyfile(self.path, target)
                wal = self.path.with_name(self.path.name + ".wal")
                if sig[1] is not None:  # committed transactions not yet checkpointed live in the WAL
                    shutil.copyfile(wal, target.with_name(target.name + ".wal"))
            finally:
                guard.close()
            _upgrade(target)
        except BaseException:  # a full disk, say: no half copy left behind
            for p in (target, target.with_name(target.name + ".wal")):
                p.unlink(missing_ok=True)
            raise
        return Snapshot(file=target, generation=self._generation, signature=sig, copied_at=time.time(),
                        seconds=time.perf_counter() - started)

    def _maybe_refresh(self) -> None:
        # Cheap on every request: one or two stat calls. The copy runs in a background thread
        # so no request waits for it; while a writer holds the lock, retry at most every retry_seconds.
        if self._closed or signature(self.path) == self.current.signature:
            return
        now = time.monotonic()
        if now - self._last_try < self.retry_seconds or self._refreshing.locked():
            return
        self._last_try = now
        threading.Thread(target=self._refresh_in_background, name="medtrade-snapshot", daemon=True).start()

    def _refresh_in_background(self) -> None:
        try:
            self.refresh()
            self.error = None
        except Exception as exc:  # noqa: BLE001 - kept for /healthz; the current copy keeps answering
            self.error = f"cannot copy `{self.path}`: {exc}"

    @contextlib.contextmanager
    def lease(self) -> Iterator[Snapshot]:
        """The newest copy, kept alive for the length of one request (answers, caches, connections)."""
        if self._closed:
            raise WarehouseError("the snapshot reader is closed")
        self._maybe_refresh()
        with self._mutex:  # a swap cannot retire the copy between choosing and pinning it
            snap = self.current
            snap.pin()
        try:
            yield snap
        finally:
            snap.unpin()

    @contextlib.contextmanager
    def open(self) -> Iterator[Warehouse]:
        """A read-only :class:`Warehouse` on the newest copy for the length of one request."""
        with self.lease() as snap, snap.connection() as wh:
            yield wh

    def reopen(self) -> None:
        """Serve again after :meth:`close` (an ASGI server may run the app's lifespan more than once)."""
        if self._closed:
            self.dir.mkdir(exist_ok=True)
            self._closed = False
            self.refresh(wait=True)

    def close(self) -> None:
        """Delete the copies (in-flight requests finish first)."""
        self._closed = True
        with self._refreshing, self._mutex:
            snap, self._current = self._current, None
        if snap is not None:
            snap.retire()
        with contextlib.suppress(OSError):
            self.dir.rmdir()  # only when no other reader uses it


def _upgrade(copy: Path) -> None:
    """Migrate a private copy written by an older medtrade, as a writer would migrate the file."""
    from medtrade.warehouse.schema import LATEST, current_version

    con = duckdb.connect(str(copy), read_only=True)
    try:
        old = current_version(con) < LATEST
    finally:
        con.close()
    if old:
        Warehouse(copy).close()


def _remove_stale(directory: Path) -> None:
    """Delete copies left by readers that were killed (their pid no longer runs)."""
    for entry in directory.glob("*.duckdb*"):
        pid = entry.name.split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            entry.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
