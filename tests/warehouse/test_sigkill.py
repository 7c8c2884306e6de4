"""A load killed with SIGKILL in the middle leaves the warehouse exactly as it was.

The big file is the India CSV decompressed (211 MB, 2.48 M rows): its load takes
seconds, and the kill comes once the load is writing rows into the database file.
"""

from __future__ import annotations

import gzip
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from medtrade.warehouse.store import Warehouse

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")]

SMALL = """hs8,description,unit,fy,fy_start_year,partner,value_usd_mn,value_inr_crore,quantity
30041000,PENICILLINS,KGS,2017-18,2017,RUSSIA,1.5,12.3,100.0
30049099,OTHER MEDICAMENTS,KGS,2022-23,2022,U S A,2.25,18.4,50.0
"""


def state(path: Path) -> tuple:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            """SELECT (SELECT count(*) FROM trade_flows), (SELECT sum(round(value_usd * 100)::HUGEINT) FROM trade_flows),
                      (SELECT count(*) FROM trade_flows WHERE superseded_by IS NOT NULL),
                      (SELECT count(*) FROM rejects), (SELECT count(*) FROM source_files),
                      (SELECT list(name ORDER BY file_id) FROM source_files)""").fetchone()
    finally:
        con.close()


def test_sigkill_mid_load_leaves_the_warehouse_as_it_was(india_csv: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    with gzip.open(india_csv, "rb") as src, big.open("wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    with big.open("rb") as fh:
        big_rows = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 24), b"")) - 1
    wh = tmp_path / "w.duckdb"
    small = tmp_path / "small.csv"
    small.write_text(SMALL)
    with Warehouse(wh) as w:
        w.load(small)
    before = state(wh)
    size0 = wh.stat().st_size

    log = (tmp_path / "out.txt").open("w")
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "medtrade.cli", "load", str(big), "-w", str(wh), "--format", "json"],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        # In the middle: the load transaction has started writing rows to the file.
        while time.monotonic() - started < 120:
            if proc.poll() is not None:
                pytest.fail(f"the load ended (exit {proc.returncode}) {time.monotonic() - started:.1f} s after it "
                            "started, before it could be killed: make the big file bigger")
            wal = wh.with_name(wh.name + ".wal")
            if wh.stat().st_size > size0 or (wal.exists() and wal.stat().st_size > 0):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the load wrote nothing to the warehouse within 120 s")
        time.sleep(0.3)
        assert proc.poll() is None, "the load ended before it could be killed: make the big file bigger"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    killed_after = time.monotonic() - started

    # Opening read-write replays the log and drops the uncommitted transaction.
    with Warehouse(wh) as w:
        assert w.con.execute("SELECT count(*) FROM trade_flows").fetchone()[0] == before[0]
    after = state(wh)
    assert after[4] == before[4], f"the load committed before the kill ({killed_after:.1f} s): kill it earlier"
    assert after[:1] + after[2:] == before[:1] + before[2:]
    assert after[1] == pytest.approx(before[1], rel=1e-12)

    with Warehouse(wh) as w:
        report = w.load(big)
    assert report.status == "loaded"
    assert report.rows_read == big_rows == 2_478_935
    assert report.rows_loaded + report.rows_rejected == report.rows_read
    assert report.rows_rejected == 0
    final = state(wh)
    assert final[0] == before[0] + big_rows
    assert final[4] == before[4] + 1
