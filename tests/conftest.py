"""Shared pytest fixtures.

`data_dir` is the shared real-data directory: ``$MEDTRADE_DATA``, else
``../shared/data`` next to the repository root. Tests that need it are skipped
when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared data directory (``$MEDTRADE_DATA`` or ``<repo>/../shared/data``)."""
    path = Path(os.environ.get("MEDTRADE_DATA") or REPO_ROOT.parent / "shared" / "data")
    if not path.is_dir():
        pytest.skip(f"shared data directory `{path}` not found: set MEDTRADE_DATA")
    return path
