"""`medtrade load` in another process while the server answers: no errors, old or new answers only.

The server starts on a warehouse holding the Russia-India monthly file; a `medtrade load`
subprocess adds the 2.48 M-row India EIDB file meanwhile. Every answer given during the load
must equal, byte for byte, the answer of a server on an untouched copy of the old warehouse
or the answer of the same server once it serves the new one.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

FIXED = ["/api/sources", "/api/flows?exporter=IND&importer=RUS&segment=pharma",
         "/api/flows?exporter=IND&importer=RUS&segment=medical_devices&by=hs4&period=FY2022-23"]


def varied(rng: random.Random) -> str:
    # Many distinct questions, so most are computed on the copy during the load, not taken from a cache.
    return f"/api/top?exporter=IND&segment=pharma&period=FY2022-23&n={rng.randint(1, 80)}"


def test_load_while_serving(monthly_warehouse: Path, india_csv: Path, tmp_path: Path, server_on) -> None:
    wh = tmp_path / "w.duckdb"
    shutil.copyfile(monthly_warehouse, wh)
    (tmp_path / "old").mkdir()
    old_copy = tmp_path / "old" / "w.duckdb"
    shutil.copyfile(monthly_warehouse, old_copy)

    seen: list[tuple[str, int, bytes, str]] = []
    errors: list[str] = []
    stop = threading.Event()

    def hammer(url: str, seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=url, timeout=60) as client:
            while not stop.is_set():
                path = rng.choice([*FIXED, varied(rng), varied(rng)])
                try:
                    r = client.get(path)
                except httpx.HTTPError as exc:
                    errors.append(f"{path}: {exc!r}")
                    continue
                seen.append((path, r.status_code, r.content, r.headers.get("x-medtrade-snapshot", "")))

    with server_on(wh) as server:
        before = httpx.get(f"{server.url}/healthz").json()["snapshot"]
        threads = [threading.Thread(target=hammer, args=(server.url, i)) for i in range(4)]
        for t in threads:
            t.start()
        started = time.monotonic()
        load = subprocess.run([sys.executable, "-m", "medtrade.cli", "load", str(india_csv), "-w", str(wh),
                               "--format", "json"], capture_output=True, text=True, timeout=300, check=False)
        load_seconds = time.monotonic() - started
        during = len(seen)
        # The server notices the new file on a request and swaps copies without stopping.
        deadline = time.monotonic() + 30
        while httpx.get(f"{server.url}/healthz").json()["snapshot"] == before and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join()
        new = {path: httpx.get(f"{server.url}{path}", timeout=60) for path in {p for p, *_ in seen}}
        generation = httpx.get(f"{server.url}/healthz").json()["snapshot"]
        snapshots = sorted(p.name for p in wh.with_name(wh.name + ".snapshots").iterdir())

    assert load.returncode == 0, load.stderr
    assert '"status": "loaded"' in load.stdout
    assert not errors, errors[:5]
    assert during > 50, f"only {during} answers during the {load_seconds:.1f} s load"
    assert generation > before
    assert snapshots == [f"{os.getpid()}-{generation}.duckdb"], snapshots  # older copies deleted once unused

    with server_on(old_copy) as old_server:
        old = {path: httpx.get(f"{old_server.url}{path}", timeout=60) for path in new}
    for path in FIXED:
        assert old[path].content != new[path].content, f"{path}: the load should change this answer"
    statuses = {status for _, status, _, _ in seen}
    assert statuses == {200}, statuses
    versions = {"old": 0, "new": 0}
    for path, _, body, _ in seen:
        if body == old[path].content:
            versions["old"] += 1
        elif body == new[path].content:
            versions["new"] += 1
        else:
            raise AssertionError(f"{path}: an answer that is neither the old nor the new one")
    print(f"load {load_seconds:.1f} s, {during} answers during it, {versions}, copies {before}->{generation}")
    assert versions["old"] > 0 and versions["new"] > 0, versions
    # No copies left behind once the servers stopped.
    assert not wh.with_name(wh.name + ".snapshots").exists()
    assert not old_copy.with_name(old_copy.name + ".snapshots").exists()
