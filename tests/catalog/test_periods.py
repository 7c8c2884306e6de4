"""Periods: parsing, fiscal-year boundaries, ranges, roll-ups and the DuckDB label expressions."""

from __future__ import annotations

import dataclasses
import doctest
from datetime import date

import duckdb
import pytest

from medtrade.catalog import periods
from medtrade.catalog.periods import (
    Period,
    fy,
    fy_label_of,
    fy_start_year_of,
    month,
    parse_period,
    period_range,
    roll_up,
    sql_fy_label,
    sql_month_label,
    sql_year_label,
    year,
)
from medtrade.errors import InputError, MedtradeError

FORMS = "FY2022-23 (Indian fiscal year, April-March), 2022 (calendar year) or 2022-06 (month)"


@pytest.mark.parametrize(
    ("text", "kind", "label", "start", "end"),
    [
        ("FY2022-23", "fy", "FY2022-23", date(2022, 4, 1), date(2023, 3, 31)),
        ("FY2022-2023", "fy", "FY2022-23", date(2022, 4, 1), date(2023, 3, 31)),
        ("fy2022-23", "fy", "FY2022-23", date(2022, 4, 1), date(2023, 3, 31)),
        ("2022-23", "fy", "FY2022-23", date(2022, 4, 1), date(2023, 3, 31)),
        ("2022-2023", "fy", "FY2022-23", date(2022, 4, 1), date(2023, 3, 31)),
        (" FY 2022-23 ", "fy", "FY2022-23", date(2022, 4, 1), date(2023, 3, 31)),
        ("FY2099-00", "fy", "FY2099-00", date(2099, 4, 1), date(2100, 3, 31)),
        ("FY2011-12", "fy", "FY2011-12", date(2011, 4, 1), date(2012, 3, 31)),
        ("2022", "year", "2022", date(2022, 1, 1), date(2022, 12, 31)),
        ("2022-06", "month", "2022-06", date(2022, 6, 1), date(2022, 6, 30)),
        ("2024-02", "month", "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2023-02", "month", "2023-02", date(2023, 2, 1), date(2023, 2, 28)),
        # without the FY prefix a suffix 01-12 is a month (ISO wins the ambiguity)
        ("2011-12", "month", "2011-12", date(2011, 12, 1), date(2011, 12, 31)),
    ],
)
def test_parse_valid_forms(text: str, kind: str, label: str, start: date, end: date) -> None:
    p = parse_period(text)
    assert (p.type, p.label, p.start, p.end) == (kind, label, start, end)
    assert str(p) == label
    assert parse_period(label) == p  # the label round-trips
    assert parse_period(p) is p


