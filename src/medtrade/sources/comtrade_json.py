"""UN Comtrade API v1 response as saved JSON (dataset ``comtrade``).

Layout (``../shared/data/trade/comtrade/comtradr_pkg/SOURCE.md``)::

    {"elapsedTime": "0.21 secs", "count": 4, "data": [{"typeCode": "C", "freqCode": "A", ...}], "error": ""}

One record per reporter x partner x flow x commodity x period, as ``comtradeapicall``
and the ``/data/v1/get`` endpoint return it. Values are ``primaryValue`` in US dollars,
quantities ``qty`` in ``qtyUnitAbbr`` units, ``netWgt`` in kg. The mapping (shared with
the CSV reader, see :mod:`medtrade.sources._comtrade`): the area code decides the country
(0 -> ``WLD``, "nes" areas -> ``XXX``); flows M, X, RM, RX are stored, other flow codes
and breakdowns (second partner, customs procedure, mode of transport) are rejected so
totals are never double counted; ``cmdCode`` ``TOTAL`` is kept; the HS edition of the
records (``classificationCode``) is given in a load note.

A response whose ``error`` is not empty, or without a ``data`` list, is refused whole.
"""

from __future__ import annotations

import gzip
import itertools
import json
import re
import zlib
from collections import Counter
from pathlib import Path

import pyarrow as pa

from medtrade.errors import SourceError
from medtrade.sources import _comtrade
from medtrade.sources.base import Batch, head_bytes

NAME = "comtrade-json"
_DATA_KEY = re.compile(rb'"data"\s*:')
_META_KEY = re.compile(rb'"(count|elapsedTime)"\s*:')
_counter = itertools.count(1)


def detect(path: Path, /) -> bool:
    """True for a JSON object with a ``data`` key and a ``count`` or ``elapsedTime`` key."""
    head = head_bytes(path).lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{") and bool(_DATA_KEY.search(head)) and bool(_META_KEY.search(head))


def _load(path: Path) -> dict:
    head_bytes(path, 2)  # one-line errors for an unreadable or damaged file
    with path.open("rb") as fh:
        gzipped = fh.read(2) == b"\x1f\x8b"
    try:
        with (gzip.open if gzipped else open)(path, "rt", encoding="utf-8-sig") as fh:
            doc = json.load(fh)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except (UnicodeDecodeError, OSError, EOFError, zlib.error) as exc:
        raise SourceError(f"{path}: cannot be read as UTF-8 JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise SourceError(f"{path}: a Comtrade response is a JSON object, found a {type(doc).__name__}")
    error = doc.get("error")
    if error:
        text = " ".join(str(error).split())
        raise SourceError(f"{path}: the Comtrade API returned an error instead of data: {text[:300]}")
    if not isinstance(doc.get("data"), list):
        raise SourceError(f"{path}: no `data` list of records in this Comtrade response")
    return doc


def _text(value: object) -> str | None:
    """A JSON value as the text a CSV extract would carry (2010.0 -> '2010')."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def records_table(records: list, /) -> tuple[pa.Table, list[tuple[int, str, str]]]:
    """The records as an Arrow table of :data:`_comtrade.FIELDS` (text), ``source_row`` and ``_raw``.

    Entries of ``data`` that are not objects, or lack a required field, are returned as rejects.
    """
    columns: dict[str, list] = {f: [] for f in _comtrade.FIELDS}
    rows: list[int] = []
    raws: list[str] = []
    rejects: list[tuple[int, str, str]] = []
    for number, record in enumerate(records, start=1):
        raw = json.dumps(record, ensure_ascii=False)
        if not isinstance(record, dict):
            rejects.append((number, f"record is a JSON {type(record).__name__}, not an object", raw))
            continue
        missing = [f for f in _comtrade.REQUIRED if f not in record]
        if missing:
            rejects.append((number, "record lacks " + ", ".join(f"`{f}`" for f in missing), raw))
            continue
        for field in _comtrade.FIELDS:
            columns[field].append(_text(record.get(field)))
        rows.append(number)
        raws.append(raw)
    table = pa.table({"source_row": pa.array(rows, pa.int64()),
                      **{f: pa.array(v, pa.string()) for f, v in columns.items()},
                      "_raw": pa.array(raws, pa.string())})
    return table, rejects


def read(path: Path, /) -> Batch:
    """Describe how to stage a Comtrade API v1 JSON response (see module docstring)."""
    doc = _load(path)
    records = doc["data"]
    table, rejects = records_table(records)
    name = f"comtrade_json_{next(_counter)}"
    editions = Counter(r.get("classificationCode") for r in records if isinstance(r, dict))
    totals = sum(1 for r in records if isinstance(r, dict) and str(r.get("cmdCode", "")).strip() == "TOTAL")
    notes = _comtrade.notes(dict(editions), totals)
    if not records:
        notes.append("the response holds no records")
    if isinstance(doc.get("count"), int) and doc["count"] != len(records):
        notes.append(f"the response says count {doc['count']:,} but holds {len(records):,} records")
    return Batch(
        format=NAME,
        select_sql=_comtrade.stage_sql(f"SELECT * FROM {name}", raw="_raw"),
        tables={name: table, **_comtrade.tables()},
        key_unique=True,
        rejects=rejects,
        notes=notes,
    )
