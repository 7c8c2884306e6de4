"""What every reader returns: a :class:`Batch` describing how to stage one file.

A reader never touches the warehouse. It inspects the file (header, encoding, layout)
and returns SQL that DuckDB runs *inside the warehouse's load transaction* to stage the
rows in the canonical schema, plus any small Arrow tables that SQL refers to (name
mappings, or rows a Python parser produced). Keeping the heavy lifting in one DuckDB
statement is what makes a 2.5 M-row load cost about what DuckDB's own `read_csv` costs.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from medtrade.errors import SourceError

#: Canonical columns every staging SELECT must produce, in this order.
#: ``problem`` is NULL for a good row, else the reason the row is rejected;
#: ``repaired`` names a repair the reader made (e.g. restored leading zeros), counted in the report;
#: ``raw`` is the row as published (needed only where ``problem`` is set).
STAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source_row", "BIGINT"),
    ("dataset", "VARCHAR"),
    ("period_type", "VARCHAR"),
    ("period", "VARCHAR"),
    ("period_start", "DATE"),
    ("period_end", "DATE"),
    ("reporter", "VARCHAR"),
    ("partner", "VARCHAR"),
    ("partner_reported", "VARCHAR"),
    ("flow", "VARCHAR"),
    ("product_code", "VARCHAR"),
    ("nomenclature", "VARCHAR"),
    ("confidential", "BOOLEAN"),
    ("value_usd", "DOUBLE"),
    ("value_local", "DOUBLE"),
    ("local_currency", "VARCHAR"),
    ("quantity", "DOUBLE"),
    ("quantity_unit", "VARCHAR"),
    ("net_weight_kg", "DOUBLE"),
    ("problem", "VARCHAR"),
    ("repaired", "VARCHAR"),
    ("raw", "VARCHAR"),
)
#: Staging-only columns: why a row is rejected, what the reader repaired, the row as published.
STAGE_ONLY: tuple[str, ...] = ("source_row", "problem", "repaired", "raw")
#: Readers write this where the record number goes; the warehouse numbers rows only when
#: it has to explain rejects (numbering forces DuckDB to read in order, which costs ~2x).
ROW_NUMBER = "/*row_number*/"
FLOW_COLUMNS: tuple[str, ...] = tuple(name for name, _ in STAGE_COLUMNS if name not in STAGE_ONLY)


@dataclass
class Batch:
    """How to stage one file: the reader's answer, executed by the warehouse.

    Attributes
    ----------
    format : the reader's name (e.g. ``india-eidb-csv``).
    select_sql : a DuckDB SELECT yielding :data:`STAGE_COLUMNS`; :data:`ROW_NUMBER`
        marks where the record number is computed.
    tables : Arrow tables the SELECT refers to by name.
    csv_rejects : the SELECT uses ``read_csv(..., store_rejects=true)``; the warehouse
        collects DuckDB's ``reject_errors`` as rejects.
    key_unique : within one file, (dataset, reporter, partner, flow, product, period)
        identifies one row; a repeat is a duplicate and is rejected.
    varying_key : the key columns that vary within this layout (the others are constant
        per file), so the duplicate check hashes fewer columns; ``None`` = all of them.
    release : the release date the file states about itself, if any (ISO date).
    rejects : rows a Python parser already refused: (row, reason, raw).
    notes : what the reader noticed and repaired (restored zeros, re-labelled years...).
    """

    format: str
    select_sql: str
    tables: dict[str, pa.Table] = field(default_factory=dict)
    csv_rejects: bool = False
    key_unique: bool = True
    varying_key: tuple[str, ...] | None = None
    release: str | None = None
    rejects: list[tuple[int, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def sql(self, *, numbered: bool) -> str:
        """The staging SELECT, with record numbers (slow, exact) or without (fast)."""
        return self.select_sql.replace(ROW_NUMBER, "row_number() OVER ()" if numbered else "CAST(NULL AS BIGINT)")


def require_file(path: Path) -> None:
    """Refuse a path that is missing or a directory, naming it."""
    if path.is_dir():
        raise SourceError(f"{path}: is a directory; give the files in it (e.g. {path}/*.csv.gz)")
    if not path.is_file():
        raise SourceError(f"{path}: no such file")


def head_bytes(path: Path, n: int = 65536) -> bytes:
    """The first *n* bytes of a file, decompressed if it is gzip.

    Raises :class:`SourceError` for an empty file or a gzip stream that ends early.
    """
    try:
        with path.open("rb") as raw:
            magic = raw.read(2)
        if magic == b"\x1f\x8b":
            with gzip.open(path, "rb") as fh:
                data = fh.read(n)
        else:
            with path.open("rb") as fh:
                data = fh.read(n)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise SourceError(f"{path}: the gzip stream is damaged or truncated ({exc})") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return data


def gzip_problem(path: Path) -> str | None:
    """Why a gzip file is damaged (``None`` when it is whole, or not gzip at all).

    DuckDB's ``read_csv`` stops quietly at the end of a truncated gzip stream and
    loads the rows it got; only inflating the whole stream to its trailer (CRC-32
    and length) tells a complete file from half of one. Streams in 1 MiB blocks, so
    memory stays flat; about 0.5 s for the 22 MB India file.
    """
    with path.open("rb") as fh:
        if fh.read(2) != b"\x1f\x8b":
            return None
        fh.seek(0)
        inflater = zlib.decompressobj(wbits=31)
        try:
            for block in iter(lambda: fh.read(1 << 20), b""):
                while block:
                    if inflater.eof:  # another member of a concatenated gzip, or NUL padding
                        if not block.strip(b"\x00"):
                            break
                        inflater = zlib.decompressobj(wbits=31)
                    inflater.decompress(block, 1 << 22)
                    block = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
        except zlib.error as exc:
            return f"the gzip stream is damaged ({exc}); download the file again"
    if not inflater.eof:
        return "the gzip stream is truncated (it ends before its last block); download the file again"
    return None


def first_line(path: Path) -> str:
    """The header line, decoded as UTF-8 (a BOM is dropped)."""
    head = head_bytes(path)
    if not head.strip():
        raise SourceError(f"{path}: the file is empty")
    line = head.split(b"\n", 1)[0].rstrip(b"\r")
    return line.decode("utf-8", errors="replace").lstrip("\ufeff")


def sql_str(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def sql_path(path: Path) -> str:
    """A file path as a SQL string literal."""
    return sql_str(str(path))


def require_columns(path: Path, found: list[str], required: list[str], layout: str) -> None:
    """Refuse a file that lacks a required column, naming it."""
    missing = [c for c in required if c not in found]
    if missing:
        raise SourceError(
            f"{path}: missing required column(s) {', '.join(f'`{c}`' for c in missing)} "
            f"for the {layout} layout (found: {', '.join(found)})"
        )


def csv_columns(path: Path, required: list[str], layout: str) -> list[str]:
    """The lower-cased column names of a comma-separated header, after refusing a wrong
    delimiter or a missing required column with one line naming the file."""
    header = first_line(path)
    refuse_other_delimiter(path, header, required, layout)
    found = [c.strip().strip('"').lower() for c in header.split(",")]
    require_columns(path, found, required, layout)
    return found


def refuse_other_delimiter(path: Path, header: str, required: list[str], layout: str) -> None:
    """Refuse a file whose header only splits into the layout's columns with another delimiter."""
    for delim in (";", "\t", "|"):
        if delim in header and all(c in header.split(delim) for c in required[:2]):
            name = {";": "';'", "\t": "tab", "|": "'|'"}[delim]
            raise SourceError(
                f"{path}: fields are separated by {name}, the {layout} layout uses ','; "
                "save the file as comma-separated CSV"
            )