@pytest.mark.parametrize("text", ["", "abc", "22", "FY2022", "2022/23", "2022-6", "FY22-23", "20222", "June 2022"])
def test_parse_invalid_names_value_and_forms(text: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_period(text)
    msg = str(exc.value)
    assert f"`{text}`" in msg and FORMS in msg
    assert "\n" not in msg
    assert isinstance(exc.value, ValueError) and isinstance(exc.value, MedtradeError)


@pytest.mark.parametrize("text", ["FY2022-24", "fy2022-2024", "2022-2024", "FY2022-22"])
def test_parse_fiscal_year_must_span_consecutive_years(text: str) -> None:
    with pytest.raises(InputError, match=r"not a valid fiscal year.*did you mean FY2022-23\?") as exc:
        parse_period(text)
    assert f"`{text}`" in str(exc.value) and FORMS in str(exc.value)


@pytest.mark.parametrize("text", ["2022-13", "2022-00", "2022-24"])
def test_parse_neither_month_nor_fy(text: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_period(text)
    assert str(exc.value) == f"period `{text}` is neither a month (01-12) nor a fiscal year (2022-23): use {FORMS}"


def test_parse_non_string() -> None:
    with pytest.raises(InputError, match="period `2022` is not valid"):
        parse_period(2022)  # type: ignore[arg-type]


def test_constructors_and_validation() -> None:
    assert fy(2023) == Period("fy", "FY2023-24", date(2023, 4, 1), date(2024, 3, 31))
    assert year(2021) == Period("year", "2021", date(2021, 1, 1), date(2021, 12, 31))
    assert month(2021, 9) == Period("month", "2021-09", date(2021, 9, 1), date(2021, 9, 30))
    with pytest.raises(InputError, match="month `13`"):
        month(2022, 13)
    with pytest.raises(InputError, match="year `99`"):
        year(99)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fy(2022).label = "x"  # type: ignore[misc]


def test_fy_boundaries() -> None:
    assert fy_label_of(date(2023, 3, 31)) == "FY2022-23"
    assert fy_label_of(date(2023, 4, 1)) == "FY2023-24"
    assert fy_start_year_of(date(2023, 3, 31)) == 2022
    assert fy_start_year_of(date(2023, 4, 1)) == 2023
    assert fy_label_of(date(2000, 1, 1)) == "FY1999-00"
    assert fy_label_of(date(2009, 12, 31)) == "FY2009-10"
    p = fy(2022)
    assert p.contains(month(2023, 3)) and not p.contains(month(2023, 4))
    assert p.contains(month(2022, 4)) and not p.contains(month(2022, 3))
    assert p.contains(p) and not p.contains(year(2022)) and not year(2022).contains(p)
    assert year(2023).contains(month(2023, 12))


def test_months() -> None:
    ms = fy(2022).months()
    assert [m.label for m in ms] == [f"2022-{m:02d}" for m in range(4, 13)] + ["2023-01", "2023-02", "2023-03"]
    assert ms[0].start == fy(2022).start and ms[-1].end == fy(2022).end
    assert [m.label for m in year(2024).months()] == [f"2024-{m:02d}" for m in range(1, 13)]
    assert month(2024, 2).months() == [month(2024, 2)]
    assert sum((m.end - m.start).days + 1 for m in year(2024).months()) == 366


def test_period_range() -> None:
    assert [p.label for p in period_range("2022-11", "2023-02")] == ["2022-11", "2022-12", "2023-01", "2023-02"]
    assert [p.label for p in period_range("FY2021-22", "2023-24")] == ["FY2021-22", "FY2022-23", "FY2023-24"]
    assert [p.label for p in period_range("2019", "2021")] == ["2019", "2020", "2021"]
    assert period_range("2022", "2022") == [year(2022)]
    with pytest.raises(InputError, match="mixes a year and a month: use two periods of the same type"):
        period_range("2022", "2023-01")
    with pytest.raises(InputError, match="ends before it starts"):
        period_range("FY2023-24", "FY2021-22")
    with pytest.raises(InputError, match="`nope`"):
        period_range("nope", "2022")


def test_roll_up() -> None:
    assert roll_up(month(2023, 3), to="fy") == fy(2022)
    assert roll_up(month(2023, 4), to="fy") == fy(2023)
    assert roll_up(month(2023, 3), to="year") == year(2023)
    assert roll_up("2024-01", to="fy").label == "FY2023-24"
    assert roll_up(fy(2022), to="fy") == fy(2022)
    assert roll_up(year(2022), to="year") == year(2022)
    for p in period_range("2022-01", "2024-12"):
        assert roll_up(p, to="fy").contains(p) and roll_up(p, to="year").contains(p)
    with pytest.raises(InputError, match=r"cannot roll fy `FY2022-23` up to a year"):
        roll_up(fy(2022), to="year")
    with pytest.raises(InputError, match=r"cannot roll year `2022` up to a fy"):
        roll_up(year(2022), to="fy")
    with pytest.raises(InputError, match=r"cannot roll year `2022` up to a month"):
        roll_up(year(2022), to="month")
    with pytest.raises(InputError, match="roll-up target `quarter`"):
        roll_up(month(2022, 1), to="quarter")  # type: ignore[arg-type]


SQL_DATES = [
    date(2023, 3, 31), date(2023, 4, 1), date(2000, 1, 15), date(1999, 12, 31), date(2008, 4, 1),
    date(2009, 3, 31), date(2009, 5, 1), date(2024, 2, 29), date(2099, 12, 1), date(2100, 3, 31),
]  # fmt: skip


def test_sql_labels_match_python() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (d DATE, ts TIMESTAMP)")
    con.executemany("INSERT INTO t VALUES (?, ?)", [(d, d) for d in SQL_DATES])
    rows = con.execute(
        f"SELECT d, {sql_fy_label('d')}, {sql_year_label('d')}, {sql_month_label('d')}, "
        f"{sql_fy_label('ts')}, {sql_month_label('ts')} FROM t ORDER BY d"
    ).fetchall()
    assert len(rows) == len(SQL_DATES)
    for d, fy_sql, year_sql, month_sql, fy_ts, month_ts in rows:
        assert fy_sql == fy_ts == fy_label_of(d)
        assert year_sql == year(d.year).label
        assert month_sql == month_ts == month(d.year, d.month).label
        assert parse_period(fy_sql) == roll_up(parse_period(month_sql), to="fy")


def test_sql_label_on_an_expression_and_group_by() -> None:
    con = duckdb.connect()
    expr = sql_fy_label("DATE '2023-03-31' + INTERVAL 1 DAY")
    assert con.execute(f"SELECT {expr}").fetchone() == ("FY2023-24",)
    monthly = [(month(2022, m).start, 1.0) for m in range(1, 13)] + [(month(2023, m).start, 10.0) for m in range(1, 7)]
    con.execute("CREATE TABLE flows (period_start DATE, value DOUBLE)")
    con.executemany("INSERT INTO flows VALUES (?, ?)", monthly)
    got = dict(con.execute(f"SELECT {sql_fy_label('period_start')} AS fy, sum(value) FROM flows GROUP BY 1").fetchall())
    expected: dict[str, float] = {}
    for start, value in monthly:
        expected[fy_label_of(start)] = expected.get(fy_label_of(start), 0.0) + value
    assert got == expected == {"FY2021-22": 3.0, "FY2022-23": 39.0, "FY2023-24": 30.0}


def test_doctests() -> None:
    assert doctest.testmod(periods).failed == 0
