"""Comtrade readers (API v1 JSON, CSV in camelCase and snake_case) through the real warehouse.

Expected numbers are recomputed here from the raw files with json/csv/pandas.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from medtrade.errors import SourceError
from medtrade.sources import detect
from medtrade.warehouse.store import Warehouse

PKG = Path("trade/comtrade/comtradr_pkg")
SAMPLE = PKG / "comtrade_api_v1_sample_response_HS-60a6ad.json"
EXAMPLE_1 = PKG / "comtradr_vignette_example_1.csv"
EXAMPLE_3 = PKG / "comtradr_vignette_example_3.csv"
FLOWS = {"M": "import", "X": "export", "RM": "re-import", "RX": "re-export"}


@pytest.fixture()
def wh(tmp_path: Path) -> Warehouse:
    with Warehouse(tmp_path / "w.duckdb") as warehouse:
        yield warehouse


def _rows(wh: Warehouse, file_id: int) -> pd.DataFrame:
    return wh.con.execute("SELECT * FROM trade_flows WHERE file_id = ?", [file_id]).df()


def _rejects(wh: Warehouse, file_id: int) -> dict[int, str]:
    return dict(wh.con.execute("SELECT row_number, reason FROM rejects WHERE file_id = ?", [file_id]).fetchall())


# ------------------------------------------------------------------ JSON sample


def test_json_sample_loads_every_record_with_primary_value(wh, data_dir):
    path = data_dir / SAMPLE
    records = json.loads(path.read_text("utf-8"))["data"]
    assert detect(path).NAME == "comtrade-json"
    report = wh.load(path)
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (len(records), 4, 0)
    assert report.datasets == ["comtrade"]
    assert any("H3 (HS2007)" in note for note in report.notes)
    got = _rows(wh, report.file_id)
    got = got.assign(flow=got.flow.astype(str)).set_index(["partner_reported", "flow"])
    assert got.index.is_unique
    for record in records:
        row = got.loc[(record["partnerDesc"], FLOWS[record["flowCode"]])]
        assert row.value_usd == record["primaryValue"]
        assert row.partner == record["partnerISO"]
        assert row.reporter == "CHN"
        assert (row.period_type, row.period, str(row.period_start.date()), str(row.period_end.date())) == (
            "year", str(record["refYear"]), f"{record['refYear']}-01-01", f"{record['refYear']}-12-31")
        assert row.product_code == "TOTAL" and row.nomenclature == "HS"
        assert pd.isna(row.quantity) and row.quantity_unit is None  # qtyUnitCode -1


def _variant(data_dir: Path, **changes) -> dict:
    record = dict(json.loads((data_dir / SAMPLE).read_text("utf-8"))["data"][0])
    record.update(changes)
    return record


def _cases(data_dir: Path) -> list[tuple[dict, str | None]]:
    """Records and the reason each one is rejected (None: loaded)."""
    ind = {"partnerCode": 699, "partnerISO": "IND", "partnerDesc": "India"}
    return [
        (_variant(data_dir), None),
        (_variant(data_dir, flowCode="MIP", **ind), 'flowCode "MIP"'),
        (_variant(data_dir, customsCode="C01", **ind), 'customsCode "C01"'),
        (_variant(data_dir, partner2Code=251, **ind), 'partner2Code "251"'),
        (_variant(data_dir, motCode=1000, **ind), 'motCode "1000"'),
        (_variant(data_dir, reporterCode=97, reporterISO="EUR"), 'unknown reporter code "97"'),
        (_variant(data_dir, primaryValue="abc", **ind), 'primaryValue "abc"'),
        (_variant(data_dir, classificationCode="S3", **ind), 'classification "S3"'),
        (_variant(data_dir, freqCode="M", period="201013", **ind), 'period "201013"'),
        (_variant(data_dir, cmdCode="30613", qtyUnitCode=8, qtyUnitAbbr="kg", qty=5.0, netWgt=4.0, **ind), None),
        (_variant(data_dir, freqCode="M", period="201003", partnerCode=0, partnerISO="W00", partnerDesc="World"), None),
        (_variant(data_dir, partnerCode=643, partnerISO="FRA", partnerDesc="Russian Federation", flowCode="RX"), None),
        (_variant(data_dir, partnerCode=899, partnerISO="_X", partnerDesc="Areas, nes", flowCode="X"), None),
        (_variant(data_dir), "duplicate of row 1"),
    ]


def _raw(wh: Warehouse, file_id: int, row: int) -> str:
    return wh.con.execute("SELECT raw FROM rejects WHERE file_id = ? AND row_number = ?", [file_id, row]).fetchone()[0]


def _check_cases(wh: Warehouse, report, cases: list[tuple[dict, str | None]]) -> None:
    expected_rejects = {i: reason for i, (_, reason) in enumerate(cases, start=1) if reason}
    assert report.rows_read == len(cases) == report.rows_loaded + report.rows_rejected
    assert report.rows_rejected == len(expected_rejects)
    rejects = _rejects(wh, report.file_id)
    assert set(rejects) == set(expected_rejects)
    for row, fragment in expected_rejects.items():
        assert fragment in rejects[row], (row, rejects[row])
    got = _rows(wh, report.file_id).set_index("partner_reported", drop=False)
    assert got.loc["India", "product_code"] == "030613"  # restored zero of a 5-digit code
    assert (got.loc["India", "quantity"], got.loc["India", "quantity_unit"], got.loc["India", "net_weight_kg"]) == (
        5.0, "kg", 4.0)
    world = got.loc["World"]
    assert (world.partner, world.period_type, world.period) == ("WLD", "month", "2010-03")
    assert (str(world.period_start.date()), str(world.period_end.date())) == ("2010-03-01", "2010-03-31")
    assert got.loc["Russian Federation", "partner"] == "RUS"  # the code wins over partnerISO FRA
    assert got.loc["Russian Federation", "flow"] == "re-export"
    assert got.loc["Areas, nes", "partner"] == "XXX"
    assert any('partnerISO "FRA" disagrees with partnerCode 643' in note for note in report.notes)
    assert any("restored the leading zero" in note for note in report.notes)


def test_json_rejects_flows_breakdowns_and_bad_values_with_reasons(wh, data_dir, tmp_path):
    cases = _cases(data_dir)
    path = tmp_path / "response.json"
    path.write_text(json.dumps({"elapsedTime": "1 secs", "count": len(cases), "data": [r for r, _ in cases],
                                "error": ""}), "utf-8")
    report = wh.load(path)
    _check_cases(wh, report, cases)
    for row in (2, len(cases)):  # a rejected record and a duplicate: the record as published
        assert json.loads(_raw(wh, report.file_id, row)) == cases[row - 1][0]


def test_camelcase_csv_has_the_json_semantics(wh, data_dir, tmp_path):
    cases = _cases(data_dir)
    fields = list(cases[0][0])
    path = tmp_path / "extract.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(fields)
        for record, _ in cases:
            writer.writerow(["" if record[f] is None else record[f] for f in fields])
    assert detect(path).NAME == "comtrade-csv"
    report = wh.load(path)
    _check_cases(wh, report, cases)
    lines = path.read_text("utf-8").splitlines()
    for row in (2, len(cases)):  # a rejected record and a duplicate: the line as published
        assert _raw(wh, report.file_id, row) == lines[row]


@pytest.mark.parametrize("doc, message", [
    ({"elapsedTime": "0", "count": 0, "data": None, "error": "Request rate limit exceeded"}, "returned an error"),
    ({"elapsedTime": "0", "count": 0, "error": ""}, "no `data` list"),
])
def test_json_error_or_missing_data_refuses_the_file(wh, tmp_path, doc, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), "utf-8")
    with pytest.raises(SourceError, match=message) as exc:
        wh.load(path, source="comtrade-json")
    assert "\n" not in str(exc.value)


# ------------------------------------------------------------------ CSV examples (snake_case)


@pytest.fixture(scope="module")
def example_3(data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(data_dir / EXAMPLE_3, dtype=str, keep_default_na=False)


def test_csv_example_3_counts_and_sums(wh, data_dir, example_3):
    path = data_dir / EXAMPLE_3
    with path.open(newline="", encoding="utf-8") as fh:
        records = sum(1 for _ in csv.reader(fh)) - 1
    assert detect(path).NAME == "comtrade-csv"
    report = wh.load(path)
    assert report.rows_read == records == report.rows_loaded + report.rows_rejected
    assert report.rows_rejected == 0
    got = _rows(wh, report.file_id)

    raw = example_3.assign(value=example_3.primary_value.astype(float),
                           flow=example_3.flow_code.map(FLOWS), reporter=example_3.reporter_iso)
    expected = raw.groupby(["reporter", "flow", "partner_desc"]).value.sum()
    actual = got.assign(flow=got.flow.astype(str)).groupby(["reporter", "flow", "partner_reported"]).value_usd.sum()
    actual.index.names = expected.index.names
    pd.testing.assert_series_equal(actual.sort_index(), expected.sort_index(), check_names=False)

    by_partner = got.groupby("partner").value_usd.sum()
    for code, iso3 in (("643", "RUS"), ("699", "IND")):
        rows = raw[raw.partner_code == code]
        assert len(rows) > 0 and (got.partner == iso3).sum() == len(rows)
        assert by_partner[iso3] == pytest.approx(rows.value.sum(), rel=1e-12)
    # partner ISO: as the file says, except Comtrade's non-ISO area codes
    iso = raw.partner_iso.str.strip().replace({"S19": "TWN", "_X": "XXX"})
    assert sorted(got.partner.unique()) == sorted(iso.unique())


def test_csv_example_3_keeps_leading_zeros_and_quantities(wh, data_dir, example_3):
    report = wh.load(data_dir / EXAMPLE_3)
    got = _rows(wh, report.file_id)
    assert sorted(got.product_code.unique()) == sorted(example_3.cmd_code.unique())
    assert set(got.product_code.str.len()) == {6} and "030613" in set(got.product_code)
    assert got.quantity.sum() == pytest.approx(example_3.qty.astype(float).sum())
    assert set(got.quantity_unit) == set(example_3.qty_unit_abbr)
    net = pd.to_numeric(example_3.net_wgt.replace("", None))
    assert got.net_weight_kg.sum() == pytest.approx(net.sum()) and got.net_weight_kg.isna().sum() == net.isna().sum()
    assert any("H3 (HS2007)" in note for note in report.notes)


def test_csv_example_1_total_rows_and_two_hs_editions(wh, data_dir):
    path = data_dir / EXAMPLE_1
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    report = wh.load(path)
    assert report.rows_loaded == len(raw) and report.rows_rejected == 0
    got = _rows(wh, report.file_id)
    assert set(got.product_code) == {"TOTAL"} and set(got.reporter) == {"USA"}
    assert got.value_usd.sum() == pytest.approx(raw.primary_value.astype(float).sum())
    editions = raw.classification_code.value_counts()
    note = next(n for n in report.notes if n.startswith("HS edition"))
    for code, n in editions.items():
        assert f"{code} (" in note and f"{n:,} record" in note


def test_tab_separated_camelcase_extract(wh, data_dir, example_3, tmp_path):
    """A tab-separated extract with API (camelCase) headers reads like the snake_case CSV."""
    camel = {"type_code": "typeCode", "freq_code": "freqCode", "ref_year": "refYear", "period": "period",
             "reporter_code": "reporterCode", "reporter_iso": "reporterISO", "flow_code": "flowCode",
             "partner_code": "partnerCode", "partner_iso": "partnerISO", "partner_desc": "partnerDesc",
             "partner2code": "partner2Code", "classification_code": "classificationCode", "cmd_code": "cmdCode",
             "customs_code": "customsCode", "mot_code": "motCode", "qty_unit_code": "qtyUnitCode",
             "qty_unit_abbr": "qtyUnitAbbr", "qty": "qty", "net_wgt": "netWgt", "primary_value": "primaryValue"}
    path = tmp_path / "extract.txt"
    example_3[list(camel)].rename(columns=camel).to_csv(path, sep="\t", index=False)
    report = wh.load(path)
    assert report.format == "comtrade-csv" and report.rows_loaded == len(example_3)
    total = wh.con.execute("SELECT sum(value_usd) FROM trade_flows WHERE file_id = ?", [report.file_id]).fetchone()[0]
    assert total == pytest.approx(example_3.primary_value.astype(float).sum())


def test_csv_without_a_required_column_is_refused_naming_it(wh, tmp_path):
    path = tmp_path / "extract.csv"
    path.write_text("freq_code,reporter_code,partner_code,cmd_code,primary_value\nA,764,643,030613,10\n", "utf-8")
    with pytest.raises(SourceError, match="missing required Comtrade column.*`flowCode`"):
        wh.load(path)
