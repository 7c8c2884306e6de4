from __future__ import annotations

import csv
import os
from pathlib import Path

import duckdb
import pytest

from medtrade.catalog import hs
from medtrade.errors import CatalogError, InputError

DATA = Path(os.environ.get("MEDTRADE_DATA") or "/work/shared/data")
HS_DIR = DATA / "reference" / "hs"
CORRELATION = HS_DIR / "UNSD_HS2022_to_HS2017_correlation.csv"
NOMENCLATURE = HS_DIR / "harmonized-system_HS2022.csv"

needs_data = pytest.mark.skipif(not CORRELATION.is_file(), reason=f"no shared data at {DATA}")


def _correlation_rows() -> list[tuple[str, str, str]]:
    with CORRELATION.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        assert [h.strip() for h in header] == ["HS2022", "HS2017", "Relationship"]
        return [(a.strip(), b.strip(), c.strip()) for a, b, c in reader]


def _nomenclature() -> dict[str, tuple[str, str]]:
    with NOMENCLATURE.open(newline="", encoding="utf-8") as f:
        # Some texts end with a space; descriptions are compared stripped.
        return {r["hscode"]: (r["description"].strip(), r["level"]) for r in csv.DictReader(f)}


# --- restore_code -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "digits", "expected"),
    [
        (10111, 6, "010111"),
        ("10111", 6, "010111"),
        (3004909, 8, "03004909"),
        ("3004909", 8, "03004909"),
        (" 300490 ", 6, "300490"),
        ("30049099", 8, "30049099"),
        (0, 2, "00"),
    ],
)
def test_restore_code_pads_with_zeros(code, digits, expected):
    assert hs.restore_code(code, digits=digits) == expected


@pytest.mark.parametrize("code", ["XXXXXXXXXX", "XXXXXX", "TOTAL", "3004XX"])
def test_restore_code_keeps_confidential_codes(code):
    assert hs.restore_code(code, digits=8) == code


@pytest.mark.parametrize(
    ("code", "digits", "fragment"),
    [
        ("300490991", 8, "more than `digits`=8"),
        (3004909912, 8, "more than `digits`=8"),
        ("", 6, "empty"),
        ("   ", 6, "empty"),
        (-10111, 6, "negative"),
        (10111.0, 6, "as text"),
        (None, 6, "as text"),
        (True, 6, "as text"),
        ("10111", 0, "`digits`"),
    ],
)
def test_restore_code_rejects(code, digits, fragment):
    with pytest.raises(InputError, match=fragment.replace("`", ".")):
        hs.restore_code(code, digits=digits)


def test_restore_code_digits_is_keyword_only():
    with pytest.raises(TypeError):
        hs.restore_code("10111", 6)  # type: ignore[misc]


# --- roll-ups ------------------------------------------------------------------------

ROLLUP_CASES = [
    # code, hs6, hs4, hs2
    ("30049099", "300490", "3004", "30"),  # ITC-HS 8-digit
    ("3004900002", "300490", "3004", "30"),  # TN VED 10-digit
    ("300241", "300241", "3002", "30"),
    ("3004", None, "3004", "30"),
    ("30", None, None, "30"),
    ("3", None, None, None),
    ("XXXXXXXXXX", None, None, None),
    ("3004XX99", None, None, None),
    ("", None, None, None),
    (None, None, None, None),
]


@pytest.mark.parametrize(("code", "six", "four", "two"), ROLLUP_CASES)
def test_rollups(code, six, four, two):
    assert (hs.hs6(code), hs.hs4(code), hs.hs2(code)) == (six, four, two)


def test_rollup_refuses_integers():
    with pytest.raises(InputError, match="restore_code"):
        hs.hs6(30049099)  # type: ignore[arg-type]


def test_sql_rollups_agree_with_python():
    codes = [c for c, *_ in ROLLUP_CASES]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, code VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(codes)))
    sql = f"SELECT {hs.sql_hs6('code')}, {hs.sql_hs4('code')}, {hs.sql_hs2('code')} FROM t ORDER BY i"
    got = con.execute(sql).fetchall()
    assert got == [(hs.hs6(c), hs.hs4(c), hs.hs2(c)) for c in codes]


