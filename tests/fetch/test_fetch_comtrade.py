"""`medtrade fetch comtrade` against the loopback replay server (real Comtrade records).

Expected numbers come from the comtradr CSV samples read with pandas, never from the
fetcher's own output.
"""

from __future__ import annotations

import json
import signal
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from replay import KEY, THAI, USA

from medtrade.fetch import comtrade as ct
from medtrade.warehouse.store import Warehouse

CODES = ("030613", "160520")
THAI_ARGS = ("--reporter", "THA", "--partner", "all", "--flow", "import,export,re-import",
             "--hs", ",".join(CODES), "--period", "2007-2011")
#: 300 records a call against ~250 partners x 3 flows: one code x one year per call = 10 chunks.
SMALL = ("--records-per-call", "300")
FAST = ("--retry-delay", "0.01")


@pytest.fixture()
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COMTRADE_KEY", KEY)
    return KEY


@pytest.fixture(scope="module")
def thai(data_dir: Path) -> pd.DataFrame:
    """The Thai sample's records of the requested codes, as published (comtradr CSV), read independently."""
    frame = pd.read_csv(data_dir / THAI, dtype={"cmd_code": str})
    return frame[frame["cmd_code"].isin(CODES)]


def _base(replay) -> str:
    return f"{replay.url}/data/v1/get"


def _fetch(cli, replay, wh: Path, *extra: str):
    return cli("fetch", "comtrade", *THAI_ARGS, *SMALL, *FAST, "--base-url", _base(replay), "-w", wh, *extra)


def _chunk_key(logged) -> tuple:
    return tuple(sorted(logged.params.items()))


