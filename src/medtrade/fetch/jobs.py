"""Job files: what a fetch planned, and which chunks are finished, so a killed job resumes.

A job is identified by its request (kind + normalised options): running the same
command again opens the same job file (``<cache>/jobs/<kind>-<id>.json``) and skips the
chunks it records as ``loaded``. The file is rewritten atomically after every chunk
(temp file + ``os.replace``), so a kill leaves either the state before the chunk or
the state after it, never a torn file.

Chunk states::

    planned -> fetched (response in the cache) -> loaded (Warehouse.load committed)
    planned -> split   (the answer hit the per-call record cap; replaced by smaller chunks)

A chunk killed between the load's commit and the job file's update is loaded again
on resume; the warehouse recognises the file by its SHA-256 and adds nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from medtrade.fetch.cache import atomic_write
from medtrade.fetch.errors import FetchError

__all__ = ["Chunk", "ChunkStatus", "Job", "job_id"]

ChunkStatus = Literal["planned", "fetched", "loaded", "split"]
VERSION = 1


@dataclass
class Chunk:
    """One unit of work: one API call (Comtrade) or one file to load (BACI)."""

    key: str
    params: dict[str, str]
    status: ChunkStatus = "planned"
    records: int | None = None
    file: str | None = None
    file_id: int | None = None
    rows_loaded: int | None = None
    editions: dict[str, int] = field(default_factory=dict)
    note: str | None = None


def job_id(kind: str, spec: dict[str, Any], /) -> str:
    """16 hex digits identifying a request of *kind* with options *spec*."""
    text = json.dumps([kind, spec], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Job:
    """A job file's content; :meth:`save` after every change."""

    path: Path
    kind: str
    spec: dict[str, Any]
    chunks: list[Chunk]
    created: str = field(default_factory=_now)
    updated: str = field(default_factory=_now)
    resumed: bool = False

    @classmethod
    def open(cls, root: Path, kind: str, spec: dict[str, Any], /, *, plan: list[Chunk]) -> Job:
        """The job for this request: the saved one if it exists (resume), else a new one with *plan*."""
        path = root / "jobs" / f"{kind}-{job_id(kind, spec)}.json"
        if path.is_file():
            try:
                doc = json.loads(path.read_text("utf-8"))
                chunks = [Chunk(**c) for c in doc["chunks"]]
                return cls(path, kind, doc["spec"], chunks, doc["created"], doc["updated"], resumed=True)
            except (ValueError, KeyError, TypeError) as exc:
                raise FetchError(f"job file {path} is damaged ({exc}); delete it to start the job afresh") from None
        job = cls(path, kind, spec, plan)
        job.save()
        return job

    def save(self) -> None:
        """Write the job file atomically."""
        self.updated = _now()
        doc = {"version": VERSION, "kind": self.kind, "spec": self.spec, "created": self.created,
               "updated": self.updated, "chunks": [asdict(c) for c in self.chunks]}
        atomic_write(self.path, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")

    def pending(self) -> list[Chunk]:
        """Chunks still to fetch or load, in plan order."""
        return [c for c in self.chunks if c.status in ("planned", "fetched")]

    def done(self) -> list[Chunk]:
        """Chunks loaded into the warehouse."""
        return [c for c in self.chunks if c.status == "loaded"]

    def counts(self) -> dict[str, int]:
        """Number of chunks per status."""
        return dict(Counter(c.status for c in self.chunks))

    def replace(self, chunk: Chunk, parts: list[Chunk], /) -> None:
        """Mark *chunk* split and insert *parts* right after it (keys already present are skipped)."""
        chunk.status = "split"
        known = {c.key for c in self.chunks}
        index = self.chunks.index(chunk) + 1
        self.chunks[index:index] = [p for p in parts if p.key not in known]
        self.save()