def test_sql_hs6_text():
    assert hs.sql_hs6("col") == (
        "CASE WHEN regexp_full_match(col, '[0-9]{6,}') THEN left(col, 6) END"
    )


# --- descriptions ---------------------------------------------------------------------


@needs_data
@pytest.mark.parametrize("code", ["30", "3004", "300241", "294110", "9018"])
def test_describe_matches_shared_hs2022_csv(code):
    assert hs.describe(code) == _nomenclature()[code][0]


def test_describe_examples():
    assert hs.describe("3004").startswith("Medicaments;")
    assert "Vaccines" in hs.describe("300241") and "human medicine" in hs.describe("300241")


@pytest.mark.parametrize("code", ["300220", "30049099", "300", "TOTAL", "XXXXXX", ""])
def test_describe_none_outside_hs2022_levels(code):
    assert hs.describe(code) is None


@needs_data
@pytest.mark.parametrize("level", [2, 4, 6])
def test_hs2022_codes_counts(level):
    expected = {c: d for c, (d, lvl) in _nomenclature().items() if lvl == str(level)}
    assert hs.hs2022_codes(level) == expected


def test_hs2022_codes_bad_level():
    with pytest.raises(InputError, match="2, 4, 6"):
        hs.hs2022_codes(8)


# --- correlation ----------------------------------------------------------------------


@needs_data
def test_correlation_frame():
    rows = _correlation_rows()
    frame = hs.correlation(DATA)
    assert list(frame.columns) == ["hs2022", "hs2017", "relationship"]
    assert len(frame) == len(rows)
    assert list(frame.itertuples(index=False, name=None)) == rows
    assert set(frame["relationship"]) == {"1:1", "1:n", "n:1", "n:n"}


@needs_data
def test_correlation_returns_a_copy():
    frame = hs.correlation(DATA)
    frame.loc[0, "hs2022"] = "999999"
    assert hs.correlation(DATA).loc[0, "hs2022"] != "999999"


@needs_data
@pytest.mark.parametrize("old", ["300220", "300290", "382200", "300490", "300620"])
def test_hs2017_to_hs2022(old):
    expected = sorted({new for new, o, _ in _correlation_rows() if o == old})
    assert expected  # sanity: the code is in the table
    assert hs.hs2017_to_hs2022(old, data_dir=DATA) == expected


@needs_data
def test_vaccine_renumbering():
    # HS2017 300220 (human vaccines) became 300241; 300249 comes from 300290.
    assert "300241" in hs.hs2017_to_hs2022("300220", data_dir=DATA)
    assert "300249" in hs.hs2017_to_hs2022("300290", data_dir=DATA)
    assert all(c.startswith("3822") for c in hs.hs2017_to_hs2022("382200", data_dir=DATA))


@needs_data
@pytest.mark.parametrize("new", ["300241", "382211", "382213", "300490"])
def test_hs2022_to_hs2017(new):
    expected = sorted({o for n, o, _ in _correlation_rows() if n == new})
    assert expected
    assert hs.hs2022_to_hs2017(new, data_dir=DATA) == expected


@needs_data
def test_correlation_errors():
    with pytest.raises(InputError, match="6-digit"):
        hs.hs2017_to_hs2022("3002", data_dir=DATA)
    with pytest.raises(InputError, match="6-digit"):
        hs.hs2017_to_hs2022(300220, data_dir=DATA)  # type: ignore[arg-type]
    with pytest.raises(CatalogError, match="300220"):
        hs.hs2022_to_hs2017("300220", data_dir=DATA)  # an HS2017-only code


def test_correlation_missing_data_dir(tmp_path):
    with pytest.raises(CatalogError, match="MEDTRADE_DATA"):
        hs.correlation(tmp_path)
    with pytest.raises(CatalogError, match="not found"):
        hs.hs2017_to_hs2022("300220", data_dir=tmp_path)
