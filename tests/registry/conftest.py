"""Fixtures for the registry tests: the shared register samples and warehouses holding them."""

from __future__ import annotations

from pathlib import Path

import pytest

from medtrade.warehouse.store import Warehouse

GRLS = "registry/grls_sample_2023"


@pytest.fixture(scope="session")
def registry_dir(data_dir: Path) -> Path:
    path = data_dir / "registry"
    if not path.is_dir():
        pytest.skip(f"`{path}` not found")
    return path


@pytest.fixture(scope="session")
def grls_csv(registry_dir: Path) -> Path:
    return registry_dir / "grls_sample_2023/grls_example_flat.csv"


@pytest.fixture(scope="session")
def grls_db(registry_dir: Path) -> Path:
    return registry_dir / "grls_sample_2023/grls_example.db"


def _warehouse(folder: Path, *files: Path) -> Path:
    path = folder / "w.duckdb"
    with Warehouse(path) as wh:
        for f in files:
            wh.load(f)
    return path


@pytest.fixture(scope="session")
def grls_db_warehouse(tmp_path_factory: pytest.TempPathFactory, grls_db: Path) -> Path:
    return _warehouse(tmp_path_factory.mktemp("grls_db"), grls_db)


@pytest.fixture(scope="session")
def grls_csv_warehouse(tmp_path_factory: pytest.TempPathFactory, grls_csv: Path) -> Path:
    return _warehouse(tmp_path_factory.mktemp("grls_csv"), grls_csv)


@pytest.fixture(scope="session")
def all_registers(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> tuple[Path, list[Path]]:
    """(warehouse, files): every register sample of the shared data, loaded the way `medtrade demo` does."""
    from medtrade.verbs.demo import demo_files

    files = [p for p in demo_files(data_dir) if "registry" in p.parts]
    return _warehouse(tmp_path_factory.mktemp("registers"), *files), files
