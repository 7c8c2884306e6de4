"""`medtrade registry ...` from the command line, company keys, and atomic registry loads."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from medtrade.catalog.companies import company_key
from medtrade.sources.registry import grls_sample
from medtrade.sources.registry.base import RegistryBatch
from medtrade.warehouse.registry_loader import load_registry
from medtrade.warehouse.store import Warehouse, sha256_of


def test_share_json_has_register_date_and_coverage_notes(grls_csv_warehouse: Path, grls_csv: Path,
                                                         run_medtrade) -> None:
    done = run_medtrade("registry", "share", "--by", "holder_country", "-f", "json", "-w", grls_csv_warehouse)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    raw = pd.read_csv(grls_csv, dtype=str, keep_default_na=False)
    counts = raw["Страна фирмы-регистратора"].value_counts()
    by = {r["country"]: r["products"] for r in out["rows"]}
    assert by["RUS"] == counts["Россия"] and by["IND"] == counts["Индия"]
    notes = " ".join(out["notes"])
    assert "register: ru-grls-sample" in notes and "as of:" in notes and "coverage: 1,371" in notes
    assert out["sources"][0]["name"] == grls_csv.name


@pytest.mark.parametrize("verb", ["companies", "inn", "timeline", "link"])
def test_verbs_answer_with_provenance(grls_db_warehouse: Path, verb: str) -> None:
    from medtrade.verbs import registry as v

    call = {"companies": lambda wh: v.run_companies(wh, country="IND"), "inn": lambda wh: v.run_inn(wh, "абакавир"),
            "timeline": lambda wh: v.run_timeline(wh, country="IND"), "link": lambda wh: v.run_link(wh, country="IND")}
    with Warehouse(grls_db_warehouse, read_only=True) as wh:
        result = call[verb](wh)
    assert result.sources and any(n.startswith("register: ru-grls-sample") for n in result.notes)
    json.loads(result.to_json())
    if verb != "timeline":  # the sample has no registration dates: an empty timeline that says so
        assert result.rows
    else:
        assert any("no registration dates" in n for n in result.notes)


def test_inn_lists_holders_and_makers_from_the_raw_file(grls_db_warehouse: Path, grls_csv: Path,
                                                        run_medtrade) -> None:
    done = run_medtrade("registry", "inn", "абакавир", "-f", "json", "-w", grls_db_warehouse)
    rows = json.loads(done.stdout)["rows"]
    raw = pd.read_csv(grls_csv, dtype=str, keep_default_na=False)
    abacavir = raw[raw["Название действующего вещества"].str.lower().str.contains("абакавир")]
    india_makers = abacavir.loc[abacavir["Страна фирмы-производителя"] == "Индия"]
    assert sum(r["products"] for r in rows if r["role"] == "manufacturer" and r["country"] == "IND") == len(india_makers)


@pytest.mark.parametrize(("args", "words"), [
    (["share", "--by", "colour"], ["`colour`", "manufacturer_country"]),
    (["share", "--registry", "nope"], ["`nope`", "ru-grls-sample"]),
    (["share", "--basis", "rumour"], ["`rumour`", "stated"]),
    (["companies", "--country", "NARNIA"], ["unknown country", "`NARNIA`"]),
])
def test_bad_options_are_one_line(grls_db_warehouse: Path, run_medtrade, args: list[str], words: list[str]) -> None:
    done = run_medtrade("registry", *args, "-w", grls_db_warehouse)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr


def test_sources_lists_register_files(grls_db_warehouse: Path, run_medtrade) -> None:
    done = run_medtrade("sources", "-f", "json", "-w", grls_db_warehouse)
    rows = json.loads(done.stdout)["rows"]
    assert rows[0]["format"] == "grls-sample" and rows[0]["datasets"] == "ru-grls-sample"
    assert rows[0]["rows_read"] == rows[0]["rows_loaded"] + rows[0]["rows_rejected"]


@pytest.mark.parametrize(("a", "b"), [
    ("Общество с ограниченной ответственностью 'ПРОМОМЕД РУС' (ООО 'ПРОМОМЕД РУС')", "ПРОМОМЕД РУС ООО"),
    ("Сан Фармасьютикал Индастриз Лтд", "«Сан Фармасьютикал Индастриз» Лимитед"),
    ("Шрея Лайф Саенсиз Пвт.Лтд", "Шрея Лайф Саенсиз Прайвит Лимитед"),
    ("Serum Institute of India Pvt. Ltd.", "SERUM INSTITUTE OF INDIA PRIVATE LIMITED"),
    ("Hetero Labs Limited", "Hetero Labs Ltd."),
    ("Ф.Хоффманн-Ля Рош Лтд", "Ф. Хоффманн-Ля Рош Лтд."),
    ("Брынцалов-А ЗАО [г.Москва]", "Закрытое акционерное общество 'Брынцалов-А'"),
])
def test_company_spellings_share_one_key(a: str, b: str) -> None:
    assert company_key(a) == company_key(b)
    assert company_key(a).isascii()


def test_different_companies_keep_different_keys() -> None:
    assert company_key("Сан Фармасьютикал Индастриз Лтд") != company_key("Сан Фарма Лтд")
    assert company_key("ООО") == "ooo"  # a name that is only a legal form keeps it


def test_a_failed_registry_load_changes_nothing(tmp_path: Path, grls_db: Path) -> None:
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as wh:
        wh.load(grls_db)
        before = wh.con.execute("SELECT (SELECT count(*) FROM registrations), (SELECT count(*) FROM source_files),"
                                " (SELECT count(*) FROM rejects), (SELECT count(superseded_by) FROM registrations)"
                                ).fetchone()
        good = grls_sample.read(grls_db)
        # Same products (they would supersede the loaded ones), then a reject that cannot be stored.
        broken = RegistryBatch(format="grls-sample", registry=good.registry, table=good.table,
                               rows_read=good.rows_read + 1, rows_loaded=good.rows_loaded,
                               rejects=[(1, None, "x")])  # reason NULL violates NOT NULL
        with pytest.raises(Exception):  # noqa: B017 - DuckDB's constraint error
            load_registry(wh.con, grls_db, sha256_of(grls_db)[::-1], broken, 0.0)
        after = wh.con.execute("SELECT (SELECT count(*) FROM registrations), (SELECT count(*) FROM source_files),"
                               " (SELECT count(*) FROM rejects), (SELECT count(superseded_by) FROM registrations)"
                               ).fetchone()
    assert after == before


def test_batch_counts_must_add_up() -> None:
    empty = pa.table({"registry": pa.array([], pa.string())})
    with pytest.raises(AssertionError):
        RegistryBatch(format="x", registry="x", table=empty, rows_read=3, rows_loaded=1, rejects=[])
