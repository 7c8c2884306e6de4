"""Scraped GRLS sample (grls_parser, 2023): SQLite with one table per INN, or its flat CSV.

One record per product card: trade name, holder and its country, the first
"Производитель" production site and its country, dosage form and strength, INN.
Registration numbers and dates were not scraped; the product key is the source table
and card id (``grls_абакавир#3``), the same in both layouts, so the two load the same
products and a second layout supersedes the first instead of counting twice.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from medtrade.errors import SourceError
from medtrade.sources.base import require_file
from medtrade.sources.registry.base import (
    Records,
    RegistryBatch,
    clean,
    decode_text,
    head_text,
    read_head,
)

NAME = "grls-sample"
REGISTRY = "ru-grls-sample"
FIELDS = ("Торговое название", "Название фирмы-регистратора", "Страна фирмы-регистратора",
          "Название фирмы-производителя", "Страна фирмы-производителя", "Форма выпуска", "Дозировка",
          "Условия хранения", "Форма отпуска", "Название действующего вещества")
NOTE = ("GRLS scrape of ~March 2023 (grls_parser): INNs whose Russian names start with А or Б only, one row per "
        "product card, no registration numbers or dates; the manufacturer is the card's first 'Производитель' site")


def _is_sqlite(path: Path) -> bool:
    return read_head(path, 16) == b"SQLite format 3\x00"


def detect(path: Path, /) -> bool:
    """An SQLite file with ``grls_*`` tables, or the flat CSV (``source_table,ID,Торговое название,...``)."""
    if not path.is_file():
        return False
    if _is_sqlite(path):
        try:
            return bool(_tables(path))
        except SourceError:
            return False
    header = head_text(path, 4096).split("\n", 1)[0]
    return header.startswith("source_table,ID,") and FIELDS[0] in header


def _tables(path: Path) -> list[str]:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            names = [r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'grls%' ORDER BY rowid")]
            return [n for n in names if FIELDS[0] in {c[1] for c in con.execute(f'PRAGMA table_info("{n}")')}]
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise SourceError(f"{path}: not a readable SQLite database ({exc})") from None


def _sqlite_rows(path: Path) -> Iterator[tuple[str, dict[str, object]]]:
    tables = _tables(path)
    if not tables:
        raise SourceError(f"{path}: no `grls_*` table with a `{FIELDS[0]}` column; not the GRLS sample layout")
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        for table in tables:
            cur = con.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
            names = [d[0] for d in cur.description]
            for row in cur:
                yield table, dict(zip(names, row))
    finally:
        con.close()


def _csv_rows(path: Path, notes: list[str]) -> Iterator[tuple[str, dict[str, object]]]:
    text, found = decode_text(path, path.read_bytes(), layout="the GRLS sample CSV")
    notes.extend(found)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in ("source_table", "ID", *FIELDS) if c not in (reader.fieldnames or [])]
    if missing:
        raise SourceError(f"{path}: missing column(s) {', '.join(f'`{c}`' for c in missing)} for the GRLS sample "
                          f"CSV layout (found: {', '.join(reader.fieldnames or [])})")
    for row in reader:
        yield row.pop("source_table") or "", row


def read(path: Path, /) -> RegistryBatch:
    """Read the SQLite database or the flat CSV into canonical rows."""
    require_file(path)
    out = Records(fmt=NAME, registry=REGISTRY)
    notes: list[str] = [NOTE]
    rows = _sqlite_rows(path) if _is_sqlite(path) else _csv_rows(path, notes)
    n = 0
    for n, (table, row) in enumerate(rows, start=1):
        card = clean(row.get("ID"))
        trade = clean(row.get(FIELDS[0]))
        if not table or card is None:
            out.reject(n, "no source table or card ID: the product cannot be identified", _raw(table, row))
            continue
        if trade is None:
            out.reject(n, "no trade name", _raw(table, row))
            continue
        manufacturer, m_country = clean(row.get(FIELDS[3])), clean(row.get(FIELDS[4]))
        out.add(n, product_key=f"{table}#{card}", trade_name=trade, inn=clean(row.get(FIELDS[9])),
                dosage_form=clean(row.get(FIELDS[5])), holder=clean(row.get(FIELDS[1])),
                holder_country=clean(row.get(FIELDS[2])), manufacturer=manufacturer,
                manufacturer_country=m_country,
                stage_kind_="production" if manufacturer or m_country else None)
    return out.batch(rows_read=n, notes=notes)


def _raw(table: str, row: dict[str, object]) -> str:
    return ",".join([table, *("" if v is None else str(v) for v in row.values())])
