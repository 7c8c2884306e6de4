"""Readers, one module per file format, and the registry that picks one.

Each reader module has ``NAME``, ``detect(path) -> bool`` and ``read(path) -> Batch``.
Order matters: the first reader whose ``detect`` says yes reads the file, unless
``source=NAME`` forces one.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from medtrade.errors import SourceError
from medtrade.sources.base import Batch, head_bytes, require_file

#: Reader modules in detection order (most specific layouts first).
READER_MODULES = (
    "india_eidb_csv",
    "india_eidb_totals_csv",
    "india_eidb_json",
    "ru_in_monthly_csv",
    "fts_parquet",
    "comtrade_json",
    "comtrade_csv",
    "baci_csv",
)


READERS: list[ModuleType] = [importlib.import_module(f"medtrade.sources.{name}") for name in READER_MODULES]

__all__ = ["Batch", "READERS", "detect", "read_file", "reader_names"]


def reader_names() -> list[str]:
    """Names accepted by ``--source``."""
    return [module.NAME for module in READERS]


def detect(path: Path, /) -> ModuleType:
    """The reader that recognises *path*; :class:`SourceError` naming the known formats if none does."""
    require_file(path)
    if not head_bytes(path, 4096).strip():
        raise SourceError(f"{path}: the file is empty")
    for module in READERS:
        if module.detect(path):
            return module
    raise SourceError(
        f"{path}: unknown format; medtrade reads {', '.join(reader_names())} "
        "(use --source NAME to force one)"
    )


def read_file(path: str | Path, /, *, source: str | None = None) -> Batch:
    """Describe how to stage *path*, with the detected (or forced) reader."""
    path = Path(path)
    if source is None:
        return detect(path).read(path)
    for module in READERS:
        if module.NAME == source:
            return module.read(path)
    raise SourceError(f"unknown source `{source}`; valid: {', '.join(reader_names())}")
