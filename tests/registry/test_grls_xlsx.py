"""The official GRLS xlsx layout, written by the test with its quirks, read back."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
import xlsxwriter

from medtrade.errors import SourceError
from medtrade.verbs.registry import run_share, run_timeline
from medtrade.warehouse.store import Warehouse

HEADERS = [
    "Номер регистрационного удостоверения", "Дата регистрации",
    "Дата окончания действия регистрационного удостоверения", "Дата аннулирования регистрацион- ного удостоверения",
    "Юридическое лицо, на имя которого выдано регистрационное удостоверение", None,
    "Торговое наименование\nлекарственного препарата", "Международное непатентованное или химическое наименование",
    "Формы выпуска", "Сведения о стадиях производства", "Нормативная документация", "Фармако-терапевтическая группа",
]
# (reg number, date, holder, holder country, trade name, INN, forms, stages): stages one per line.
ROWS = [
    ("ЛП-000101", "12.03.2019", "Сан Фармасьютикал Индастриз Лтд", "Индия", "Сантин®", "амлодипин",
     "таблетки, 5 мг, 10 шт. - блистеры - пачки картонные - По рецепту",
     ("Производитель (готовой ЛФ), Сан Фармасьютикал Индастриз Лтд, Халол-Барода Хайвэй, 389350, Индия\n"
      "Упаковщик (вторичная упаковка), ООО \"Озон\", 445351, Самарская обл., г. Жигулевск, Россия")),
    ("ЛП-000102", "01.07.2021", "ООО 'Озон'", "Россия", "Азитромицин-Озон", "азитромицин",
     "капсулы, 250 мг, 6 шт. - блистеры - пачки картонные - По рецепту",
     "Все стадии, ООО \"Озон\", 445351, Самарская обл., г. Жигулевск, Россия"),
    ("П N012345/01", "20.05.2005", "Д-р Редди'с Лабораторис Лтд", "Индия", "Кеторол", "кеторолак",
     "таблетки, покрытые пленочной оболочкой, 10 мг - По рецепту",
     ("Производитель (все стадии, включая выпускающий контроль качества), Д-р Редди'с Лабораторис Лтд, "
      "Бачупалли, 500090, Индия")),
    ("ЛП-000104", "15.01.2021", "КРКА, д.д., Ново место", "Словения", "Амлодипин КРКА", "амлодипин",
     "таблетки, 10 мг - По рецепту",
     ("Производство готовой лекарственной формы, КРКА, д.д., Ново место, Шмарьешка цеста 6, 8501, Словения\n"
      "Производство готовой лекарственной формы, Сан Фармасьютикал Индастриз Лимитед, Халол, 389350, Индия")),
]


def write_grls(path: Path, rows: list[tuple], *, status: str = "Действующий", as_of: str = "10.02.2026",
               merge_down: bool = True) -> Path:
    """A GRLS export sheet: title in D3, header in row 5 from C with G:H merged, marker row, data, trailer."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    wrap = wb.add_format({"text_wrap": True})
    ws.write(2, 3, f"Государственный реестр лекарственных средств\nпо состоянию на {as_of}", wrap)
    for j, h in enumerate(HEADERS):
        if h is not None and j != 4:
            ws.write(4, 2 + j, h)
    ws.merge_range(4, 6, 4, 7, HEADERS[4])  # holder header spans the unnamed country column
    ws.write(5, 2, status)
    r = 6
    for reg, day, holder, country, trade, inn, forms, stages in rows:
        for j, v in enumerate((reg, day, "", "", holder, country, trade, inn, forms, stages, "", "")):
            ws.write(r, 2 + j, v, wrap)
        r += 1
    if merge_down:  # the last two products share a merged "Фармако-терапевтическая группа" cell
        ws.merge_range(r - 2, 13, r - 1, 13, "блокаторы кальциевых каналов")
    ws.write(r, 2, f"{as_of} 05:00:00")
    wb.close()
    return path


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("grls_xlsx")
    return write_grls(folder / "grls2026-02-10-1-Действующий.xlsx", ROWS)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory, export: Path) -> tuple[Path, object]:
    path = tmp_path_factory.mktemp("grls_xlsx_w") / "w.duckdb"
    with Warehouse(path) as wh:
        report = wh.load(export)
    return path, report


