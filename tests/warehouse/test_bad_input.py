"""Bad files through `medtrade load`, one test each: refused as a whole, or loaded with rejects.

File-level problems (empty, damaged, wrong delimiter, missing column, unknown format)
are refused: exit code 2, one line on stderr naming the file and the problem, no
traceback, the warehouse unchanged. Row-level problems (bad value, bad encoding,
unknown partner, duplicates) reject just those rows, each with its record number
(1-based, header excluded), a reason naming the value, and the row's text.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from medtrade.warehouse.store import Warehouse

HEADER = "hs8,description,unit,fy,fy_start_year,partner,value_usd_mn,value_inr_crore,quantity"
GOOD = [
    "30041000,PENICILLINS,KGS,2022-23,2022,RUSSIA,1.5,12.3,100.0",
    "30049099,OTHER MEDICAMENTS,KGS,2022-23,2022,U S A,2.25,18.4,50.0",
]


def write_eidb(path: Path, rows: list[str], *, header: str = HEADER) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def base_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse already holding one small good file (so 'unchanged' means something)."""
    folder = tmp_path_factory.mktemp("base")
    path = folder / "base.duckdb"
    with Warehouse(path) as wh:
        assert wh.load(write_eidb(folder / "good.csv", GOOD)).rows_loaded == 2
    return path


