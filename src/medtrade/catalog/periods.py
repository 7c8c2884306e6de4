"""Reporting periods: Indian fiscal years (April-March), calendar years and months.

Trade data arrive monthly (India's monthly releases, Russia's customs), yearly
(Comtrade, BACI) or by Indian fiscal year (EIDB). A :class:`Period` is a closed
date range with a canonical label; the ``sql_*_label`` helpers give the same
labels as DuckDB expressions so the warehouse can roll monthly rows up.

Examples
--------
>>> p = parse_period("fy2022-2023")
>>> str(p), p.start.isoformat(), p.end.isoformat()
('FY2022-23', '2022-04-01', '2023-03-31')
>>> fy_label_of(date(2023, 3, 31)), fy_label_of(date(2023, 4, 1))
('FY2022-23', 'FY2023-24')
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from medtrade._typing import PeriodType
from medtrade.errors import InputError

__all__ = [
    "Period",
    "fy",
    "fy_label_of",
    "fy_start_year_of",
    "month",
    "parse_period",
    "period_range",
    "roll_up",
    "sql_fy_label",
    "sql_month_label",
    "sql_year_label",
    "year",
]

FY_FIRST_MONTH = 4  # the Indian fiscal year starts on 1 April
_FORMS = "FY2022-23 (Indian fiscal year, April-March), 2022 (calendar year) or 2022-06 (month)"
_YEAR_RE = re.compile(r"(\d{4})")
_DASHED_RE = re.compile(r"(FY ?)?(\d{4})-(\d{2}|\d{4})", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    """A closed range of days with a canonical label.

    Build one with :func:`parse_period`, :func:`fy`, :func:`year` or :func:`month`.

    Attributes
    ----------
    type : {"fy", "year", "month"}
    label : str
        ``FY2022-23``, ``2022`` or ``2022-06``; also what ``str()`` returns.
    start, end : datetime.date
        First and last day, both inclusive.
    """

    type: PeriodType
    label: str
    start: date
    end: date

    def __str__(self) -> str:
        return self.label

    def contains(self, other: Period) -> bool:
        """Whether every day of `other` falls inside this period."""
        return self.start <= other.start and other.end <= self.end

    def months(self) -> list[Period]:
        """The calendar months of this period, in order (``[self]`` for a month)."""
        out: list[Period] = []
        y, m = self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append(month(y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def _check_year(y: int, *, last: int = 9999) -> None:
    if not isinstance(y, int) or isinstance(y, bool) or not 1000 <= y <= last:
        raise InputError(f"year `{y!r}` is not valid: use a four-digit year such as 2022")


def fy(start_year: int, /) -> Period:
    """The Indian fiscal year starting on 1 April of `start_year`.

    >>> fy(2022).label, fy(2022).end
    ('FY2022-23', datetime.date(2023, 3, 31))
    """
    _check_year(start_year, last=9998)
    label = f"FY{start_year}-{(start_year + 1) % 100:02d}"
    return Period("fy", label, date(start_year, FY_FIRST_MONTH, 1), date(start_year + 1, 3, 31))


def year(y: int, /) -> Period:
    """Calendar year `y` (1 January - 31 December)."""
    _check_year(y)
    return Period("year", str(y), date(y, 1, 1), date(y, 12, 31))


def month(y: int, m: int, /) -> Period:
    """Calendar month `m` of year `y`, labelled ``YYYY-MM``."""
    _check_year(y)
    if not isinstance(m, int) or isinstance(m, bool) or not 1 <= m <= 12:
        raise InputError(f"month `{m!r}` is not valid: use 1-12")
    last_day = calendar.monthrange(y, m)[1]
    return Period("month", f"{y}-{m:02d}", date(y, m, 1), date(y, m, last_day))


def fy_start_year_of(d: date) -> int:
    """Calendar year in which the Indian fiscal year containing `d` starts."""
    return d.year if d.month >= FY_FIRST_MONTH else d.year - 1


def fy_label_of(d: date, /) -> str:
    """Label of the Indian fiscal year containing `d`.

    >>> fy_label_of(date(2023, 3, 31))
    'FY2022-23'
    """
    return fy(fy_start_year_of(d)).label


def parse_period(text: str | Period, /) -> Period:
    """Parse a period label.

    Accepted forms: ``FY2022-23`` (also ``FY2022-2023``, ``fy2022-23``, ``FY 2022-23``
    and ``2022-23``), ``2022`` and ``2022-06``. Without the ``FY`` prefix a two-digit
    suffix from 01 to 12 is read as a month, so ``2011-12`` is December 2011: write
    ``FY2011-12`` for the fiscal year. A :class:`Period` is returned unchanged.

    Raises
    ------
    InputError
        If `text` is none of the forms, or a fiscal year does not span two
        consecutive years (``FY2022-24``).

    Examples
    --------
    >>> parse_period("2022-23").label, parse_period("2022-06").end
    ('FY2022-23', datetime.date(2022, 6, 30))
    """
    if isinstance(text, Period):
        return text
    if not isinstance(text, str):
        raise InputError(f"period `{text!r}` is not valid: use {_FORMS}")
    s = text.strip()
    if _YEAR_RE.fullmatch(s):
        return year(int(s))
    m = _DASHED_RE.fullmatch(s)
    if m is None:
        raise InputError(f"period `{text}` is not valid: use {_FORMS}")
    prefixed, y, suffix = bool(m.group(1)), int(m.group(2)), m.group(3)
    if not prefixed and len(suffix) == 2 and 1 <= int(suffix) <= 12:
        return month(y, int(suffix))
    expected = f"{y + 1}" if len(suffix) == 4 else f"{(y + 1) % 100:02d}"
    if suffix == expected:
        return fy(y)
    if prefixed or len(suffix) == 4:
        raise InputError(
            f"period `{text}` is not a valid fiscal year: an Indian fiscal year runs April-March "
            f"of two consecutive years (did you mean {fy(y).label}?); use {_FORMS}"
        )
    raise InputError(
        f"period `{text}` is neither a month (01-12) nor a fiscal year ({y}-{expected}): use {_FORMS}"
    )


def period_range(first: str | Period, last: str | Period, /) -> list[Period]:
    """Every period from `first` to `last` inclusive; both must be of the same type.

    >>> [p.label for p in period_range("FY2021-22", "FY2023-24")]
    ['FY2021-22', 'FY2022-23', 'FY2023-24']
    """
    a, b = parse_period(first), parse_period(last)
    if a.type != b.type:
        raise InputError(
            f"period range `{a}`..`{b}` mixes a {a.type} and a {b.type}: use two periods of the same type"
        )
    if b.start < a.start:
        raise InputError(f"period range `{a}`..`{b}` ends before it starts: put the earlier period first")
    if a.type == "month":
        return Period("month", f"{a}..{b}", a.start, b.end).months()
    make = fy if a.type == "fy" else year
    return [make(y) for y in range(a.start.year, b.start.year + 1)]


def roll_up(period: str | Period, /, *, to: PeriodType) -> Period:
    """The period of type `to` that contains `period` (month -> fy, month -> year).

    A period rolled up to its own type is returned unchanged. Rolling a fiscal
    year into a calendar year (or the reverse), or anything into a month, is not a
    clean roll-up and raises :class:`~medtrade.errors.InputError`.

    >>> roll_up(month(2023, 3), to="fy").label, roll_up(month(2023, 4), to="fy").label
    ('FY2022-23', 'FY2023-24')
    """
    p = parse_period(period)
    if to not in ("fy", "year", "month"):
        raise InputError(f"roll-up target `{to}` is not valid: use fy, year or month")
    if to == p.type:
        return p
    if p.type != "month":
        raise InputError(
            f"cannot roll {p.type} `{p}` up to a {to}: only months roll up cleanly to a fy or a year"
        )
    return fy(fy_start_year_of(p.start)) if to == "fy" else year(p.start.year)


def sql_fy_label(date_sql: str) -> str:
    """DuckDB expression giving the fiscal-year label (``FY2022-23``) of a DATE expression.

    Examples
    --------
    >>> sql_fy_label("d")  # doctest: +ELLIPSIS
    "('FY' || ... || lpad(...
    """
    y = f"(year({date_sql}) - CASE WHEN month({date_sql}) < {FY_FIRST_MONTH} THEN 1 ELSE 0 END)"
    return f"('FY' || CAST({y} AS VARCHAR) || '-' || lpad(CAST(({y} + 1) % 100 AS VARCHAR), 2, '0'))"


def sql_year_label(date_sql: str) -> str:
    """DuckDB expression giving the calendar-year label (``2022``) of a DATE expression."""
    return f"CAST(year({date_sql}) AS VARCHAR)"


def sql_month_label(date_sql: str) -> str:
    """DuckDB expression giving the month label (``2022-06``) of a DATE expression."""
    return f"strftime(CAST({date_sql} AS DATE), '%Y-%m')"