def one_line(stderr: str) -> str:
    """The single error line of a failed command (a transient progress bar may leave a blank line)."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


def _warehouse_totals(wh: Path) -> tuple[int, float, int, int]:
    with Warehouse(wh, read_only=True) as w:
        rows, value, distinct = w.con.execute(
            "SELECT count(*), sum(value_usd), count(DISTINCT (reporter, partner, flow, product_code, period))"
            " FROM trade_flows WHERE dataset = 'comtrade'").fetchone()
        files = w.con.execute("SELECT count(*) FROM source_files").fetchone()[0]
    return rows, value, distinct, files


def test_many_chunks_with_429s_and_a_drop_complete_within_budget(cli, replay, cache, key, tmp_path, thai):
    replay.faults = {3: ("429", 1), 5: ("drop",), 8: ("429", 1)}
    wh = tmp_path / "w.duckdb"
    result = _fetch(cli, replay, wh, "--max-calls", "30", "-f", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)

    calls = replay.data_calls()
    answered = [c for c in calls if c.status == 200]
    assert len(calls) == 10 + 3 <= 30                      # 10 chunks + 2 x 429 + 1 dropped connection
    assert len(answered) == 10 and len({_chunk_key(c) for c in answered}) == 10   # each chunk answered once
    assert report["calls"] == len(calls) and report["retries"] == 3

    rows, value, distinct, files = _warehouse_totals(wh)
    assert files == 10                                      # one file per chunk, none loaded twice
    assert rows == distinct == len(thai) == report["records"] == report["rows_loaded"]
    assert value == pytest.approx(thai["primary_value"].sum(), rel=1e-12)
    assert report["editions"] == dict(Counter(thai["classification_code"]))   # {"H3": 981}

    from medtrade.sources import comtrade_json, detect

    answers = sorted((cache / "comtrade" / "responses").glob("*.json"))   # the cache holds what was loaded
    assert len(answers) == 10 and all(detect(f) is comtrade_json for f in answers)


def test_killed_job_resumes_fetching_only_the_missing_chunks(popen, cli, replay, cache, key, tmp_path, thai):
    wh = tmp_path / "w.duckdb"
    replay.hold_at = 5  # the 5th call hangs until the process is killed
    proc = popen("fetch", "comtrade", *THAI_ARGS, *SMALL, *FAST, "--base-url", _base(replay), "-w", wh,
                 COMTRADE_KEY=KEY)
    assert replay.held.wait(60), proc.communicate(timeout=5)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    replay.release.set()
    first = replay.data_calls()[:5]
    done_before = {_chunk_key(c) for c in first[:4]}
    assert all(c.status == 200 for c in first[:4])

    result = _fetch(cli, replay, wh, "-f", "json")
    assert result.exit_code == 0, result.stderr
    second = replay.data_calls()[5:]
    asked = [_chunk_key(c) for c in second]
    assert len(asked) == len(set(asked)) == 10 - 4          # only the missing chunks, each once
    assert not done_before & set(asked)
    assert json.loads(result.stdout)["chunks_this_run"] == 6

    rows, value, distinct, files = _warehouse_totals(wh)
    assert files == 10 and rows == distinct == len(thai)
    assert value == pytest.approx(thai["primary_value"].sum(), rel=1e-12)


def test_budget_stops_the_job_and_the_next_run_resumes(cli, replay, cache, key, tmp_path, thai):
    wh = tmp_path / "w.duckdb"
    stopped = _fetch(cli, replay, wh, "--max-calls", "3")
    assert stopped.exit_code == 2
    assert "call budget (3 calls, --max-calls) is spent" in one_line(stopped.stderr)
    assert "[3 of 10 chunks loaded" in stopped.stderr
    resumed = _fetch(cli, replay, wh)
    assert resumed.exit_code == 0, resumed.stderr
    assert len(replay.data_calls()) == 10                   # 3 + 7: nothing fetched twice
    assert _warehouse_totals(wh)[0] == len(thai)


def test_an_answer_at_the_record_cap_is_split_so_nothing_is_lost(cli, replay, cache, key, tmp_path, thai, monkeypatch):
    # A wrong partner estimate packs 3 years a call: the answers hit maxRecords=100 and must be split
    # (030613 in 2008 alone has 113 records: split down to single flows).
    monkeypatch.setattr(ct, "PARTNERS_ALL", 10)
    wh = tmp_path / "w.duckdb"
    result = cli("fetch", "comtrade", *THAI_ARGS, "--records-per-call", "100", *FAST, "--base-url", _base(replay),
                 "-w", wh, "-f", "json")
    assert result.exit_code == 0, result.stderr
    capped = [c for c in replay.data_calls() if len(replay.answer(c.params, "A")) == 100]
    assert capped, "the test needs answers that reach the cap"
    rows, value, distinct, _ = _warehouse_totals(wh)
    assert rows == distinct == len(thai)
    assert value == pytest.approx(thai["primary_value"].sum(), rel=1e-12)
    job = json.loads(Path(json.loads(result.stdout)["job"]).read_text())
    assert {c["status"] for c in job["chunks"]} == {"loaded", "split"}


def test_hs_editions_are_recorded_per_answer(cli, replay, cache, key, tmp_path, data_dir):
    usa = pd.read_csv(data_dir / USA)
    wh = tmp_path / "w.duckdb"
    result = cli("fetch", "comtrade", "--reporter", "USA", "--partner", "FRA,DEU,JPN,MEX", "--hs", "TOTAL",
                 "--period", "2018-2022", "--records-per-call", "4", "--base-url", _base(replay), "-w", wh, "-f", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["editions"] == dict(Counter(usa["classification_code"]))       # H5 2018-2021, H6 2022
    job = json.loads(Path(report["job"]).read_text())
    by_year = {c["params"]["period"]: c["editions"] for c in job["chunks"]}
    expected = usa.groupby("ref_year")["classification_code"].agg(lambda s: dict(Counter(s))).to_dict()
    assert by_year == {str(y): e for y, e in expected.items()}


def test_dry_run_prints_the_planned_calls_without_calling(cli, replay, cache, monkeypatch):
    monkeypatch.delenv("COMTRADE_KEY", raising=False)
    result = cli("fetch", "comtrade", *THAI_ARGS, *SMALL, "--base-url", _base(replay), "--dry-run")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 11 and all(" GET http://127.0.0.1:" in line for line in lines[:10])
    assert "cmdCode=030613" in lines[0] and "period=2007" in lines[0] and "flowCode=M,X,RM" in lines[0]
    assert lines[-1].startswith("10 calls planned for a free key (300 records per call, 500 calls a day")
    assert replay.log == []


def test_bad_key_is_one_line_exit_2(cli, replay, cache, tmp_path, monkeypatch):
    monkeypatch.setenv("COMTRADE_KEY", "not-the-key")
    result = _fetch(cli, replay, tmp_path / "w.duckdb")
    assert result.exit_code == 2 and one_line(result.stderr)
    assert "Comtrade refused the key in $COMTRADE_KEY (HTTP 401: Access denied due to invalid subscription key" in result.stderr


def test_quota_exhausted_says_when_it_resets(cli, replay, cache, key, tmp_path):
    replay.faults = {4: ("quota",)}
    result = _fetch(cli, replay, tmp_path / "w.duckdb")
    assert result.exit_code == 2 and one_line(result.stderr)
    assert "Comtrade quota exhausted (HTTP 403: Out of call volume quota" in result.stderr
    assert "it resets in 7:12:09 (at " in result.stderr and "[3 of 10 chunks loaded" in result.stderr


def test_a_retry_after_beyond_max_wait_is_a_quota_error(cli, replay, cache, key, tmp_path):
    replay.faults = {1: ("429", 3600)}
    result = _fetch(cli, replay, tmp_path / "w.duckdb", "--max-wait", "60")
    assert result.exit_code == 2 and one_line(result.stderr)
    assert "HTTP 429, the server asks to wait 3,600 s, longer than --max-wait 60 s: the quota resets in 1:00:00" in result.stderr


def test_malformed_answer_is_kept_and_named(cli, replay, cache, key, tmp_path):
    replay.faults = {2: ("html",)}
    result = _fetch(cli, replay, tmp_path / "w.duckdb")
    assert result.exit_code == 2 and one_line(result.stderr)
    assert "Comtrade's answer to chunk 2 of 10 is not JSON" in result.stderr
    kept = Path(result.stderr.split("kept in ")[1].split(" [")[0])
    assert kept.is_file() and kept.parent == cache / "comtrade" / "malformed"
    assert b"Service Unavailable" in kept.read_bytes()


@pytest.mark.parametrize(("text", "codes"), [
    ("30,2941,9018-9022", ("30", "2941", "9018", "9019", "9020", "9021", "9022")),
    ("030613, 030611-030612", ("030613", "030611", "030612")),
])
def test_hs_option(text, codes):
    assert ct.parse_hs(text) == codes


def test_period_option():
    assert ct.parse_periods("2019-2021", freq="A") == ("2019", "2020", "2021")
    assert ct.parse_periods("2023-11:2024-02", freq="M") == ("202311", "202312", "202401", "202402")
    assert len(ct.parse_periods("2019-2023", freq="M")) == 60


def test_plan_respects_the_limits():
    request = ct.parse_request(reporter="RUS", partner="all", flow="import", hs="30,2941,9018-9022",
                               period="2010-2023", freq="A")
    chunks = ct.plan(request, ct.LIMITS["free"], "http://127.0.0.1:1")
    assert {c.params["reporterCode"] for c in chunks} == {"643"}
    for chunk in chunks:
        periods, codes = chunk.params["period"].split(","), chunk.params["cmdCode"].split(",")
        assert len(periods) <= 12
        assert 250 * len(periods) * len(codes) <= 100_000
    covered = {(p, c) for ch in chunks for p in ch.params["period"].split(",") for c in ch.params["cmdCode"].split(",")}
    assert covered == {(p, c) for p in request.periods for c in request.codes}   # every cell once
    assert sum(len(ch.params["period"].split(",")) * len(ch.params["cmdCode"].split(",")) for ch in chunks) == len(covered)