@pytest.fixture
def wh_path(base_warehouse: Path, tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    shutil.copy(base_warehouse, path)
    return path


def state(path: Path) -> tuple:
    """Everything a load could change, summarised."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            """SELECT (SELECT count(*) FROM trade_flows), (SELECT sum(round(value_usd * 100)::HUGEINT) FROM trade_flows),
                      (SELECT count(*) FROM trade_flows WHERE superseded_by IS NOT NULL),
                      (SELECT count(*) FROM rejects), (SELECT count(*) FROM source_files)""").fetchone()
    finally:
        con.close()


def assert_refused(run_medtrade, path: Path, wh: Path, *problem: str, fmt: str = "json") -> str:
    """`medtrade load` refuses the file: exit 2, one line naming file and problem, nothing changed."""
    before = state(wh)
    done = run_medtrade("load", path, "-w", wh, *(["--format", fmt] if fmt else []))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stdout + done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert path.name in lines[0]
    for word in problem:
        assert word in lines[0], lines[0]
    assert done.stdout == ""
    assert state(wh) == before
    return lines[0]


def load_with_rejects(run_medtrade, path: Path, wh: Path, rows: int) -> tuple[dict, list[tuple]]:
    """`medtrade load` loads the file: exit 0, every row read is loaded or rejected; returns (report, rejects)."""
    done = run_medtrade("load", path, "-w", wh, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    (report,) = json.loads(done.stdout)
    assert report["status"] == "loaded"
    assert report["rows_read"] == rows
    assert report["rows_loaded"] + report["rows_rejected"] == report["rows_read"]
    with Warehouse(wh, read_only=True) as w:
        rejects = w.con.execute("SELECT row_number, reason, raw FROM rejects WHERE file_id = ? ORDER BY row_number",
                                [report["file_id"]]).fetchall()
        loaded = w.con.execute("SELECT count(*) FROM trade_flows WHERE file_id = ?", [report["file_id"]]).fetchone()[0]
    assert len(rejects) == report["rows_rejected"]
    assert loaded == report["rows_loaded"]
    return report, rejects


# ------------------------------------------------------------------ refused files
@pytest.mark.parametrize("fmt", ["json", ""])
def test_empty_file_is_refused(tmp_path: Path, wh_path: Path, run_medtrade, fmt: str) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert_refused(run_medtrade, empty, wh_path, "empty", fmt=fmt)  # also without --format: no progress bar line


def test_truncated_gzip_is_refused(india_csv: Path, tmp_path: Path, wh_path: Path, run_medtrade) -> None:
    data = india_csv.read_bytes()
    half = tmp_path / "half.csv.gz"
    half.write_bytes(data[: len(data) // 2])
    assert_refused(run_medtrade, half, wh_path, "gzip", "truncated")


def test_semicolon_delimiter_is_refused(tmp_path: Path, wh_path: Path, run_medtrade) -> None:
    semi = write_eidb(tmp_path / "semi.csv", [r.replace(",", ";") for r in GOOD], header=HEADER.replace(",", ";"))
    assert_refused(run_medtrade, semi, wh_path, "';'", "comma-separated")


def test_missing_required_column_is_refused(tmp_path: Path, wh_path: Path, run_medtrade) -> None:
    header = HEADER.replace(",value_usd_mn", "")
    rows = [",".join(f for i, f in enumerate(r.split(",")) if i != 6) for r in GOOD]
    assert_refused(run_medtrade, write_eidb(tmp_path / "no_usd.csv", rows, header=header), wh_path,
                   "missing required column", "`value_usd_mn`")


@pytest.mark.parametrize("content", [b"hello world\nthis is not trade data\n",
                                     b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))],
                         ids=["text", "png"])
def test_unknown_format_is_refused(tmp_path: Path, wh_path: Path, run_medtrade, content: bytes) -> None:
    path = tmp_path / "mystery.dat"
    path.write_bytes(content)
    assert_refused(run_medtrade, path, wh_path, "unknown format", "india-eidb-csv")


# ------------------------------------------------------------------ rows rejected
def test_windows_1251_bytes_reject_their_rows(tmp_path: Path, wh_path: Path, run_medtrade) -> None:
    lines = [
        GOOD[0].encode(),
        "30049099,ЛЕКАРСТВА,KGS,2022-23,2022,RUSSIA,2.0,16.0,5.0".encode("cp1251"),
        "30049011,OTHER,KGS,2022-23,2022,РОССИЯ,1.0,8.0,5.0".encode("cp1251"),
        GOOD[1].encode(),
    ]
    path = tmp_path / "cp1251.csv"
    path.write_bytes(b"\n".join([HEADER.encode(), *lines]) + b"\n")
    report, rejects = load_with_rejects(run_medtrade, path, wh_path, rows=4)
    assert report["rows_loaded"] == 2
    assert [r[0] for r in rejects] == [2, 3]
    for (_, reason, raw), column, word, line in zip(rejects, ["description", "partner"], ["ЛЕКАРСТВА", "РОССИЯ"],
                                                    lines[1:3]):
        assert "UTF-8" in reason and column in reason
        assert f'Windows-1251 "{word}"' in reason
        assert word.encode("cp1251").decode("utf-8", errors="backslashreplace") in reason
        assert raw == line.decode("utf-8", errors="backslashreplace")  # the bytes as written, escaped


def test_leading_zeros_are_restored(tmp_path: Path, wh_path: Path, run_medtrade) -> None:
    path = write_eidb(tmp_path / "zeros.csv", ["1012100,HORSES,NOS,2022-23,2022,RUSSIA,0.5,4.1,3.0", GOOD[0]])
    report, rejects = load_with_rejects(run_medtrade, path, wh_path, rows=2)
    assert rejects == []
    assert any("leading zero" in note and "(1 rows)" in note for note in report["notes"])
    with Warehouse(wh_path, read_only=True) as wh:
        codes = wh.con.execute("SELECT product_code FROM trade_flows WHERE file_id = ? ORDER BY 1",
                               [report["file_id"]]).fetchall()
    assert codes == [("01012100",), ("30041000",)]


def test_non_numeric_and_negative_values_reject_their_rows(tmp_path: Path, wh_path: Path, run_medtrade) -> None:
    rows = [
        GOOD[0],
        "30049099,OTHER,KGS,2022-23,2022,RUSSIA,abc,12.3,100.0",
        "30049011,OTHER,KGS,2022-23,2022,RUSSIA,-3.0,12.3,100.0",
        "30042000,OTHER,KGS,2022-23,2022,RUSSIA,1.0,8.0,1.0",
    ]
    path = write_eidb(tmp_path / "values.csv", rows)
    report, rejects = load_with_rejects(run_medtrade, path, wh_path, rows=4)
    assert report["rows_loaded"] == 2
    (row_a, reason_a, raw_a), (row_n, reason_n, raw_n) = rejects
    assert (row_a, row_n) == (2, 3)
    assert '"abc"' in reason_a and "value_usd_mn" in reason_a
    assert raw_a == rows[1]
    assert "negative" in reason_n and "-3" in reason_n
    assert raw_n.split(",")[:6] == rows[2].split(",")[:6] and float(raw_n.split(",")[6]) == -3.0

    done = run_medtrade("rejects", "--file", report["file_id"], "--format", "json", "-w", wh_path)
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)["rows"]
    assert [(r["row_number"], r["reason"], r["raw"]) for r in shown] == [tuple(r) for r in rejects]
    assert {r["name"] for r in shown} == {"values.csv"}

    done = run_medtrade("sources", "--format", "json", "-w", wh_path)
    assert done.returncode == 0, done.stderr
    files = {f["name"]: (f["rows_read"], f["rows_loaded"], f["rows_rejected"]) for f in json.loads(done.stdout)["rows"]}
    assert files == {"good.csv": (2, 2, 0), "values.csv": (4, 2, 2)}


def test_duplicate_rows_are_rejected(tmp_path: Path, wh_path: Path, run_medtrade) -> None:
    rows = [
        GOOD[0],
        GOOD[0],  # the same line again
        "30041000,PENICILLINS,KGS,2022-23,2022,RUSSIA,2.5,20.3,100.0",  # same key, another value
        "30042000,OTHER,KGS,2022-23,2022,RUSSIA,1.0,8.0,1.0",
    ]
    path = write_eidb(tmp_path / "dups.csv", rows)
    report, rejects = load_with_rejects(run_medtrade, path, wh_path, rows=4)
    assert report["rows_loaded"] == 2
    (row_same, reason_same, raw_same), (row_diff, reason_diff, raw_diff) = rejects
    assert (row_same, row_diff) == (2, 3)
    assert "duplicate of row 1" in reason_same and "same values" in reason_same
    assert "duplicate of row 1" in reason_diff and "different values" in reason_diff
    assert raw_same == rows[1]
    assert raw_diff == rows[2]
    with Warehouse(wh_path, read_only=True) as wh:
        kept = wh.con.execute("SELECT value_usd FROM trade_flows WHERE file_id = ? AND product_code = '30041000'",
                              [report["file_id"]]).fetchall()
    assert kept == [(1.5e6,)]  # the first occurrence wins


def test_unknown_partner_rejects_its_row(tmp_path: Path, wh_path: Path, run_medtrade) -> None:
    rows = [GOOD[0], "30049099,OTHER,KGS,2022-23,2022,NARNIA,1.5,12.3,100.0"]
    report, rejects = load_with_rejects(run_medtrade, write_eidb(tmp_path / "narnia.csv", rows), wh_path, rows=2)
    assert report["rows_loaded"] == 1
    ((row, reason, raw),) = rejects
    assert row == 2
    assert '"NARNIA"' in reason and "partner" in reason
    assert raw == rows[1]
