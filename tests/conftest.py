"""Shared pytest fixtures.

`data_dir` is the shared real-data directory: ``$MEDTRADE_DATA``, else
``../shared/data`` next to the repository root. Tests that need it are skipped
when it is absent.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from medtrade.warehouse.report import LoadReport

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared data directory (``$MEDTRADE_DATA`` or ``<repo>/../shared/data``)."""
    path = Path(os.environ.get("MEDTRADE_DATA") or REPO_ROOT.parent / "shared" / "data")
    if not path.is_dir():
        pytest.skip(f"shared data directory `{path}` not found: set MEDTRADE_DATA")
    return path


# --------------------------------------------------------------------- India EIDB and the CLI
INDIA_CSV = Path("trade/india_eidb/india_exports_hs8_by_partner_fy2017-18_to_2023-24.csv.gz")


@pytest.fixture(scope="session")
def india_csv(data_dir: Path) -> Path:
    """The 2.48 M-row India EIDB export table (gzip CSV) in the shared data."""
    path = data_dir / INDIA_CSV
    if not path.is_file():
        pytest.skip(f"`{path}` not found")
    return path


@pytest.fixture(scope="session")
def india_load(tmp_path_factory: pytest.TempPathFactory, india_csv: Path) -> tuple[Path, LoadReport]:
    """(warehouse path, LoadReport): the India CSV loaded once per session into a new warehouse."""
    from medtrade.warehouse.store import Warehouse

    path = tmp_path_factory.mktemp("loaded") / "india.duckdb"
    with Warehouse(path) as wh:
        report = wh.load(india_csv)
    return path, report


@pytest.fixture(scope="session")
def loaded_warehouse(india_load: tuple[Path, LoadReport]) -> Path:
    """Path of a warehouse holding the India CSV; open it with ``Warehouse(path, read_only=True)``."""
    return india_load[0]


@pytest.fixture(scope="session")
def run_medtrade():
    """Run the CLI in a subprocess: ``run_medtrade("load", path, "-w", wh)`` -> CompletedProcess (text)."""
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    env.pop("MEDTRADE_WAREHOUSE", None)

    def run(*args: object, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "medtrade.cli", *map(str, args)],
                              capture_output=True, text=True, timeout=timeout, env=env, check=False)

    return run


MONTHLY = "trade/india_russia_monthly/russia_india_monthly_2010-01_to_2024-03.csv.gz"


@pytest.fixture(scope="session")
def monthly_csv(data_dir: Path) -> Path:
    """The Russia-India monthly file (Russian customs + India's monthly statistics)."""
    return data_dir / MONTHLY


@pytest.fixture(scope="session")
def monthly_warehouse(tmp_path_factory: pytest.TempPathFactory, monthly_csv: Path) -> Path:
    """A warehouse holding only the monthly file; tests that write to it work on a copy."""
    from medtrade.warehouse.store import Warehouse

    path = tmp_path_factory.mktemp("monthly") / "w.duckdb"
    with Warehouse(path) as wh:
        wh.load(monthly_csv)
    return path


@pytest.fixture(scope="session")
def monthly_raw(monthly_csv: Path):  # noqa: ANN201 - a pandas DataFrame
    """The monthly file as published, read independently with pandas."""
    import pandas as pd

    return pd.read_csv(monthly_csv, dtype={"hs_code": str})


@pytest.fixture(scope="session")
def india_raw(india_csv: Path):  # noqa: ANN201 - a pandas DataFrame
    """The India EIDB file as published, read independently with pandas."""
    import pandas as pd

    return pd.read_csv(india_csv, dtype={"hs8": str})


CHROMIUM = "/usr/bin/chromium"  # Debian's package, installed by `make test`
# Without the background-networking flags Chromium keeps trying hosts this machine cannot reach.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run"]


@pytest.fixture(scope="session")
def chromium():  # noqa: ANN201 - a playwright Browser
    """Headless Debian Chromium driven by Playwright, for the dashboard and report tests."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
