"""Registry benchmark: `registry share` on 1 M synthetic registrations written in the GRLS xlsx layout.

Usage::

    python benchmarks/bench_registry.py [--rows 1000000] [--repeat 5] [--out benchmarks/out/registry.json]

Generates (seed 20261122) an export in the official layout - title row, header on row 5
with the unnamed holder-country column, status marker, one registration per row with
one to three production-stage lines - writes it with xlsxwriter (constant memory),
loads it with ``medtrade load`` logic (``Warehouse.load``), then times
``run_share(by=manufacturer_country)`` and ``run_share(by=holder_country)`` warm:
one untimed call, then the median and min of ``--repeat`` calls. Beside it, the same
count as one DuckDB SQL statement on the same table (the limit).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

COUNTRIES = [("Россия", 0.55), ("Индия", 0.10), ("Германия", 0.07), ("Китай", 0.05), ("Франция", 0.04),
             ("Республика Беларусь", 0.03), ("Венгрия", 0.03), ("Словения", 0.03), ("Италия", 0.03),
             ("США", 0.02), ("Швейцария", 0.02), ("Сербия", 0.01), ("Израиль", 0.01), ("Турция", 0.01)]
STAGES = ["Производство готовой лекарственной формы", "Первичная упаковка", "Вторичная (потребительская) упаковка",
          "Выпускающий контроль качества", "Все стадии"]
FORMS = ["Лтд", "Лимитед", "ООО", "АО", "Пвт. Лтд", "ГмбХ", "С.А."]


def generate(path: Path, rows: int, seed: int = 20261122) -> None:
    """Write a GRLS-layout xlsx of ``rows`` registrations."""
    import xlsxwriter

    rng = random.Random(seed)
    names, weights = zip(*COUNTRIES)
    companies = [f"Фарма-{i:04d} {rng.choice(FORMS)}" for i in range(3000)]
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet()
    ws.write(2, 3, "Государственный реестр лекарственных средств\nпо состоянию на 10.02.2026")
    header = ["Номер регистрационного удостоверения", "Дата регистрации", "Дата окончания действия", "Дата аннулирования",
              "Юридическое лицо, на имя которого выдано регистрационное удостоверение", None, "Торговое наименование",
              "Международное непатентованное или химическое наименование", "Формы выпуска",
              "Сведения о стадиях производства"]
    for j, h in enumerate(header):
        if h:
            ws.write(4, 2 + j, h)
    ws.write(5, 2, "Действующий")
    for i in range(rows):
        holder_country = rng.choices(names, weights)[0]
        stages = []
        for _ in range(rng.choice((1, 1, 2, 3))):
            country = holder_country if rng.random() < 0.7 else rng.choices(names, weights)[0]
            stages.append(f"{rng.choice(STAGES)}, {rng.choice(companies)}, 1{rng.randrange(10000, 99999)}, "
                          f"ул. Заводская, д. {rng.randrange(1, 99)}, {country}")
        r = 6 + i
        ws.write_string(r, 2, f"ЛП-{i:07d}")
        ws.write_string(r, 3, f"{rng.randrange(1, 28):02d}.{rng.randrange(1, 13):02d}.{rng.randrange(1995, 2026)}")
        ws.write_string(r, 6, rng.choice(companies))
        ws.write_string(r, 7, holder_country)
        ws.write_string(r, 8, f"Препарат-{i}")
        ws.write_string(r, 9, f"вещество-{i % 5000}")
        ws.write_string(r, 10, "таблетки, 10 мг, 30 шт. - блистеры - пачки картонные - По рецепту")
        ws.write_string(r, 11, "\n".join(stages))
    wb.close()


def timed(fn, repeat: int) -> dict:
    fn()  # warm
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {"median_s": statistics.median(times), "min_s": min(times), "runs": times}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/registry.json"))
    args = parser.parse_args()

    from medtrade.verbs.registry import run_share
    from medtrade.warehouse.store import Warehouse

    result: dict = {"rows": args.rows, "repeat": args.repeat, "python": platform.python_version(),
                    "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory() as tmp:
        xlsx = Path(tmp) / "grls2026-02-10-1-Действующий.xlsx"
        t0 = time.perf_counter()
        generate(xlsx, args.rows)
        result["generate_s"] = time.perf_counter() - t0
        result["xlsx_bytes"] = xlsx.stat().st_size
        with Warehouse(Path(tmp) / "w.duckdb") as wh:
            report = wh.load(xlsx)
            result["load"] = {"seconds": report.seconds, "rows_read": report.rows_read,
                              "rows_loaded": report.rows_loaded, "rows_rejected": report.rows_rejected,
                              "stage_rows": wh.con.execute("SELECT count(*) FROM registrations").fetchone()[0]}
        with Warehouse(Path(tmp) / "w.duckdb", read_only=True) as wh:
            for by in ("manufacturer_country", "holder_country"):
                result[f"share_{by}"] = timed(lambda by=by: run_share(wh, by=by), args.repeat)
            sql = ("SELECT manufacturer_country, count(DISTINCT product_key) FROM registrations"
                   " WHERE registry = 'ru-grls' AND superseded_by IS NULL AND stage_kind = 'production'"
                   " AND manufacturer_country_basis = 'stated' GROUP BY 1")
            result["duckdb_sql_manufacturer_country"] = timed(lambda: wh.con.execute(sql).fetchall(), args.repeat)
            india = next(r for r in run_share(wh, by="manufacturer_country").rows if r["country"] == "IND")
            result["india_manufacturer_share"] = india["share"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps({k: (v if not isinstance(v, dict) else {kk: vv for kk, vv in v.items() if kk != "runs"})
                      for k, v in result.items()}, indent=2))


if __name__ == "__main__":
    main()
