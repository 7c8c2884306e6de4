"""Registry readers: drug and device registers, one module per layout.

Each module has ``NAME``, ``detect(path) -> bool`` and ``read(path) -> RegistryBatch``.
:func:`reader_for` is what the warehouse asks first: a registry reader that detects the
file (or that ``source=`` names) loads it into ``registrations``; otherwise the file
goes down the trade path (:mod:`medtrade.sources`).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from medtrade.errors import SourceError
from medtrade.sources.registry.base import RegistryBatch

#: Registry reader modules in detection order.
REGISTRY_MODULES = (
    "grls_xlsx",
    "grls_sample",
    "zhnvlp_csv",
    "price_monitor",
    "eaeu_kz_json",
    "who_pq",
    "cdsco_csv",
)

__all__ = ["REGISTRY_READERS", "RegistryBatch", "reader_for", "registry_names"]


REGISTRY_READERS: list[ModuleType] = [importlib.import_module(f"medtrade.sources.registry.{name}") for name in REGISTRY_MODULES]


def registry_names() -> list[str]:
    """Reader names accepted by ``--source`` for registers."""
    return [module.NAME for module in REGISTRY_READERS]


def reader_for(path: Path, /, *, source: str | None = None) -> ModuleType | None:
    """The registry reader for *path*, or ``None`` when the file is for the trade readers.

    With ``source`` naming a registry reader, that reader (it refuses a file it cannot
    read, in one line). When neither a registry reader nor a trade reader recognises
    the file, the error names both lists.
    """
    from medtrade import sources

    if source is not None:
        for module in REGISTRY_READERS:
            if module.NAME == source:
                return module
        if source in sources.reader_names():
            return None
        raise SourceError(f"unknown source `{source}`; valid: {', '.join(sources.reader_names() + registry_names())}")
    for module in REGISTRY_READERS:
        if module.detect(path):
            return module
    try:
        sources.detect(path)
    except SourceError as exc:
        if "unknown format" in str(exc):
            from medtrade.sources.registry.base import head_text, refuse_mojibake

            refuse_mojibake(path, head_text(path, 65536))  # a garbled register is named as such
            raise SourceError(f"{exc}; registers: {', '.join(registry_names())}") from None
        raise
    return None
