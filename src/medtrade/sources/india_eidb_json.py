"""India's Export-Import Data Bank, the TradeStat scraper's per-HS8 JSON (dataset ``in-eidb``).

Layout (``../shared/data/trade/india_eidb/SOURCE.md``, ``raw_json_samples/*.json``)::

    {"hsn_code": "30049099",
     "years": {"2018": {"metadata": {"last_updated": "2025-10-21 13:40:42", ...},
                        "commodity": {"hsn_code": ..., "description": ..., "unit": "KGS"},
                        "countries": [{"sno": 1, "country": "AFGHANISTAN",
                                       "values_usd": {"y2023_2024": 22.36, "y2024_2025": 17.76, "pct_growth": ...},
                                       "values_quantity": {...}}, ...],
                        "totals": {...}}, ...},
     "metadata": {...}}

India's exports of one ITC-HS8 code to every partner. The scraper labelled the two
columns of every year block ``y2023_2024`` and ``y2024_2025`` whatever the block; they
really are the fiscal years before and of the key (SOURCE.md finding 1): key ``Y`` holds
FY(Y-1)-Y ("previous") and FY Y-(Y+1) ("current"). Each (partner, fiscal year) is emitted
once: the current column of every key, and the previous column only for a fiscal year no
key covers as current (the earliest). Where the previous column of key Y and the current
column of key Y-1 describe the same year and disagree, the current one is kept and a note
counts the disagreements. Values are US$ million (2 decimals); quantities are in the
commodity's unit; the JSON has no INR, so ``value_local`` is NULL. The ``totals`` block
(shifted by the scraper, finding 4) is not read: the world totals come from
``india_eidb_totals_csv``.

Rows read: a *row* of this format is one (partner, fiscal year) cell with a value, i.e.
a non-null ``values_usd`` in the column chosen for that year. A null value means the
partner had no exports that year: it is not a row (no zero is invented) and is neither
loaded nor rejected. Rows are numbered (``source_row``) in the order key ascending,
partner list order, previous before current column.
"""

from __future__ import annotations

import gzip
import json
import re
import uuid
import zlib
from datetime import date
from pathlib import Path

import pyarrow as pa

from medtrade.catalog import countries, hs, periods
from medtrade.errors import InputError, SourceError
from medtrade.sources.base import STAGE_COLUMNS, Batch, head_bytes

NAME = "india-eidb-json"
#: The labels the scraper gave the previous / current column of every year block.
SCRAPER_LABELS = ("y2023_2024", "y2024_2025")
RELABEL_NOTE = "year keys re-labelled: key Y -> FY(Y-1)-Y and FY Y-(Y+1) (SOURCE.md finding 1)"
_LABEL_RE = re.compile(r"y(\d{4})_(\d{4})")
_ARROW = {"BIGINT": pa.int64(), "VARCHAR": pa.string(), "DATE": pa.date32(), "BOOLEAN": pa.bool_(),
          "DOUBLE": pa.float64()}
SCHEMA = pa.schema([(name, _ARROW[kind]) for name, kind in STAGE_COLUMNS])


def detect(path: Path, /) -> bool:
    """True for a JSON object with the keys ``hsn_code`` and ``years``."""
    text = head_bytes(path).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    return text.startswith("{") and '"hsn_code"' in text and '"years"' in text


