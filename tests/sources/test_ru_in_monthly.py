"""Russia <-> India monthly data: the normalised CSV and the FTS-layout parquet, end to end.

Expected numbers are recomputed here from the raw files with pandas / csv / pyarrow.
"""

from __future__ import annotations

import csv
import gzip
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from medtrade.catalog.segments import load_segment
from medtrade.sources import detect
from medtrade.verbs.flows import run_flows
from medtrade.warehouse.store import Warehouse

CSV_NAME = "russia_india_monthly_2010-01_to_2024-03.csv.gz"
PARQUET_NAME = "comparison_data_ind_fts_layout_to_2024-03.parquet"
EIDB_NAME = "india_exports_hs8_by_partner_fy2017-18_to_2023-24.csv.gz"
HEADER = "source,napr_ru,flow_en,period,partner_iso3,hs_code,unit,value_usd,netto,kol"


@pytest.fixture(scope="module")
def monthly_dir(data_dir: Path) -> Path:
    path = data_dir / "trade" / "india_russia_monthly"
    if not (path / CSV_NAME).is_file():
        pytest.skip(f"{path / CSV_NAME} not found")
    return path


@pytest.fixture(scope="module")
def raw(monthly_dir: Path) -> pd.DataFrame:
    """The CSV as published, every field as text, plus numeric value and helper columns."""
    df = pd.read_csv(monthly_dir / CSV_NAME, dtype=str, keep_default_na=False)
    df["v"] = pd.to_numeric(df["value_usd"].replace("", None))
    df["year"] = df["period"].str[:4]
    return df


