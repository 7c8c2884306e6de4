"""Fixtures of the API tests: a private copy of the India warehouse and a real uvicorn server on it."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    import pandas as pd


@pytest.fixture(scope="session")
def api_warehouse(tmp_path_factory: pytest.TempPathFactory, loaded_warehouse: Path) -> Path:
    """A copy of the session's India warehouse plus the shipped India-Russia events.

    The server puts its lock file and copies beside it.
    """
    from medtrade.verbs.events import load_events, shipped_events_file
    from medtrade.warehouse.store import Warehouse

    path = tmp_path_factory.mktemp("api") / "india.duckdb"
    shutil.copyfile(loaded_warehouse, path)
    with Warehouse(path) as wh:
        load_events(wh, shipped_events_file())
    return path


class LiveServer:
    """uvicorn serving ``create_app(warehouse)`` on 127.0.0.1 and a free port, in a thread."""

    def __init__(self, warehouse: Path, *, token: str | None = None) -> None:
        import uvicorn

        from medtrade.api import create_app

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))  # the kernel picks a free port; uvicorn serves this very socket
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.app = create_app(warehouse, token=token)
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.sock.close()


@pytest.fixture(scope="session")
def live_server(api_warehouse: Path) -> Iterator[LiveServer]:
    """A running server over :func:`api_warehouse` (shared by the tests that only read)."""
    with LiveServer(api_warehouse) as server:
        yield server


@pytest.fixture(scope="session")
def devices_by_fy(india_raw: pd.DataFrame) -> pd.Series:
    """India -> Russia exports of `medical_devices` per fiscal year (US$ mn), summed from the published CSV."""
    from medtrade.catalog.segments import load_segment

    seg = load_segment("medical_devices")
    rows = india_raw[(india_raw.partner == "RUSSIA") & india_raw.hs8.map(seg.matches)]
    return rows.groupby("fy").value_usd_mn.sum().rename(lambda fy: f"FY{fy}")


@pytest.fixture(scope="session")
def server_on():  # noqa: ANN201 - the LiveServer class
    """``with server_on(path) as server: server.url``: a server of one's own over another warehouse."""
    return LiveServer
