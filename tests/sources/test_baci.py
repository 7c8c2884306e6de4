"""CEPII BACI reader through the real warehouse, on files written here in BACI's layout.

The shared data holds no BACI release, so each test writes ``BACI_HS17_Y2021_V202501.csv``
(``t,i,j,k,v,q``: k as an integer, v in thousand US$, q in tonnes or padded ``NA``) and,
where needed, ``country_codes_V202501.csv``. Expected values come from the rows written.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest

from medtrade.errors import SourceError
from medtrade.sources import detect
from medtrade.warehouse.store import Warehouse

DATA = "BACI_HS17_Y2021_V202501.csv"
#: CEPII code -> (name, iso2, iso3) as the release's country list writes them.
COUNTRY_LIST = {
    4: ("Afghanistan", "AF", "AFG"), 156: ("China", "CN", "CHN"), 251: ("France", "FR", "FRA"),
    276: ("Germany", "DE", "DEU"), 490: ("Other Asia, nes", "", "S19"), 643: ("Russian Federation", "RU", "RUS"),
    699: ("India", "IN", "IND"), 757: ("Switzerland", "CH", "CHE"), 842: ("USA", "US", "USA"),
    516: ("Namibia", "NA", "NAM"),
}
ISO3 = {4: "AFG", 156: "CHN", 251: "FRA", 276: "DEU", 490: "TWN", 643: "RUS", 699: "IND", 757: "CHE",
        842: "USA", 516: "NAM"}
PRODUCTS = [10121, 30613, 300490, 300420, 902140, 293100, 40210, 901890]
BAD = {37: ("2021", "699", "643", "300490", "abc", "1.0"),      # non-numeric value
       81: ("2021", "643", "699", "300490", "12.5", "-3.0"),    # negative quantity
       150: ("2021", "999", "699", "300490", "1.0", "1.0")}     # unknown exporter code


def _rows(n: int = 300) -> list[tuple[str, ...]]:
    """Distinct (i, j, k) rows with known values; the BAD rows at their 1-based positions."""
    rng = random.Random(2021)
    codes = list(ISO3)
    keys = [(i, j, k) for i in codes for j in codes if i != j for k in PRODUCTS]
    rng.shuffle(keys)
    rows = []
    for number, (i, j, k) in enumerate(keys[:n], start=1):
        if number in BAD:
            rows.append(BAD[number])
            continue
        v = f"{rng.uniform(0.001, 5000):.3f}"
        q = "          NA" if number % 10 == 0 else f"{rng.uniform(0, 900):.3f}"
        rows.append(("2021", str(i), str(j), str(k), v, q))
    return rows


def _write(directory: Path, rows: list[tuple[str, ...]], *, countries: bool = True, header: str = "t,i,j,k,v,q") -> Path:
    path = directory / DATA
    path.write_text(header + "\n" + "".join(",".join(r) + "\n" for r in rows), "utf-8")
    if countries:
        with (directory / "country_codes_V202501.csv").open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["country_code", "country_name", "country_iso2", "country_iso3"])
            writer.writerows([code, *names] for code, names in COUNTRY_LIST.items())
    return path


@pytest.fixture()
def wh(tmp_path: Path) -> Warehouse:
    with Warehouse(tmp_path / "w.duckdb") as warehouse:
        yield warehouse


def _loaded(wh: Warehouse, file_id: int) -> dict[tuple[str, str, str], tuple]:
    rows = wh.con.execute(
        """SELECT reporter, partner_reported, product_code, partner, value_usd, quantity, quantity_unit,
                  net_weight_kg, dataset::VARCHAR, flow::VARCHAR, period_type::VARCHAR, period,
                  period_start::VARCHAR, period_end::VARCHAR, nomenclature::VARCHAR
           FROM trade_flows WHERE file_id = ?""", [file_id]).fetchall()
    return {(r[0], r[1], r[2]): r[3:] for r in rows}


def test_every_row_loaded_or_rejected_with_values_in_usd(wh, tmp_path):
    rows = _rows()
    path = _write(tmp_path, rows)
    assert detect(path).NAME == "baci-csv"
    report = wh.load(path)
    assert report.rows_read == len(rows) == report.rows_loaded + report.rows_rejected
    assert report.rows_rejected == len(BAD)
    got = _loaded(wh, report.file_id)
    for number, (t, i, j, k, v, q) in enumerate(rows, start=1):
        if number in BAD:
            continue
        key = (ISO3[int(i)], j, k.zfill(6))
        partner, value, quantity, unit, weight, *rest = got[key]
        assert partner == ISO3[int(j)]
        assert value == pytest.approx(float(v) * 1000, rel=1e-12)
        if q.strip() == "NA":
            assert quantity is None and weight is None
        else:
            assert quantity == pytest.approx(float(q)) and weight == pytest.approx(float(q) * 1000)
        assert unit == "t"
        assert rest == ["baci", "export", "year", "2021", "2021-01-01", "2021-12-31", "HS"]
    assert sum(r[1] for r in got.values()) == pytest.approx(
        sum(float(r[4]) * 1000 for n, r in enumerate(rows, start=1) if n not in BAD))


def test_india_and_russia_codes_and_restored_zeros(wh, tmp_path):
    rows = _rows()
    report = wh.load(_write(tmp_path, rows))
    got = _loaded(wh, report.file_id)
    good = [r for n, r in enumerate(rows, start=1) if n not in BAD]
    for code, iso3 in (("699", "IND"), ("643", "RUS"), ("490", "TWN"), ("842", "USA"), ("251", "FRA")):
        expected = sum(1 for r in good if r[2] == code)
        assert expected and sum(1 for key, r in got.items() if r[0] == iso3) == expected
        assert sum(1 for key in got if key[0] == iso3) == sum(1 for r in good if r[1] == code)
    codes = {key[2] for key in got}
    assert "010121" in codes and "030613" in codes and "040210" in codes
    assert all(len(c) == 6 and c.isdigit() for c in codes)
    short = sum(1 for r in rows if len(r[3]) < 6)
    assert any(f"e.g. 10121 -> 010121 ({short:,} rows)" in note for note in report.notes)
    assert any("490 S19 -> TWN" in note for note in report.notes)  # not an ISO3: read as a Comtrade code
    release = wh.con.execute("SELECT release FROM source_files WHERE file_id = ?", [report.file_id]).fetchone()[0]
    assert release == "2025-01-01"


def test_bad_rows_are_rejected_with_reason_and_row_number(wh, tmp_path):
    rows = _rows()
    report = wh.load(_write(tmp_path, rows))
    rejects = {n: (reason, raw) for n, reason, raw in wh.con.execute(
        "SELECT row_number, reason, raw FROM rejects WHERE file_id = ?", [report.file_id]).fetchall()}
    assert set(rejects) == set(BAD)
    assert rejects[37][0] == 'value v "abc" is not a number'
    assert rejects[81][0] == 'negative quantity q "-3.0"'
    assert 'unknown exporter code i "999"' in rejects[150][0]
    for number, row in BAD.items():
        assert rejects[number][1] == ",".join(row)


def test_without_country_list_codes_are_read_as_comtrade_codes(wh, tmp_path):
    rows = _rows(120)
    path = _write(tmp_path, rows, countries=False, header='"t", "i", "j", "k", "v", "q"')
    assert detect(path).NAME == "baci-csv"
    report = wh.load(path)
    assert report.rows_read == len(rows) == report.rows_loaded + report.rows_rejected
    assert any("no country_codes_V*.csv" in note for note in report.notes)
    got = _loaded(wh, report.file_id)
    assert {key[0] for key in got} <= set(ISO3.values()) and {r[0] for r in got.values()} <= set(ISO3.values())
    india = [r for n, r in enumerate(rows, start=1) if n not in BAD and r[2] == "699"]
    assert sum(1 for r in got.values() if r[0] == "IND") == len(india)


def test_country_list_wins_over_comtrade_codes(wh, tmp_path):
    """The release's own list decides; e.g. a (hypothetical) code 999 it defines is accepted."""
    rows = _rows()
    path = _write(tmp_path, rows)
    with (tmp_path / "country_codes_V202501.csv").open("a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow([999, "Kosovo", "XK", "XKX"])
    report = wh.load(path)
    assert report.rows_rejected == len(BAD) - 1
    assert sum(1 for key in _loaded(wh, report.file_id) if key[0] == "XKX") == 1


@pytest.mark.parametrize("name, header, kind", [
    ("country_codes_V202501.csv", "country_code,country_name,country_iso2,country_iso3", "country"),
    ("product_codes_HS17_V202501.csv", "code,description", "product"),
])
def test_release_lists_are_refused_with_a_clear_message(wh, tmp_path, name, header, kind):
    path = tmp_path / name
    path.write_text(header + "\n" + ("4,Afghanistan,AF,AFG\n" if kind == "country" else '010121,"Horses"\n'), "utf-8")
    assert detect(path).NAME == "baci-csv"
    with pytest.raises(SourceError, match=f"this is BACI's {kind} list"):
        wh.load(path)
    assert wh.source_files() == []


def test_a_repeated_pair_and_product_is_rejected_as_duplicate(wh, tmp_path):
    rows = _rows(30)  # before the first BAD row
    rows.append(rows[0][:4] + ("99.000", "1.000"))
    report = wh.load(_write(tmp_path, rows))
    assert report.rows_read == len(rows) and report.rows_rejected == 1
    reason, raw = wh.con.execute("SELECT reason, raw FROM rejects WHERE file_id = ? AND row_number = ?",
                                 [report.file_id, len(rows)]).fetchone()
    assert reason.startswith("duplicate of row 1") and "different values" in reason
    assert raw == ",".join(rows[-1])
