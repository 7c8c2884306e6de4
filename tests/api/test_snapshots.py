"""The lock file and the copies: writers wait for each other, killed readers' copies are removed."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from medtrade.warehouse.snapshots import SnapshotReader, open_for_writing, snapshot_dir, writer_lock

SMALL = """hs8,description,unit,fy,fy_start_year,partner,value_usd_mn,value_inr_crore,quantity
30041000,PENICILLINS,KGS,2017-18,2017,RUSSIA,1.5,12.3,100.0
"""


def test_a_second_writer_waits_for_the_first(tmp_path: Path) -> None:
    wh = tmp_path / "w.duckdb"
    small = tmp_path / "small.csv"
    small.write_text(SMALL)
    first = open_for_writing(wh)
    # Another process's load blocks on the lock file instead of failing on DuckDB's lock.
    proc = subprocess.Popen([sys.executable, "-m", "medtrade.cli", "load", str(small), "-w", str(wh)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)
    assert proc.poll() is None, proc.communicate()
    with writer_lock(wh, shared=True, wait=False) as held:
        assert not held  # a reader cannot take a copy meanwhile either
    first.close()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert "loaded 1" in out


def test_copies_of_dead_readers_are_removed(loaded_warehouse: Path, tmp_path: Path) -> None:
    wh = tmp_path / "w.duckdb"
    shutil.copyfile(loaded_warehouse, wh)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = snapshot_dir(wh) / f"{dead.stdout.strip()}-3.duckdb"
    stale.parent.mkdir()
    stale.write_bytes(b"left by a killed server")
    reader = SnapshotReader(wh)
    assert not stale.exists()
    with reader.open() as w:
        assert w.con.execute("SELECT count(*) FROM source_files").fetchone()[0] == 1
    reader.close()
    assert not snapshot_dir(wh).exists()


def test_serve_command(api_warehouse: Path, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "medtrade.cli", "serve", "--port", str(port), "-w", str(api_warehouse)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/sources", timeout=5)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"serve did not start: {proc.communicate()}")
                time.sleep(0.2)
        assert r.status_code == 200 and len(r.json()["rows"]) == 1
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    missing = subprocess.run([sys.executable, "-m", "medtrade.cli", "serve", "-w", str(tmp_path / "none.duckdb")],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2
    assert missing.stderr.strip().count("\n") == 0 and "does not exist" in missing.stderr


def test_a_new_copy_answers_recent_questions_at_once(loaded_warehouse: Path, tmp_path: Path, server_on) -> None:
    """After a load the server swaps in a new copy that already holds the answers asked recently."""
    wh = tmp_path / "w.duckdb"
    shutil.copyfile(loaded_warehouse, wh)
    small = tmp_path / "small.csv"
    small.write_text(SMALL)
    question = "/api/flows?exporter=IND&importer=RUS&segment=pharma&period=FY2017-18"
    with server_on(wh) as server:
        first = httpx.get(server.url + question, timeout=60)
        again = httpx.get(server.url + question, timeout=60)
        load = subprocess.run([sys.executable, "-m", "medtrade.cli", "load", str(small), "-w", str(wh)],
                              capture_output=True, text=True, timeout=120)
        assert load.returncode == 0, load.stderr
        deadline = time.monotonic() + 30
        while httpx.get(server.url + "/healthz", timeout=10).json()["snapshot"] == 1:
            assert time.monotonic() < deadline, "the server did not pick up the load"
            time.sleep(0.1)
        after = httpx.get(server.url + question, timeout=60)
    assert (first.headers["x-medtrade-cache"], again.headers["x-medtrade-cache"]) == ("miss", "hit")
    assert after.headers["x-medtrade-snapshot"] == "2" and after.headers["x-medtrade-cache"] == "hit"
    # The new answer counts the small file's row: it is the new data, not the old answer kept.
    old_value = first.json()["rows"][0]["value_usd_mn"]
    assert after.json()["rows"][0]["value_usd_mn"] == pytest.approx(old_value + 1.5, abs=1e-6)
