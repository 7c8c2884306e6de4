"""Register samples of the shared data: counts recomputed from the raw files, nothing lost, encodings."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from medtrade.errors import SourceError
from medtrade.verbs.registry import run_share
from medtrade.warehouse.store import Warehouse

HOLDER, MAKER = "Страна фирмы-регистратора", "Страна фирмы-производителя"


def _share_row(warehouse: Path, by: str, country: str = "IND", **kw: object) -> dict:
    with Warehouse(warehouse, read_only=True) as wh:
        rows = run_share(wh, by=by, **kw).rows
    return next(r for r in rows if r["country"] == country)


@pytest.mark.parametrize(("by", "column"), [("manufacturer_country", MAKER), ("holder_country", HOLDER)])
def test_grls_sample_india_share_equals_raw_csv_counts(grls_csv: Path, grls_db_warehouse: Path,
                                                       grls_csv_warehouse: Path, by: str, column: str) -> None:
    raw = pd.read_csv(grls_csv, dtype=str, keep_default_na=False)
    india = int((raw[column] == "Индия").sum())
    expected = {"products": india, "share": india / len(raw)}
    for warehouse in (grls_db_warehouse, grls_csv_warehouse):
        row = _share_row(warehouse, by)
        assert {"products": row["products"], "share": row["share"]} == pytest.approx(expected)


def test_grls_sample_sqlite_and_csv_layouts_give_the_same_answers(grls_db: Path, grls_db_warehouse: Path,
                                                                  grls_csv_warehouse: Path) -> None:
    con = sqlite3.connect(grls_db)
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    total = sum(con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables)
    for by in ("manufacturer_country", "holder_country"):
        with Warehouse(grls_db_warehouse, read_only=True) as a, Warehouse(grls_csv_warehouse, read_only=True) as b:
            rows_a, rows_b = run_share(a, by=by).rows, run_share(b, by=by).rows
        assert rows_a == rows_b
        assert sum(r["products"] for r in rows_a) == total  # one country per product in this sample


def test_loading_both_grls_layouts_counts_each_product_once(tmp_path: Path, grls_db: Path, grls_csv: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.load(grls_db)
        second = wh.load(grls_csv)
        again = wh.load(grls_csv)
        products = wh.con.execute("SELECT count(DISTINCT product_key), count(*) FROM registrations"
                                  " WHERE superseded_by IS NULL").fetchone()
    assert second.rows_overlapping == 1371 and again.status == "already loaded"
    assert products == (1371, 1371)


def test_every_register_sample_accounts_for_every_row(all_registers: tuple[Path, list[Path]]) -> None:
    warehouse, files = all_registers
    with Warehouse(warehouse, read_only=True) as wh:
        loaded = {f["name"]: f for f in wh.source_files()}
        reasons = dict(wh.con.execute("SELECT file_id, list(DISTINCT reason) FROM rejects GROUP BY 1").fetchall())
    assert {p.name for p in files} == set(loaded)
    assert len(files) >= 15
    for f in loaded.values():
        assert f["rows_read"] == f["rows_loaded"] + f["rows_rejected"], f["name"]
        assert f["rows_read"] > 0, f["name"]
        if f["rows_rejected"]:
            assert all(r for r in reasons[f["file_id"]]), f["name"]


def test_record_counts_match_the_raw_files(all_registers: tuple[Path, list[Path]], registry_dir: Path) -> None:
    warehouse, _ = all_registers
    with Warehouse(warehouse, read_only=True) as wh:
        read = {f["name"]: f["rows_read"] for f in wh.source_files()}
    zhnvlp = registry_dir / "zhnvlp_packs_2018_cp1251/goods.csv"
    assert read["goods.csv"] == len(pd.read_csv(zhnvlp, sep=";", encoding="cp1251", dtype=str))
    for name in ("eaeu_drug_register_sample.json", "kz_ndda_drugs_sample.json", "kz_ndda_medical_devices_sample.json",
                 "roszdravnadzor_medical_devices_sample.json", "eaeu_medical_devices_sample.json"):
        assert read[name] == len(json.loads((registry_dir / "eaeu_kz_scraped" / name).read_text("utf-8"))), name
    vaccines = registry_dir / "who_prequalified/prequalified_vaccines_smart_icvp.csv"
    assert read[vaccines.name] == len(pd.read_csv(vaccines, dtype=str))


def test_eaeu_scrape_rejects_stale_cards_with_reasons(all_registers: tuple[Path, list[Path]],
                                                      registry_dir: Path) -> None:
    warehouse, _ = all_registers
    raw = json.loads((registry_dir / "eaeu_kz_scraped/eaeu_drug_register_sample.json").read_text("utf-8"))
    b12 = next(i for i, r in enumerate(raw, start=1) if r["general_info"]["header"] == "B12 Анкерманн")
    with Warehouse(warehouse, read_only=True) as wh:
        fid = wh.con.execute("SELECT file_id FROM source_files WHERE name = 'eaeu_drug_register_sample.json'").fetchone()[0]
        reason = wh.con.execute("SELECT reason FROM rejects WHERE file_id = ? AND row_number = ?", [fid, b12]).fetchone()
        names = {r[0] for r in wh.con.execute("SELECT DISTINCT trade_name FROM registrations WHERE file_id = ?", [fid]).fetchall()}
    assert reason and "already belongs to АнвиМакс®" in reason[0]
    assert "B12 Анкерманн" not in names and "АнвиМакс®" in names


def test_price_monitor_string_split_matches_the_derived_columns(all_registers: tuple[Path, list[Path]],
                                                                registry_dir: Path) -> None:
    warehouse, _ = all_registers
    raw = pd.read_csv(registry_dir / "price_monitor_2010s/tprice_monitor_base.csv", dtype=str, keep_default_na=False)
    for by, column in (("holder_country", "holder_country"), ("manufacturer_country", "manufacturer_country")):
        india = raw.loc[raw[column] == "Индия", "PackNx"].nunique()
        row = _share_row(warehouse, by, registry="ru-price-monitor")
        assert row["products"] == india
        assert row["share"] == pytest.approx(india / raw["PackNx"].nunique())


# ------------------------------------------------------------------ encodings
def test_windows_1251_reference_loads_with_correct_cyrillic(all_registers: tuple[Path, list[Path]],
                                                            registry_dir: Path) -> None:
    warehouse, _ = all_registers
    raw = pd.read_csv(registry_dir / "zhnvlp_packs_2018_cp1251/goods.csv", sep=";", encoding="cp1251", dtype=str,
                      keep_default_na=False)
    valid_890 = raw.EAN.str.fullmatch(r"890\d{10}") & raw.EAN.map(_ean_ok)
    with Warehouse(warehouse, read_only=True) as wh:
        names = {r[0] for r in wh.con.execute("SELECT trade_name FROM registrations WHERE registry = 'ru-zhnvlp'").fetchall()}
        india = wh.con.execute(
            "SELECT count(DISTINCT source_row) FROM registrations WHERE registry = 'ru-zhnvlp' AND stage_kind = 'production'"
            " AND manufacturer_country = 'IND' AND manufacturer_country_basis = 'inferred-ean'").fetchone()[0]
        stated = wh.con.execute("SELECT count(*) FROM registrations WHERE registry = 'ru-zhnvlp'"
                                " AND manufacturer_country_basis = 'stated'").fetchone()[0]
    assert {"Брифесептол", "Лизолин"} <= names
    assert not any("Ð" in n or "Р°" in n for n in names)
    assert india == int(valid_890.sum())
    assert stated == 0  # the file names no country: inferred ones are never 'stated'


def _ean_ok(code: str) -> bool:
    if len(code) != 13 or not code.isdigit():
        return False
    return (10 - sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(code[:12])) % 10) % 10 == int(code[12])


def test_a_windows_1251_file_given_as_utf8_is_re_decoded_with_a_note(tmp_path: Path, grls_csv: Path) -> None:
    lines = grls_csv.read_text("utf-8").splitlines()[:21]
    mislabelled = tmp_path / "grls_slice_cp1251.csv"
    mislabelled.write_bytes(("\n".join(lines) + "\n").encode("cp1251", errors="replace"))
    with Warehouse(tmp_path / "w.duckdb") as wh:
        report = wh.load(mislabelled)
        names = [r[0] for r in wh.con.execute("SELECT trade_name FROM registrations ORDER BY source_row").fetchall()]
    assert report.rows_read == 20 == report.rows_loaded
    assert any("Windows-1251" in note for note in report.notes)
    expected = pd.read_csv(grls_csv, dtype=str, nrows=20)["Торговое название"].tolist()
    assert names == expected


def test_mojibake_is_refused_in_one_line(tmp_path: Path, grls_csv: Path, run_medtrade) -> None:
    text = "\n".join(grls_csv.read_text("utf-8").splitlines()[:21]) + "\n"
    garbled = tmp_path / "sample.csv"
    garbled.write_text(text.encode("utf-8").decode("cp1251", errors="replace"), encoding="utf-8")
    with Warehouse(tmp_path / "w.duckdb") as wh, pytest.raises(SourceError, match="garbled .UTF-8 bytes"):
        wh.load(garbled)
    done = run_medtrade("load", garbled, "-w", tmp_path / "w2.duckdb")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "text is garbled" in done.stderr and "Traceback" not in done.stderr


def test_forcing_a_utf8_layout_on_the_cp1251_file_is_one_line_error(tmp_path: Path, registry_dir: Path,
                                                                   run_medtrade) -> None:
    goods = registry_dir / "zhnvlp_packs_2018_cp1251/goods.csv"
    done = run_medtrade("load", goods, "--source", "grls-sample", "-w", tmp_path / "w.duckdb")
    assert done.returncode == 2
    assert "missing column" in done.stderr and done.stderr.strip().count("\n") == 0
    with Warehouse(tmp_path / "w.duckdb", read_only=True) as wh:
        assert wh.con.execute("SELECT count(*) FROM registrations").fetchone()[0] == 0


def test_who_vaccines_india_is_inferred_from_the_regulator(all_registers: tuple[Path, list[Path]],
                                                           registry_dir: Path) -> None:
    warehouse, _ = all_registers
    raw = pd.read_csv(registry_dir / "who_prequalified/prequalified_vaccines_smart_icvp.csv", dtype=str)
    cdsco = int((raw["Responsible NRA"] == "Central Drugs Standard Control Organization").sum())
    with Warehouse(warehouse, read_only=True) as wh:
        rows = wh.con.execute(
            "SELECT count(DISTINCT source_row), list(DISTINCT manufacturer_country_basis) FROM registrations r"
            " JOIN source_files f USING (file_id) WHERE f.name = 'prequalified_vaccines_smart_icvp.csv'"
            " AND manufacturer_country = 'IND'").fetchone()
        stated = run_share(wh, by="manufacturer_country", registry="who-pq-vaccines").rows
    assert rows == (cdsco, ["inferred-regulator"])
    assert all(r["country"] is None for r in stated)  # nothing stated: one "no country" row


def test_scrape_card_with_a_bad_date_is_rejected_with_its_reason(registry_dir: Path, tmp_path: Path) -> None:
    from medtrade.sources.registry import eaeu_kz_json

    cards = json.loads((registry_dir / "eaeu_kz_scraped/kz_ndda_medical_devices_sample.json").read_text("utf-8"))
    cards[0]["mainInfo"]["registrationData"] = "31.02.2019"  # no such day
    path = tmp_path / "kz_devices.json"
    path.write_text(json.dumps(cards, ensure_ascii=False), "utf-8")
    batch = eaeu_kz_json.read(path)
    assert [(row, reason.split(":")[0]) for row, reason, _ in batch.rejects] == [(1, "registrationData")]
    assert batch.rows_read == len(cards)
    assert cards[0]["mainInfo"]["reg_number"] not in set(batch.table.column("reg_number").to_pylist())
