"""The download cache: every response stored under a key derived from its request.

Layout under the cache root (``--cache DIR``, else ``$MEDTRADE_CACHE``, else
``~/.cache/medtrade``)::

    comtrade/responses/<key>.json   one Comtrade API response per request, as received
    comtrade/malformed/<key>.json   answers that were not a Comtrade response (kept to inspect)
    comtrade/usage.json             calls made per UTC day (the free key allows 500)
    baci/BACI_HS17_V202501.zip      release archives (``.part`` while downloading)
    baci/BACI_HS17_V202501/         the unpacked CSVs that were loaded
    ecb/eurofxref-hist.zip          the ECB history `catalog.currency` reads when present
    jobs/<kind>-<id>.json           job files: planned and finished chunks

The key of a request is the SHA-256 of its URL and sorted query parameters, never of
its credentials: the same question asked again is answered from the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from medtrade import config

__all__ = ["ResponseCache", "atomic_write", "cache_root", "request_key"]


def cache_root(explicit: str | Path | None = None) -> Path:
    """The cache directory (created): ``--cache``, ``$MEDTRADE_CACHE`` or ``~/.cache/medtrade``."""
    root = config.cache_dir(explicit)
    root.mkdir(parents=True, exist_ok=True)
    return root


def atomic_write(path: Path, data: bytes | str, /) -> None:
    """Write *data* to *path* so a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def request_key(url: str, params: Mapping[str, str] | None = None, /) -> str:
    """24 hex digits identifying a request by its URL and sorted parameters."""
    canonical = json.dumps([url, sorted((params or {}).items())], separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:24]


class ResponseCache:
    """Responses of one service, one file per request key, written atomically."""

    def __init__(self, root: Path, service: str, /, *, suffix: str = ".json") -> None:
        self.dir = root / service / "responses"
        self.malformed_dir = root / service / "malformed"
        self.suffix = suffix

    def path(self, key: str) -> Path:
        """Where the response of *key* is (or would be) stored."""
        return self.dir / f"{key}{self.suffix}"

    def get(self, key: str) -> Path | None:
        """The stored response of *key*, or ``None``."""
        path = self.path(key)
        return path if path.is_file() else None

    def put(self, key: str, body: bytes) -> Path:
        """Store *body* as the response of *key*; returns its path."""
        path = self.path(key)
        atomic_write(path, body)
        return path

    def keep_malformed(self, key: str, body: bytes) -> Path:
        """Keep an answer that is not a valid response, for the user to inspect."""
        path = self.malformed_dir / f"{key}{self.suffix}"
        atomic_write(path, body)
        return path
