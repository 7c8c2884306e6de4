"""Where things live: the warehouse file and the sample data directory."""

from __future__ import annotations

import os
from pathlib import Path

from medtrade.errors import InputError


def warehouse_path(explicit: str | Path | None = None) -> Path:
    """`--warehouse PATH`, else `$MEDTRADE_WAREHOUSE`, else `./medtrade.duckdb`."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("MEDTRADE_WAREHOUSE", "medtrade.duckdb"))


def data_dir(explicit: str | Path | None = None, *, must_exist: bool = True) -> Path:
    """`--data DIR`, else `$MEDTRADE_DATA`, else `../shared/data`."""
    path = Path(explicit or os.environ.get("MEDTRADE_DATA") or "../shared/data")
    if must_exist and not path.is_dir():
        raise InputError(
            f"data directory `{path}` does not exist: pass --data DIR or set MEDTRADE_DATA"
        )
    return path


def cache_dir(explicit: str | Path | None = None) -> Path:
    """`--cache DIR`, else `$MEDTRADE_CACHE`, else `~/.cache/medtrade` (downloads of `medtrade fetch`)."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("MEDTRADE_CACHE") or Path.home() / ".cache" / "medtrade")