def _load(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            gz = fh.read(2) == b"\x1f\x8b"
        with (gzip.open(path, "rb") if gz else path.open("rb")) as fh:
            doc = json.loads(fh.read().decode("utf-8-sig"))
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise SourceError(f"{path}: the gzip stream is damaged or truncated ({exc})") from None
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not isinstance(doc, dict) or "hsn_code" not in doc or not isinstance(doc.get("years"), dict):
        raise SourceError(f"{path}: not the EIDB JSON layout (expected an object with `hsn_code` and a `years` object)")
    return doc


def _labels(path: Path, key: str, entries: list[dict]) -> tuple[str, str]:
    """The (previous, current) column names of one year block."""
    found = {k for e in entries for col in ("values_usd", "values_quantity")
             for k in (e.get(col) or {}) if _LABEL_RE.fullmatch(k)}
    if not found:
        return SCRAPER_LABELS
    if len(found) != 2:
        raise SourceError(f"{path}: years[\"{key}\"] has year columns {', '.join(sorted(found))}; expected two "
                          f"(the scraper's {' and '.join(SCRAPER_LABELS)})")
    prev, cur = sorted(found)
    return prev, cur


def _blocks(path: Path, doc: dict) -> list[tuple[int, dict, list[dict], tuple[str, str]]]:
    """(start year of the current FY, block, country entries, column labels), by key."""
    out = []
    for key, block in doc["years"].items():
        if not re.fullmatch(r"\d{4}", str(key)) or not isinstance(block, dict):
            raise SourceError(f"{path}: years key \"{key}\" is not a year with an object (expected e.g. \"2018\")")
        entries = block.get("countries") or []
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise SourceError(f"{path}: years[\"{key}\"].countries is not a list of objects")
        block_code = (block.get("commodity") or {}).get("hsn_code")
        if block_code is not None and str(block_code).lstrip("0") != str(doc["hsn_code"]).lstrip("0"):
            raise SourceError(f"{path}: years[\"{key}\"] is for HS8 {block_code}, the file for {doc['hsn_code']}")
        out.append((int(key), block, entries, _labels(path, key, entries)))
    return sorted(out, key=lambda b: b[0])


def _release(blocks: list) -> str | None:
    """The latest ``metadata.last_updated`` of the year blocks, as an ISO date."""
    dates = []
    for _, block, _, _ in blocks:
        stamp = str((block.get("metadata") or {}).get("last_updated") or "")[:10]
        try:
            dates.append(date.fromisoformat(stamp).isoformat())
        except ValueError:
            continue
    return max(dates, default=None)


def _number(value: object) -> float | None:
    """A JSON number as float; ValueError for anything else but null."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(value)
    return float(value)


def _cell(entry: dict, label: str) -> tuple[object, object]:
    return (entry.get("values_usd") or {}).get(label), (entry.get("values_quantity") or {}).get(label)


def read(path: Path, /) -> Batch:
    """Describe how to stage one EIDB per-HS8 JSON file (see module docstring)."""
    doc = _load(path)
    blocks = _blocks(path, doc)
    try:
        code, code_problem = hs.restore_code(doc["hsn_code"], digits=8), None
        if not re.fullmatch(r"\d{8}", code):
            code_problem = f'product code "{doc["hsn_code"]}" is not an 8-digit ITC-HS code'
    except InputError:
        code, code_problem = str(doc["hsn_code"]), f'product code "{doc["hsn_code"]}" is not an 8-digit ITC-HS code'
    repaired = "restored the leading zero of 7-digit ITC-HS codes" if code != str(doc["hsn_code"]) and not code_problem else None
    partners = countries.eidb_partner_map()
    current = {y: {str(e.get("country") or "").strip(): _cell(e, labels[1]) for e in entries}
               for y, _, entries, labels in blocks}
    cols: dict[str, list] = {name: [] for name, _ in STAGE_COLUMNS}
    disagreements = relabelled = 0
    fy_from_previous: set[str] = set()

    def emit(fy_start: int, entry: dict, key: int, label: str, usd: object, qty: object, unit: str | None) -> None:
        name = str(entry.get("country") or "").strip()
        iso3 = partners.get(name)
        period = periods.fy(fy_start)
        problem = code_problem
        try:
            value, quantity = _number(usd), _number(qty)
        except ValueError as exc:
            value = quantity = None
            problem = problem or f'value "{exc.args[0]}" in column {label} is not a number'
        if problem is None and not name:
            problem = "partner is empty"
        elif problem is None and iso3 is None:
            problem = (f'unknown partner "{name}": not in the DGCI&S name mapping '
                       "(medtrade/catalog/data/eidb_partners.csv)")
        elif problem is None and ((value or 0) < 0 or (quantity or 0) < 0):
            problem = f"negative value (values_usd {usd}, values_quantity {qty})"
        row = {
            "source_row": len(cols["source_row"]) + 1, "dataset": "in-eidb", "period_type": "fy",
            "period": period.label, "period_start": period.start, "period_end": period.end,
            "reporter": "IND", "partner": iso3, "partner_reported": name or None, "flow": "export",
            "product_code": code, "nomenclature": "ITC-HS", "confidential": False,
            "value_usd": None if value is None else value * 1e6, "value_local": None, "local_currency": None,
            "quantity": quantity, "quantity_unit": unit, "net_weight_kg": None,
            "problem": problem, "repaired": repaired,
            "raw": json.dumps({"year_key": str(key), "column": label, "entry": entry}, ensure_ascii=False)
            if problem else None,
        }
        for column, value_ in row.items():
            cols[column].append(value_)

    for y, block, entries, (prev_label, cur_label) in blocks:
        unit = str((block.get("commodity") or {}).get("unit") or "").strip() or None
        relabelled += (prev_label, cur_label) == SCRAPER_LABELS and y != 2024
        for entry in entries:
            name = str(entry.get("country") or "").strip()
            prev_usd, prev_qty = _cell(entry, prev_label)
            if y - 1 in current:
                # Same fiscal year as the current column of the previous key: that one wins.
                if (prev_usd, prev_qty) != current[y - 1].get(name, (None, None)):
                    disagreements += 1
            elif prev_usd is not None:
                fy_from_previous.add(periods.fy(y - 1).label)
                emit(y - 1, entry, y, prev_label, prev_usd, prev_qty, unit)
            cur_usd, cur_qty = _cell(entry, cur_label)
            if cur_usd is not None:
                emit(y, entry, y, cur_label, cur_usd, cur_qty, unit)
        if y + 1 in current:
            # A partner with a current value that the next key does not list has a null previous column there.
            disagreements += sum(1 for n, cell in current[y].items()
                                 if n not in current[y + 1] and cell != (None, None))

    notes = ["values published in US$ million (2 decimals) and quantities in the commodity unit; no INR in this layout"]
    if relabelled:
        notes.append(RELABEL_NOTE)
    if fy_from_previous:
        notes.append(f"previous-year column used only for {', '.join(sorted(fy_from_previous))} "
                     "(no year key covers it as current)")
    if disagreements:
        notes.append(f"{disagreements:,} (partner, fiscal year) cells where the previous-year column of key Y "
                     "disagrees with the current column of key Y-1: kept the current column")
    table_name = f"eidb_json_{uuid.uuid4().hex[:12]}"
    return Batch(
        format=NAME,
        select_sql=f"SELECT * FROM {table_name}",
        tables={table_name: pa.table(cols, schema=SCHEMA)},
        csv_rejects=False,
        key_unique=True,
        release=_release(blocks),
        notes=notes,
    )
