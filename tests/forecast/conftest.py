"""Session fixtures for the forecast tests: the real India -> Russia backtests, computed once."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def report_module():
    """scripts/backtest_report.py as a module (the same computation docs/forecast.md shows)."""
    spec = importlib.util.spec_from_file_location("backtest_report", REPO / "scripts" / "backtest_report.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["backtest_report"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def annual_backtest(loaded_warehouse: Path, report_module):
    """(series, Evaluation) for India -> Russia HS4 of chapters 29/30/90, fiscal years (EIDB)."""
    from medtrade.warehouse.store import Warehouse

    with Warehouse(loaded_warehouse, read_only=True) as wh:
        return report_module.run(wh, "annual")


@pytest.fixture(scope="session")
def annual_long_backtest(monthly_warehouse: Path, report_module):
    """(series, Evaluation) for the same headings, fiscal years rolled up from India's monthly statistics."""
    from medtrade.warehouse.store import Warehouse

    with Warehouse(monthly_warehouse, read_only=True) as wh:
        return report_module.run(wh, "annual-long")


@pytest.fixture(scope="session")
def monthly_backtest(monthly_warehouse: Path, report_module):
    """(series, Evaluation) for the same headings in India's monthly statistics."""
    from medtrade.warehouse.store import Warehouse

    with Warehouse(monthly_warehouse, read_only=True) as wh:
        return report_module.run(wh, "monthly")