def test_export_rows_and_stages_are_read(loaded: tuple[Path, object]) -> None:
    path, report = loaded
    assert report.format == "grls-xlsx" and report.datasets == ["ru-grls"]
    assert report.rows_read == len(ROWS) == report.rows_loaded  # the trailer is not a record
    expected_stages = sum(len(r[7].splitlines()) for r in ROWS)
    with Warehouse(path, read_only=True) as wh:
        rows = wh.con.execute("SELECT reg_number, reg_date, status, holder_country, holder_country_reported, stage,"
                              " stage_kind, manufacturer, manufacturer_country FROM registrations ORDER BY source_row,"
                              " stage").fetchall()
        release = wh.con.execute("SELECT release FROM source_files").fetchone()[0]
    assert len(rows) == expected_stages
    assert release == "2026-02-10"
    first = [r for r in rows if r[0] == "ЛП-000101"]
    assert {(r[6], r[7], r[8]) for r in first} == {("production", "Сан Фармасьютикал Индастриз Лтд", "IND"),
                                                   ("packaging", 'ООО "Озон"', "RUS")}
    assert all(r[1] == date(2019, 3, 12) and r[2] == "Действующий" and r[3] == "IND" for r in first)
    krka = [r for r in rows if r[0] == "ЛП-000104"]
    assert sorted(r[7] for r in krka) == ["КРКА, д.д.", "Сан Фармасьютикал Индастриз Лимитед"]


def test_india_share_from_the_export_equals_the_rows_written(loaded: tuple[Path, object]) -> None:
    path, _ = loaded
    made_in_india = {r[0] for r in ROWS for line in r[7].splitlines()
                     if line.endswith("Индия") and not line.startswith("Упаковщик")}
    held_in_india = {r[0] for r in ROWS if r[3] == "Индия"}
    with Warehouse(path, read_only=True) as wh:
        made = next(r for r in run_share(wh, by="manufacturer_country").rows if r["country"] == "IND")
        held = next(r for r in run_share(wh, by="holder_country").rows if r["country"] == "IND")
        years = run_timeline(wh, country="India").rows
    assert (made["products"], made["share"]) == (len(made_in_india), pytest.approx(len(made_in_india) / len(ROWS)))
    assert (held["products"], held["share"]) == (len(held_in_india), pytest.approx(len(held_in_india) / len(ROWS)))
    by_year = {r["year"]: (r["products"], r["all_products"]) for r in years}
    assert by_year == {2005: (1, 1), 2019: (1, 1), 2021: (1, 2)}


def test_same_company_in_two_spellings_is_one_company(loaded: tuple[Path, object], run_medtrade) -> None:
    path, _ = loaded
    done = run_medtrade("registry", "companies", "--country", "IND", "-w", path, "-f", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["rows"]
    sun = next(r for r in rows if r["company_key"] == "san farmasiutikal indastriz")
    assert (sun["products"], sun["spellings"]) == (2, 2)


def test_bad_date_is_a_reject_with_reason(tmp_path: Path) -> None:
    bad = list(ROWS[0])
    bad[0], bad[1] = "ЛП-000199", "31.02.2020"
    export = write_grls(tmp_path / "grls2026-02-10-1-Действующий.xlsx", [ROWS[1], tuple(bad)], merge_down=False)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        report = wh.load(export)
        reject = wh.con.execute("SELECT row_number, reason FROM rejects").fetchall()
    assert (report.rows_read, report.rows_loaded, report.rows_rejected) == (2, 1, 1)
    assert reject[0][0] == 2 and "31.02.2020" in reject[0][1]


def test_an_xlsx_without_the_header_is_one_line_error(tmp_path: Path, run_medtrade) -> None:
    wb = xlsxwriter.Workbook(str(tmp_path / "grls2026-02-10-1-Действующий.xlsx"))
    wb.add_worksheet().write(0, 0, "не реестр")
    wb.close()
    with Warehouse(tmp_path / "w.duckdb") as wh, pytest.raises(SourceError, match="Номер регистрационного"):
        wh.load(tmp_path / "grls2026-02-10-1-Действующий.xlsx")
    truncated = tmp_path / "grls2026-02-11-1-Действующий.xlsx"
    truncated.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    done = run_medtrade("load", truncated, "-w", tmp_path / "w2.duckdb")
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0 and "xlsx" in done.stderr
