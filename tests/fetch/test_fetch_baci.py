"""`medtrade fetch baci` against the loopback replay server: Range resume, checksums, nothing loaded when damaged.

The archive is built by the replay server in CEPII's layout from the real Thai Comtrade
records; expected rows and values are recomputed here from the comtradr CSV with pandas.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from replay import THAI

NAME = "baci/BACI_HS07_V202501.zip"


@pytest.fixture(scope="module")
def expected(data_dir: Path) -> pd.DataFrame:
    """BACI's rows from the Thai records: exports and imports with a real partner (no World, no re-imports)."""
    frame = pd.read_csv(data_dir / THAI, dtype={"cmd_code": str})
    return frame[frame["flow_code"].isin(["X", "M"]) & (frame["partner_code"] != 0)]


def _fetch(cli, replay, wh: Path, *extra: str):
    return cli("fetch", "baci", "--release", "202501", "--hs", "HS07", "--retry-delay", "0.01",
               "--base-url", f"{replay.url}/baci", "-w", wh, "-f", "json", *extra)


def _state(wh: Path) -> tuple:
    from medtrade.warehouse.store import Warehouse

    with Warehouse(wh) as w:
        return w.con.execute("SELECT (SELECT count(*) FROM source_files), count(*), sum(value_usd)"
                             " FROM trade_flows").fetchone()


def _archive_calls(replay) -> list:
    return [c for c in replay.log if c.path == f"/{NAME}"]


def test_interrupted_download_resumes_with_range_and_loads(cli, replay, cache, tmp_path, expected):
    size = len(replay.files[NAME])
    replay.baci_cut = size * 2 // 5
    wh = tmp_path / "w.duckdb"
    # First run: the connection drops after 40% and the one-call budget forbids a retry.
    first = _fetch(cli, replay, wh, "--max-calls", "1")
    assert first.exit_code == 2 and "call budget (1 calls" in first.stderr
    part = cache / "baci" / "BACI_HS07_V202501.zip.part"
    assert part.stat().st_size == size * 2 // 5
    assert _state(wh)[:2] == (0, 0)                         # nothing loaded from half an archive

    second = _fetch(cli, replay, wh)
    assert second.exit_code == 0, second.stderr
    calls = _archive_calls(replay)
    assert [c.headers.get("Range") for c in calls] == [None, f"bytes={size * 2 // 5}-"]
    assert [c.status for c in calls] == [-200, 206]         # -200: the cut-short first answer
    report = json.loads(second.stdout)
    assert report["sha256"] == hashlib.sha256(replay.files[NAME]).hexdigest()
    assert report["files"] == [f"BACI_HS07_Y{y}_V202501.csv" for y in range(2007, 2012)]

    files, rows, value = _state(wh)
    assert files == 5 and rows == report["rows_loaded"] == len(expected) and report["rows_rejected"] == 0
    assert value == pytest.approx(expected["primary_value"].sum(), rel=1e-9)   # v (thousand US$) * 1000

    again = _fetch(cli, replay, wh)                         # cached, verified, already loaded: no call
    assert again.exit_code == 0 and len(_archive_calls(replay)) == 2
    assert json.loads(again.stdout)["files_loaded_now"] == 0


def test_corrupted_archive_is_refused_by_its_sha256_and_nothing_is_loaded(cli, replay, cache, tmp_path, data_dir):
    wh = tmp_path / "w.duckdb"
    assert cli("load", data_dir / THAI, "-w", wh).exit_code == 0     # a warehouse that already holds data
    before = _state(wh)
    good = hashlib.sha256(replay.files[NAME]).hexdigest()
    replay.baci_corrupt = True
    result = _fetch(cli, replay, wh, "--sha256", good)
    assert result.exit_code == 2
    line = [x for x in result.stderr.splitlines() if x.strip()]
    assert len(line) == 1 and f"is not the expected {good} (--sha256); nothing was loaded" in line[0]
    assert _state(wh) == before                             # warehouse unchanged
    assert (cache / "baci" / "rejected" / "BACI_HS07_V202501.zip").is_file()
    assert not (cache / "baci" / "BACI_HS07_V202501.zip").exists()


def test_corrupted_archive_without_a_digest_is_refused_by_crc(cli, replay, cache, tmp_path):
    wh = tmp_path / "w.duckdb"
    replay.baci_corrupt = True
    result = _fetch(cli, replay, wh)
    assert result.exit_code == 2
    assert "the archive is damaged" in result.stderr and "nothing was loaded" in result.stderr
    assert _state(wh)[:2] == (0, 0)
    assert not (cache / "baci" / "BACI_HS07_V202501").exists()       # no half-unpacked folder either


def test_years_option_loads_only_those_years(cli, replay, cache, tmp_path, expected):
    wh = tmp_path / "w.duckdb"
    result = _fetch(cli, replay, wh, "--years", "2009-2010")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["files"] == ["BACI_HS07_Y2009_V202501.csv", "BACI_HS07_Y2010_V202501.csv"]
    assert _state(wh)[1] == expected["ref_year"].isin([2009, 2010]).sum()
