"""India EIDB per-HS8 JSON reader: relabelled year columns, one row per (partner, FY), overlap with the CSV.

Expected numbers are recomputed here from the raw JSON and the big CSV, never taken from
the reader.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

from medtrade.catalog.segments import load_segment
from medtrade.errors import SourceError
from medtrade.sources import detect, india_eidb_json
from medtrade.verbs.flows import run_flows
from medtrade.warehouse.store import Warehouse

SAMPLES = ["29411090_export.json", "30049099_export.json", "90189099_export.json", "90211000_export.json"]
BIG_CSV = "india_exports_hs8_by_partner_fy2017-18_to_2023-24.csv.gz"


@pytest.fixture(scope="module")
def eidb_dir(data_dir: Path) -> Path:
    return data_dir / "trade" / "india_eidb"


@pytest.fixture(scope="module")
def big_csv_30049099(eidb_dir: Path) -> pd.DataFrame:
    frame = pd.read_csv(eidb_dir / BIG_CSV, dtype={"hs8": str, "fy": str, "partner": str})
    return frame[frame["hs8"] == "30049099"]


def fy_label(start: int) -> str:
    return f"FY{start}-{(start + 1) % 100:02d}"


def expected_cells(doc: dict) -> dict[tuple[str, str], tuple[float, float | None]]:
    """(partner, FY) -> (US$ mn, quantity) by SOURCE.md finding 1, straight from the JSON."""
    keys = sorted(int(k) for k in doc["years"])
    out: dict[tuple[str, str], tuple[float, float | None]] = {}
    for key in keys:
        for entry in doc["years"][str(key)]["countries"]:
            usd, qty = entry["values_usd"], entry["values_quantity"]
            if usd["y2024_2025"] is not None:
                out[(entry["country"], fy_label(key))] = (usd["y2024_2025"], qty["y2024_2025"])
            if key == keys[0] and usd["y2023_2024"] is not None:
                out[(entry["country"], fy_label(key - 1))] = (usd["y2023_2024"], qty["y2023_2024"])
    return out


def rows_of(wh: Warehouse, file_id: int) -> pd.DataFrame:
    return wh.con.execute("SELECT * FROM trade_flows WHERE file_id = ?", [file_id]).df()


def write_json(path: Path, doc: dict) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_detects_samples_and_not_the_csv(eidb_dir: Path) -> None:
    for name in SAMPLES:
        assert detect(eidb_dir / "raw_json_samples" / name).NAME == "india-eidb-json"
    assert not india_eidb_json.detect(eidb_dir / BIG_CSV)


@pytest.mark.parametrize("name", SAMPLES)
def test_every_cell_with_a_value_is_one_row(eidb_dir: Path, tmp_path: Path, name: str) -> None:
    path = eidb_dir / "raw_json_samples" / name
    doc = json.loads(path.read_text(encoding="utf-8"))
    expected = expected_cells(doc)
    wh = Warehouse(tmp_path / "w.duckdb")
    report = wh.load(path)
    assert report.rows_read == report.rows_loaded + report.rows_rejected
    assert report.rows_read == len(expected)
    assert report.rows_rejected == 0
    assert india_eidb_json.RELABEL_NOTE in report.notes
    rows = rows_of(wh, report.file_id)
    got = {(r.partner_reported, r.period): (r.value_usd, None if pd.isna(r.quantity) else r.quantity)
           for r in rows.itertuples()}
    assert len(got) == len(rows)
    assert set(got) == set(expected)
    for cell, (usd_mn, qty) in expected.items():
        assert got[cell][0] == pytest.approx(usd_mn * 1e6)
        assert got[cell][1] == (None if qty is None else pytest.approx(qty))
    unit = doc["years"]["2020"]["commodity"]["unit"]
    assert set(rows["quantity_unit"]) == {unit}
    assert set(rows["product_code"]) == {doc["hsn_code"]}
    assert set(rows["reporter"]) == {"IND"} and set(rows["flow"]) == {"export"}
    assert set(rows["nomenclature"]) == {"ITC-HS"} and rows["value_local"].isna().all()
    release = wh.con.execute("SELECT release FROM source_files WHERE file_id = ?", [report.file_id]).fetchone()[0]
    stamps = {b["metadata"]["last_updated"][:10] for b in doc["years"].values()}
    assert release == max(stamps)


@pytest.mark.slow
def test_russia_sums_match_the_big_csv(eidb_dir: Path, tmp_path: Path, big_csv_30049099: pd.DataFrame) -> None:
    wh = Warehouse(tmp_path / "w.duckdb")
    wh.load(eidb_dir / "raw_json_samples" / "30049099_export.json")
    mine = dict(wh.con.execute(
        "SELECT period, sum(value_usd) / 1e6 FROM trade_flows WHERE partner_reported = 'RUSSIA' GROUP BY 1").fetchall())
    ru = big_csv_30049099[big_csv_30049099["partner"] == "RUSSIA"]
    theirs = ru.assign(period="FY" + ru["fy"]).groupby("period")["value_usd_mn"].sum().to_dict()
    common = set(mine) & set(theirs)
    assert len(common) == 7
    for period in common:
        assert mine[period] == pytest.approx(theirs[period], abs=0.005), period


@pytest.mark.slow
def test_json_after_csv_overlaps_and_is_not_double_counted(
    eidb_dir: Path, tmp_path: Path, big_csv_30049099: pd.DataFrame
) -> None:
    segment_file = tmp_path / "one.yaml"
    segment_file.write_text('name: one_code\ninclude: ["30049099"]\n', encoding="utf-8")
    segment = load_segment(segment_file)
    wh = Warehouse(tmp_path / "w.duckdb")
    wh.load(eidb_dir / BIG_CSV)
    csv_only = run_flows(wh, exporter="IND", importer="RUS", segment=segment, by="fy").rows
    report = wh.load(eidb_dir / "raw_json_samples" / "30049099_export.json")
    assert report.rows_overlapping > 0
    both = run_flows(wh, exporter="IND", importer="RUS", segment=segment, by="fy").rows
    assert [(r["fy"], r["value_usd_mn"]) for r in both] == [(r["fy"], r["value_usd_mn"]) for r in csv_only]
    ru = big_csv_30049099[big_csv_30049099["partner"] == "RUSSIA"]
    expected = ru.assign(fy="FY" + ru["fy"]).groupby("fy")["value_usd_mn"].sum()
    assert {r["fy"]: r["value_usd_mn"] for r in both} == pytest.approx(expected.to_dict(), abs=0.005)
    current = wh.con.execute(
        "SELECT count(*), count(DISTINCT (partner, period)) FROM trade_flows"
        " WHERE product_code = '30049099' AND superseded_by IS NULL").fetchone()
    assert current[0] == current[1] == len(big_csv_30049099)


@pytest.fixture
def sample(eidb_dir: Path) -> dict:
    return json.loads((eidb_dir / "raw_json_samples" / "30049099_export.json").read_text(encoding="utf-8"))


def _entry(doc: dict, key: str, country: str) -> dict:
    return next(e for e in doc["years"][key]["countries"] if e["country"] == country)


def test_bad_rows_are_rejected_with_reasons(sample: dict, tmp_path: Path) -> None:
    doc = copy.deepcopy(sample)
    block = doc["years"]["2021"]["countries"]
    template = _entry(doc, "2021", "RUSSIA")
    unknown = copy.deepcopy(template) | {"country": "ATLANTIS"}
    negative = copy.deepcopy(template) | {"country": "NEPAL"}
    negative["values_usd"] = {"y2023_2024": None, "y2024_2025": -1.5, "pct_growth": None}
    text = copy.deepcopy(template) | {"country": "BHUTAN"}
    text["values_usd"] = {"y2023_2024": None, "y2024_2025": "n.a.", "pct_growth": None}
    absent = copy.deepcopy(template) | {"country": "ICELAND"}
    absent["values_usd"] = {"y2023_2024": None, "y2024_2025": None, "pct_growth": None}
    for e in list(block):
        if e["country"] in ("NEPAL", "BHUTAN", "ICELAND"):
            block.remove(e)
    block += [unknown, negative, text, absent]
    expected = expected_cells(sample)
    removed = {c for c in expected if c[0] in ("NEPAL", "BHUTAN", "ICELAND") and c[1] == "FY2021-22"}
    wh = Warehouse(tmp_path / "w.duckdb")
    report = wh.load(write_json(tmp_path / "bad.json", doc))
    assert report.rows_read == report.rows_loaded + report.rows_rejected == len(expected) - len(removed) + 3
    assert report.rows_rejected == 3
    reasons = [r[0] for r in wh.con.execute("SELECT reason FROM rejects ORDER BY row_number").fetchall()]
    assert any(r.startswith('unknown partner "ATLANTIS"') for r in reasons)
    assert any(r.startswith("negative value") for r in reasons)
    assert any('"n.a."' in r and "not a number" in r for r in reasons)
    raws = [json.loads(r[0]) for r in wh.con.execute("SELECT raw FROM rejects").fetchall()]
    assert {r["entry"]["country"] for r in raws} == {"ATLANTIS", "NEPAL", "BHUTAN"}
    assert wh.con.execute("SELECT count(*) FROM trade_flows WHERE partner_reported = 'ICELAND'"
                          " AND period = 'FY2021-22'").fetchone()[0] == 0


def test_disagreeing_previous_column_loses_and_is_counted(sample: dict, tmp_path: Path) -> None:
    doc = copy.deepcopy(sample)
    current_2018 = _entry(sample, "2018", "RUSSIA")["values_usd"]["y2024_2025"]
    _entry(doc, "2019", "RUSSIA")["values_usd"]["y2023_2024"] = current_2018 + 1.0
    wh = Warehouse(tmp_path / "w.duckdb")
    report = wh.load(write_json(tmp_path / "d.json", doc))
    assert any(n.startswith("1 (partner, fiscal year) cells") and "kept the current column" in n for n in report.notes)
    value = wh.con.execute("SELECT value_usd FROM trade_flows WHERE partner_reported = 'RUSSIA'"
                           " AND period = 'FY2018-19'").fetchone()[0]
    assert value == pytest.approx(current_2018 * 1e6)
    assert report.rows_loaded == len(expected_cells(sample))


def test_integer_code_gets_its_zero_back(sample: dict, tmp_path: Path) -> None:
    doc = copy.deepcopy(sample)
    doc["hsn_code"] = 1012100
    for block in doc["years"].values():
        block["commodity"]["hsn_code"] = "01012100"
    wh = Warehouse(tmp_path / "w.duckdb")
    report = wh.load(write_json(tmp_path / "z.json", doc))
    codes = {r[0] for r in wh.con.execute("SELECT DISTINCT product_code FROM trade_flows").fetchall()}
    assert codes == {"01012100"}
    assert any(n.startswith("restored the leading zero") for n in report.notes)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"hsn_code": "30049099", "years": {', "not valid JSON"),
        ('{"hsn_code": "30049099", "years": {"abc": {}}}', 'years key "abc" is not a year'),
        ('{"hsn_code": "30049099", "years": {"2020": {"countries": 5}}}', "countries is not a list"),
        ('{"hsn_code": "30049099", "years": []}', "not the EIDB JSON layout"),
    ],
)
def test_unreadable_files_raise_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as info:
        india_eidb_json.read(path)
    assert message in str(info.value) and str(path) in str(info.value)
    assert "\n" not in str(info.value)
