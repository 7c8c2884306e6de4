"""Fixtures of the fetch tests: the loopback guard, the replay server, a cache, a CLI runner."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from loopback_guard import PROXY_VARS, install, subprocess_env, uninstall
from replay import Replay, baci_archive, comtrade_records, ecb_archive
from typer.testing import CliRunner


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch):
    """No test here may connect anywhere but 127.0.0.1 (proxies dropped, sockets guarded)."""
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    original = install()
    yield
    uninstall(original)


@pytest.fixture(scope="session")
def replay_content(data_dir: Path) -> dict:
    """What the server serves, built once from the real files."""
    return {"records": comtrade_records(data_dir),
            "files": {"baci/BACI_HS07_V202501.zip": baci_archive(data_dir), "ecb/eurofxref-hist.zip": ecb_archive()}}


@pytest.fixture()
def replay(replay_content: dict):
    """A started replay server (fresh faults and log per test)."""
    server = Replay(records=replay_content["records"], files=dict(replay_content["files"]))
    server.start()
    yield server
    server.stop()


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty download cache, also set as $MEDTRADE_CACHE."""
    path = tmp_path / "cache"
    monkeypatch.setenv("MEDTRADE_CACHE", str(path))
    return path


@pytest.fixture()
def cli(monkeypatch: pytest.MonkeyPatch):
    """Run ``medtrade ...`` in this process: ``cli("fetch", "ecb", ...)`` -> click Result (stdout, stderr)."""
    from medtrade.cli import app

    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("NO_COLOR", "1")
    runner = CliRunner()

    def run(*args: object):
        return runner.invoke(app, [str(a) for a in args])

    return run


def medtrade_command(*args: object) -> list[str]:
    """argv of ``python -m medtrade.cli ARGS``."""
    return [sys.executable, "-m", "medtrade.cli", *map(str, args)]


@pytest.fixture()
def popen(cache: Path):
    """Start ``medtrade ARGS`` as a subprocess (guarded); the test waits for or kills it."""
    started: list[subprocess.Popen] = []

    def start(*args: object, **env: str) -> subprocess.Popen:
        proc = subprocess.Popen(medtrade_command(*args), env=subprocess_env(cache, **env), text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        started.append(proc)
        return proc

    yield start
    for proc in started:  # never leave one running
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