@pytest.fixture(scope="module")
def segment_3004(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("seg") / "hs3004.yaml"
    path.write_text('name: hs3004\ninclude: ["3004"]\n', encoding="utf-8")
    return load_segment(path)


@pytest.fixture(scope="module")
def wh_csv(monthly_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    wh = Warehouse(tmp_path_factory.mktemp("wh") / "w.duckdb")
    report = wh.load(monthly_dir / CSV_NAME)
    yield wh, report
    wh.close()


@pytest.fixture(scope="module")
def wh_both(monthly_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    wh = Warehouse(tmp_path_factory.mktemp("wh2") / "w.duckdb")
    first = wh.load(monthly_dir / CSV_NAME)
    second = wh.load(monthly_dir / PARQUET_NAME)
    yield wh, first, second
    wh.close()


def total(result, key: str, label: str) -> float:
    rows = [r for r in result.rows if r[key] == label]
    assert len(rows) == 1, result.rows
    return rows[0]["value_usd_mn"]


def test_detects_both_layouts(monthly_dir: Path) -> None:
    assert detect(monthly_dir / CSV_NAME).NAME == "ru-in-monthly-csv"
    assert detect(monthly_dir / PARQUET_NAME).NAME == "fts-parquet"


# (a) -----------------------------------------------------------------------
def test_csv_every_row_loaded_or_rejected(monthly_dir: Path, wh_csv) -> None:
    wh, report = wh_csv
    with gzip.open(monthly_dir / CSV_NAME, "rt", encoding="utf-8", newline="") as fh:
        records = sum(1 for _ in csv.reader(fh)) - 1
    assert report.rows_read == report.rows_loaded + report.rows_rejected == records
    assert set(report.datasets) == {"in-monthly", "ru-fts"}
    n = wh.con.execute("SELECT count(*) FROM trade_flows WHERE file_id = ?", [report.file_id]).fetchone()[0]
    assert n == report.rows_loaded


def test_csv_row_semantics(raw: pd.DataFrame, wh_csv) -> None:
    wh, _ = wh_csv
    got = dict(((d, r, p, f, nom), n) for d, r, p, f, nom, n in wh.con.execute(
        """SELECT dataset::VARCHAR, reporter, partner, flow::VARCHAR, nomenclature::VARCHAR, count(*)
           FROM trade_flows GROUP BY ALL""").fetchall())
    counts = raw.groupby(["source", "napr_ru"]).size()
    assert got == {
        ("ru-fts", "RUS", "IND", "import", "TNVED"): counts["FTS", "ИМ"],
        ("ru-fts", "RUS", "IND", "export", "TNVED"): counts["FTS", "ЭК"],
        ("in-monthly", "IND", "RUS", "export", "HS"): counts["MIRROR", "ИМ"],
        ("in-monthly", "IND", "RUS", "import", "HS"): counts["MIRROR", "ЭК"],
    }
    # MIRROR netto is thousands of the unit; FTS netto is kg.
    mirror = raw[raw.source == "MIRROR"]
    fts = raw[raw.source == "FTS"]
    q, w, lengths = wh.con.execute(
        """SELECT sum(quantity) FILTER (WHERE dataset = 'in-monthly'), sum(net_weight_kg) FILTER (WHERE dataset = 'ru-fts'),
                  list(DISTINCT dataset::VARCHAR || length(product_code)) FROM trade_flows""").fetchone()
    assert q == pytest.approx(pd.to_numeric(mirror.netto.replace("", None)).sum() * 1000, rel=1e-9)
    assert w == pytest.approx(pd.to_numeric(fts.netto).sum(), rel=1e-9)
    assert sorted(lengths) == ["in-monthly6", "ru-fts10"]
    # kol 0 without a unit is "no quantity", not zero.
    no_unit = wh.con.execute(
        "SELECT count(*) FROM trade_flows WHERE dataset = 'ru-fts' AND quantity IS NULL AND quantity_unit IS NULL").fetchone()[0]
    assert no_unit == ((fts.unit == "") & (pd.to_numeric(fts.kol) == 0)).sum()


# (b) -----------------------------------------------------------------------
def test_hs3004_2021_matches_raw_csv(raw: pd.DataFrame, wh_csv, segment_3004) -> None:
    wh, _ = wh_csv
    hs3004 = raw.hs_code.str.zfill(6).str.startswith("3004") & (raw.year == "2021") & (raw.napr_ru == "ИМ")
    mirror = raw[hs3004 & (raw.source == "MIRROR")].v.sum() / 1e6
    fts = raw[hs3004 & (raw.source == "FTS")].v.sum() / 1e6
    india = run_flows(wh, exporter="IND", importer="RUS", segment=segment_3004, by="year", dataset="in-monthly")
    russia = run_flows(wh, exporter="IND", importer="RUS", segment=segment_3004, by="year", dataset="ru-fts",
                       reporter="importer")
    assert total(india, "year", "2021") == pytest.approx(mirror, abs=1e-6)
    assert total(russia, "year", "2021") == pytest.approx(fts, abs=1e-6)
    assert mirror == pytest.approx(469.48, abs=0.01) and fts == pytest.approx(541.73, abs=0.01)  # SOURCE.md table


# (c) -----------------------------------------------------------------------
# Monthly (MEIDB) sums exceed the annual EIDB scrape by 0.7-1.6 %; FY2017-18 is 1.61 %, the HS6
# breakdown puts the gap in 300490 (+5.8 mn) and 300432 (0.56 mn in the monthly data, 0 in the
# scrape): the scrape only has the ITC-HS 2017 code list (SOURCE.md of india_eidb: coverage 0.963
# for all goods that year), so that year is held to 2 %.
TOLERANCE = {"FY2017-18": 0.02}


@pytest.fixture(scope="module")
def eidb_3004(data_dir: Path) -> pd.Series:
    """India's annual EIDB exports to Russia of HS 3004, US$ mn by 'FY2022-23' label."""
    path = data_dir / "trade" / "india_eidb" / EIDB_NAME
    if not path.is_file():
        pytest.skip(f"{path} not found")
    eidb = pd.read_csv(path, dtype={"hs8": str, "fy": str}, usecols=["hs8", "fy", "partner", "value_usd_mn"])
    eidb = eidb[(eidb.partner == "RUSSIA") & eidb.hs8.str.startswith("3004")]
    return eidb.groupby("FY" + eidb.fy).value_usd_mn.sum()


@pytest.fixture(scope="module")
def monthly_by_fy(wh_csv, segment_3004) -> dict[str, float]:
    wh, _ = wh_csv
    result = run_flows(wh, exporter="IND", importer="RUS", segment=segment_3004, by="fy", dataset="in-monthly")
    return {r["fy"]: r["value_usd_mn"] for r in result.rows if r["source_periods"] == 12}


@pytest.mark.parametrize("fy", [f"FY{y}-{(y + 1) % 100:02d}" for y in range(2017, 2024)])
def test_monthly_fiscal_years_agree_with_annual_eidb(fy: str, eidb_3004: pd.Series, monthly_by_fy) -> None:
    annual, monthly = eidb_3004[fy], monthly_by_fy[fy]
    assert annual > 300
    assert abs(monthly / annual - 1) <= TOLERANCE.get(fy, 0.015), (fy, monthly, annual)


# (d) -----------------------------------------------------------------------
def test_parquet_after_csv_supersedes_without_double_counting(raw: pd.DataFrame, monthly_dir: Path, wh_both,
                                                              segment_3004) -> None:
    wh, first, second = wh_both
    n_parquet = pq.ParquetFile(monthly_dir / PARQUET_NAME).metadata.num_rows
    assert n_parquet == len(raw)  # SOURCE.md's 280,850 rows are the original's; this copy has the CSV's rows
    assert second.format == "fts-parquet"
    assert second.rows_read == second.rows_loaded + second.rows_rejected == n_parquet
    assert second.rows_overlapping == second.rows_loaded == n_parquet
    assert second.rows_superseded == first.rows_loaded
    current = wh.con.execute("SELECT count(*) FROM trade_flows WHERE superseded_by IS NULL").fetchone()[0]
    assert current == len(raw)
    # Codes the parquet lost zeros of (MIRROR HS6 with 5 digits) are restored and counted.
    table = pq.read_table(monthly_dir / PARQUET_NAME, columns=["TNVED", "Source"]).to_pandas()
    short = ((table.Source == "MIRROR") & (table.TNVED.str.len() == 5)).sum()
    assert short > 0
    assert f"restored leading zeros of TN VED/HS codes ({short:,} rows)" in second.notes
    hs3004 = raw.hs_code.str.startswith("3004") & (raw.year == "2021") & (raw.napr_ru == "ИМ") & (raw.source == "MIRROR")
    india = run_flows(wh, exporter="IND", importer="RUS", segment=segment_3004, by="year", dataset="in-monthly")
    assert total(india, "year", "2021") == pytest.approx(raw[hs3004].v.sum() / 1e6, abs=1e-6)


# (e) -----------------------------------------------------------------------
def test_confidential_rows_kept_and_flagged(raw: pd.DataFrame, wh_csv) -> None:
    wh, _ = wh_csv
    secret = raw[raw.hs_code == "XXXXXXXXXX"]
    assert len(secret) > 0 and set(secret.source) == {"FTS"}
    n, value, codes = wh.con.execute(
        """SELECT count(*), sum(value_usd), list(DISTINCT product_code || dataset::VARCHAR)
           FROM trade_flows WHERE confidential""").fetchone()
    assert n == len(secret)
    assert value == pytest.approx(secret.v.sum(), rel=1e-12)
    assert codes == ["XXXXXXXXXXru-fts"]


# problems, in files written here -----------------------------------------
def test_csv_problems_rejected_with_reasons(tmp_path: Path) -> None:
    rows = [
        "FTS,ИМ,x,2021-01,IND,300490000,796,10.5,1.0,3.0",      # 9 digits: zero restored
        "MIRROR,ЭК,x,2021-02,IND,30490,KGS,20000.0,1.5,",        # 5 digits: zero restored
        "FTS,XX,x,2021-01,IND,3004900000,,1.0,1.0,0.0",          # unknown direction
        "FTS,ИМ,x,2021-13,IND,3004900000,,1.0,1.0,0.0",          # bad month
        "FTS,ИМ,x,2021-01,IND,30049,,1.0,1.0,0.0",               # bad code
        "MIRROR,ИМ,x,2021-01,IND,300490,KGS,abc,1.0,",           # non-numeric value
        "FTS,ЭК,x,2021-01,IND,3004900000,,-5.0,1.0,0.0",         # negative value
        "MIRROR,ИМ,x,2021-01,IND,300490,KGS,,0.01,",             # empty value: kept, NULL
    ]
    path = tmp_path / "ru_in.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with Warehouse(tmp_path / "w.duckdb") as wh:
        report = wh.load(path)
        assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (8, 3, 5)
        reasons = dict(wh.con.execute("SELECT row_number, reason FROM rejects ORDER BY 1").fetchall())
        assert set(reasons) == {3, 4, 5, 6, 7}
        assert reasons[3].startswith('unknown napr_ru "XX"')
        assert reasons[4] == 'period "2021-13" is not a month (YYYY-MM)'
        assert reasons[5] == 'product code "30049" is not a 10-digit TN VED code'
        assert reasons[6] == 'value_usd "abc" is not a number'
        assert reasons[7] == 'negative value_usd "-5.0"'
        got = wh.con.execute(
            """SELECT dataset::VARCHAR, reporter, partner, flow::VARCHAR, product_code, period, period_start, period_end,
                      value_usd, quantity, quantity_unit, net_weight_kg
               FROM trade_flows ORDER BY dataset::VARCHAR DESC, product_code DESC""").fetchall()
        assert got == [
            ("ru-fts", "RUS", "IND", "import", "0300490000", "2021-01", date(2021, 1, 1), date(2021, 1, 31), 10.5, 3.0, "796", 1.0),
            ("in-monthly", "IND", "RUS", "export", "300490", "2021-01", date(2021, 1, 1), date(2021, 1, 31), None, 10.0, "KGS", None),
            ("in-monthly", "IND", "RUS", "import", "030490", "2021-02", date(2021, 2, 1), date(2021, 2, 28), 20000.0, 1500.0, "KGS", None),
        ]
        assert "restored leading zeros of TN VED/HS codes (2 rows)" in report.notes


def test_parquet_layout_written_here(tmp_path: Path) -> None:
    """Integer TNVED (zeros lost), dates as PERIOD, a Comtrade row the reader refuses."""
    table = pa.table({
        "NAPR": ["ИМ", "ЭК", "ИМ", "ИМ"],
        "PERIOD": [date(2021, 3, 1), date(2021, 3, 1), date(2021, 3, 15), date(2021, 3, 1)],
        "STRANA": ["IN", "IN", "IN", "IN"],
        "TNVED": pa.array([300490000, 300490, 3004900000, 300490], pa.int64()),
        "EDIZM": [None, "KGS", None, "KGS"],
        "STOIM": [100.0, 30000.0, 1.0, 5.0],
        "NETTO": [2.0, 0.5, 1.0, 1.0],
        "KOL": [0.0, None, 0.0, None],
        "Source": ["FTS", "MIRROR", "FTS", "Comtrade"],
    })
    path = tmp_path / "fts.parquet"
    pq.write_table(table, path)
    assert detect(path).NAME == "fts-parquet"
    with Warehouse(tmp_path / "w.duckdb") as wh:
        report = wh.load(path)
        assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (4, 2, 2)
        reasons = dict(wh.con.execute("SELECT row_number, reason FROM rejects").fetchall())
        assert reasons == {3: 'PERIOD "2021-03-15" is not a month (YYYY-MM)',
                           4: 'unknown Source "Comtrade": expected FTS or MIRROR'}
        got = wh.con.execute(
            """SELECT dataset::VARCHAR, reporter, partner, partner_reported, flow::VARCHAR, product_code, period,
                      quantity, net_weight_kg
               FROM trade_flows ORDER BY dataset""").fetchall()
        assert got == [
            ("in-monthly", "IND", "RUS", "RUS", "import", "300490", "2021-03", 500.0, None),
            ("ru-fts", "RUS", "IND", "IN", "import", "0300490000", "2021-03", None, 2.0),
        ]
