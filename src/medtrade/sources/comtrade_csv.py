"""UN Comtrade records as CSV: API extracts and ``comtradr`` data frames (dataset ``comtrade``).

Two header styles of the same 47 fields are accepted, comma- or tab-separated:

* camelCase, as the API and ``comtradeapicall`` write them:
  ``typeCode,freqCode,refPeriodId,refYear,...,cmdCode,...,primaryValue,...``
* snake_case, as R ``comtradr`` writes them (``comtradr_vignette_example_3.csv``):
  ``type_code,freq_code,ref_period_id,ref_year,...,cmd_code,...,primary_value,...``

Every column is read as text, so ``cmd_code`` keeps its leading zeros (``030613``).
The record semantics are those of the JSON reader (:mod:`medtrade.sources._comtrade`):
countries from the area codes, flows M/X/RM/RX only, breakdown rows (second partner,
customs procedure, mode of transport) rejected so totals are not double counted,
``TOTAL`` kept, the HS edition in a load note. The legacy Comtrade CSV ("Trade Value
(US$)" headers) is a different layout and is not read here.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from medtrade.errors import SourceError
from medtrade.sources import _comtrade
from medtrade.sources.base import ROW_NUMBER, Batch, first_line, sql_path, sql_str

NAME = "comtrade-csv"
_DETECT = ("freqcode", "reportercode", "partnercode", "cmdcode", "primaryvalue")


def _split(header: str) -> tuple[str, list[str]]:
    delim = "\t" if header.count("\t") > header.count(",") else ","
    return delim, [c.strip().strip('"') for c in header.split(delim)]


def detect(path: Path, /) -> bool:
    """True for a CSV whose header names the Comtrade fields (camelCase or snake_case)."""
    _, names = _split(first_line(path))
    keys = {_comtrade.key(n) for n in names}
    return all(k in keys for k in _DETECT)


def _columns(names: list[str]) -> list[str]:
    """Column names for read_csv: API field names for known columns, ``c<i>`` for the others."""
    out: list[str] = []
    for i, name in enumerate(names):
        field = _comtrade.BY_KEY.get(_comtrade.key(name))
        out.append(field if field and field not in out else f"c{i}")
    return out


def _quoted(col: str, delim: str) -> str:
    """A field as written in CSV: quoted when it holds the delimiter or a quote."""
    text = f"coalesce(\"{col}\", '')"
    return (f"CASE WHEN contains({text}, {sql_str(delim)}) OR contains({text}, '\"') "
            f"THEN '\"' || replace({text}, '\"', '\"\"') || '\"' ELSE {text} END")


def _read_csv(path: Path, delim: str, columns: list[str], *, rejects: str = "store_rejects = true") -> str:
    spec = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in columns) + "}"
    return (f"read_csv({sql_path(path)}, header = true, delim = {sql_str(delim)}, quote = '\"', escape = '\"', "
            f"columns = {spec}, {rejects})")


def _scan(path: Path, delim: str, columns: list[str]) -> tuple[dict[str | None, int], int]:
    """HS editions (classificationCode -> records) and the number of TOTAL records, for the notes.

    A pre-scan of two columns (~1 s per million records): the staging SELECT cannot report them.
    """
    edition = "trim(classificationCode)" if "classificationCode" in columns else "NULL"
    try:
        with duckdb.connect() as con:
            rows = con.execute(
                f"""SELECT {edition}, count(*), count(*) FILTER (WHERE trim(cmdCode) = 'TOTAL')
                    FROM {_read_csv(path, delim, columns, rejects='ignore_errors = true')} GROUP BY 1"""
            ).fetchall()
    except duckdb.Error as exc:
        raise SourceError(f"{path}: {str(exc).strip().splitlines()[0]}") from None
    return {code: n for code, n, _ in rows}, sum(t for _, _, t in rows)


def read(path: Path, /) -> Batch:
    """Describe how to stage a Comtrade CSV (see module docstring)."""
    delim, names = _split(first_line(path))
    columns = _columns(names)
    missing = [f for f in _comtrade.REQUIRED if f not in columns]
    if missing:
        raise SourceError(f"{path}: missing required Comtrade column(s) {', '.join(f'`{f}`' for f in missing)}"
                          f" (camelCase or snake_case; found: {', '.join(names)})")
    absent = [f for f in _comtrade.FIELDS if f not in columns]
    extra = "".join(f", CAST(NULL AS VARCHAR) AS {f}" for f in absent)
    relation = f"SELECT {ROW_NUMBER} AS source_row, *{extra} FROM {_read_csv(path, delim, columns)}"
    raw = f"concat_ws({sql_str(delim)}, " + ", ".join(_quoted(c, delim) for c in columns) + ")"
    editions, totals = _scan(path, delim, columns)
    notes = _comtrade.notes(editions, totals)
    if absent:
        notes.append(f"columns absent from the file, read as empty: {', '.join(absent)}")
    return Batch(
        format=NAME,
        select_sql=_comtrade.stage_sql(relation, raw=raw),
        tables=_comtrade.tables(),
        csv_rejects=True,
        key_unique=True,
        notes=notes,
    )
