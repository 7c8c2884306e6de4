"""What every registry reader returns: a :class:`RegistryBatch` (Arrow rows + rejects).

Registers are small (thousands to a few hundred thousand products) and their files are
irregular (xlsx with merged cells, SQLite with a table per INN, nested JSON, combined
"Holder - Country, произв.Manufacturer - Country" strings), so readers parse in Python
and hand the warehouse a finished Arrow table in the canonical ``registrations``
columns. A reader never touches the warehouse.

Normalisation is done here, once for every layout, by :class:`Records`: company names
to a company key (:mod:`medtrade.catalog.companies`), country names to ISO3
(:mod:`medtrade.catalog.countries`), production stages to a stage kind. A country the
source states is ``stated``; one the reader infers (from an EAN prefix, an address, a
regulator) carries its basis and is never counted as stated (see ``docs/registry.md``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import pyarrow as pa

from medtrade.catalog import companies, countries
from medtrade.errors import SourceError

CountryBasis = Literal["stated", "inferred-ean", "inferred-address", "inferred-regulator"]
StageKind = Literal["production", "packaging", "release", "substance", "other"]
BASES: tuple[str, ...] = ("stated", "inferred-ean", "inferred-address", "inferred-regulator")
STAGE_KINDS: tuple[str, ...] = ("production", "packaging", "release", "substance", "other")

#: Canonical columns of a registry batch, in the order of the ``registrations`` table (after ``file_id``).
COLUMNS: tuple[tuple[str, pa.DataType], ...] = (
    ("registry", pa.string()),
    ("product_key", pa.string()),
    ("reg_number", pa.string()),
    ("reg_date", pa.date32()),
    ("status", pa.string()),
    ("trade_name", pa.string()),
    ("inn", pa.string()),
    ("atc", pa.string()),
    ("dosage_form", pa.string()),
    ("holder", pa.string()),
    ("holder_key", pa.string()),
    ("holder_country", pa.string()),
    ("holder_country_reported", pa.string()),
    ("holder_country_basis", pa.string()),
    ("stage", pa.string()),
    ("stage_kind", pa.string()),
    ("manufacturer", pa.string()),
    ("manufacturer_key", pa.string()),
    ("manufacturer_country", pa.string()),
    ("manufacturer_country_reported", pa.string()),
    ("manufacturer_country_basis", pa.string()),
    ("ean", pa.string()),
    ("source_row", pa.int64()),
)
SCHEMA = pa.schema(list(COLUMNS))
NAMES: tuple[str, ...] = tuple(name for name, _ in COLUMNS)


@dataclass
class RegistryBatch:
    """One registry file, read: rows in the canonical columns plus what was refused.

    Attributes
    ----------
    format : the reader's ``NAME``.
    registry : the register the rows belong to (``ru-grls``, ``ru-grls-sample``...).
    table : Arrow table with :data:`COLUMNS`; one row per product and production stage.
    rows_read : records read from the file (a record may give several stage rows).
    rows_loaded : records with at least one row in ``table``.
    rejects : records refused: (record number, reason, raw text).
    notes : what the reader noticed (re-decoded text, inferred countries, truncation...).
    as_of : the date the file states its content is valid for, if any.
    """

    format: str
    registry: str
    table: pa.Table
    rows_read: int
    rows_loaded: int
    rejects: list[tuple[int, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    as_of: date | None = None

    def __post_init__(self) -> None:
        if self.rows_read != self.rows_loaded + len(self.rejects):
            raise AssertionError(f"{self.format}: {self.rows_read} read != {self.rows_loaded} loaded "
                                 f"+ {len(self.rejects)} rejected")


def stage_kind(text: str | None, /) -> StageKind | None:
    """The kind of a production stage as a register writes it (Russian or English).

    Examples
    --------
    >>> stage_kind("Производство готовой лекарственной формы"), stage_kind("Упаковщик (вторичная  упаковка)")
    ('production', 'packaging')
    >>> stage_kind("Выпускающий контроль качества"), stage_kind("Производитель фармацевтической субстанции")
    ('release', 'substance')
    """
    if text is None or not text.strip():
        return None
    t = " ".join(text.casefold().split())
    if "субстанц" in t or "растворител" in t or "substance" in t:
        return "substance"
    if ("все стадии" in t or "готов" in t or "производство" in t or t.startswith("производитель")
            or "производственная площадка" in t or "manufactur" in t):
        return "production"
    if "выпуск" in t or "контрол" in t or "release" in t:
        return "release"
    if "упаков" in t or "фасов" in t or "packag" in t:
        return "packaging"
    return "other"


_EMPTY = {"", "-", "—", "~", "none", "null", "nan", "н/д"}


def clean(value: object, /) -> str | None:
    """Text of a cell with whitespace collapsed; ``None`` for blanks and placeholders (``-``, ``~``, ``None``)."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = " ".join(str(value).replace("_x000D_", " ").split())
    return None if text.casefold() in _EMPTY else text


_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%d %b, %Y")


def parse_date(value: object, /) -> date | None:
    """A date from a register cell (``dd.mm.yyyy``, ISO, ``dd/mm/yyyy``, ``18  Dec,  2019``); ``None`` if blank.

    Raises ``ValueError`` for text that is not a date (the reader turns it into a reject).
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = clean(value)
    if text is None:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"`{text}` is not a date (dd.mm.yyyy)")


_ATC = re.compile(r"\b([A-Z]\d{2}(?:[A-Z](?:[A-Z](?:\d{2})?)?)?)\b")
_LOOKALIKE = str.maketrans("АВСЕНКМОРТХ", "ABCEHKMOPTX")


def atc_code(value: object, /) -> str | None:
    """The ATC code in a cell (``(M01AH01) Целекоксиб`` -> ``M01AH01``), Cyrillic look-alikes fixed; else ``None``.

    Examples
    --------
    >>> atc_code("А11СС05"), atc_code("G03HA01, Ципротерон"), atc_code("Ципротерон")
    ('A11CC05', 'G03HA01', None)
    """
    text = clean(value)
    if text is None:
        return None
    match = _ATC.search(text.upper().translate(_LOOKALIKE))
    return match.group(1) if match else None


def country_of(text: str | None, /) -> str | None:
    """ISO3 of a country name as a register writes it; ``None`` when not recognised."""
    return countries.try_resolve(text) if text else None


def country_in_address(address: str | None, /) -> str | None:
    """ISO3 of the first comma-separated part of an address that is a country name (``420039, Россия, ...``)."""
    if not address:
        return None
    for part in address.replace(";", ",").split(","):
        part = part.strip(" .")
        if part and not part[0].isdigit() and (code := countries.try_resolve(part)):
            return code
    return None


class Records:
    """Accumulates canonical rows and rejects for one file, then builds the batch.

    Readers call :meth:`add` once per product and stage with names and countries as
    published; keys, ISO3 codes and stage kinds are filled here.
    """

    def __init__(self, *, fmt: str, registry: str) -> None:
        self.fmt, self.registry = fmt, registry
        self.columns: dict[str, list] = {name: [] for name in NAMES}
        self.rejects: list[tuple[int, str, str]] = []
        self.notes: list[str] = []
        self.records_with_rows: set[int] = set()
        self.unknown_countries: dict[str, int] = {}

    def add(self, source_row: int, /, *, product_key: str, reg_number: str | None = None,
            reg_date: date | None = None, status: str | None = None, trade_name: str | None = None,
            inn: str | None = None, atc: str | None = None, dosage_form: str | None = None,
            holder: str | None = None, holder_country: str | None = None, holder_basis: str = "stated",
            stage: str | None = None, stage_kind_: str | None = None, manufacturer: str | None = None,
            manufacturer_country: str | None = None, manufacturer_basis: str = "stated",
            holder_iso3: str | None = None, manufacturer_iso3: str | None = None,
            ean: str | None = None) -> None:
        """One row. Countries are given as published (``*_country``) or, when inferred, as ISO3 (``*_iso3``)."""
        h_iso, h_basis = self._country(holder_country, holder_iso3, holder_basis)
        m_iso, m_basis = self._country(manufacturer_country, manufacturer_iso3, manufacturer_basis)
        kind = stage_kind_ if stage_kind_ is not None else stage_kind(stage)
        values = {
            "registry": self.registry, "product_key": product_key, "reg_number": reg_number, "reg_date": reg_date,
            "status": status, "trade_name": trade_name, "inn": inn, "atc": atc, "dosage_form": dosage_form,
            "holder": holder, "holder_key": companies.company_key(holder) if holder else None,
            "holder_country": h_iso, "holder_country_reported": holder_country, "holder_country_basis": h_basis,
            "stage": stage, "stage_kind": kind if (manufacturer or manufacturer_country or stage) else None,
            "manufacturer": manufacturer,
            "manufacturer_key": companies.company_key(manufacturer) if manufacturer else None,
            "manufacturer_country": m_iso, "manufacturer_country_reported": manufacturer_country,
            "manufacturer_country_basis": m_basis, "ean": ean, "source_row": source_row,
        }
        for name in NAMES:
            self.columns[name].append(values[name])
        self.records_with_rows.add(source_row)

    def _country(self, reported: str | None, iso3: str | None, basis: str) -> tuple[str | None, str | None]:
        if iso3 is not None:
            return iso3, basis
        if reported is None:
            return None, None
        code = country_of(reported)
        if code is None:
            self.unknown_countries[reported] = self.unknown_countries.get(reported, 0) + 1
            return None, None
        return code, "stated"

    def reject(self, source_row: int, reason: str, raw: object) -> None:
        """Refuse one record, with the reason and its text as published."""
        self.rejects.append((source_row, reason, raw if isinstance(raw, str) else repr(raw)))

    def batch(self, *, rows_read: int, as_of: date | None = None, notes: list[str] | None = None) -> RegistryBatch:
        """The finished batch; every record read is either loaded or rejected."""
        rejected = {row for row, _, _ in self.rejects}
        both = rejected & self.records_with_rows
        if both:
            raise AssertionError(f"{self.fmt}: records both loaded and rejected: {sorted(both)[:5]}")
        all_notes = list(notes or []) + self.notes
        if self.unknown_countries:
            shown = ", ".join(f"`{k}` ({v})" for k, v in sorted(self.unknown_countries.items(), key=lambda kv: -kv[1])[:8])
            all_notes.append(f"country names not recognised, kept as published with no ISO3: {shown}")
        table = pa.table({name: pa.array(self.columns[name], type=kind) for name, kind in COLUMNS}, schema=SCHEMA)
        return RegistryBatch(format=self.fmt, registry=self.registry, table=table, rows_read=rows_read,
                             rows_loaded=len(self.records_with_rows), rejects=self.rejects, notes=all_notes,
                             as_of=as_of)


# ------------------------------------------------------------------ text files
def decode_text(path: Path, data: bytes, /, *, layout: str) -> tuple[str, list[str]]:
    """Text of a file that should be UTF-8, and notes.

    A Windows-1251 file (Russian registers are often saved so) is re-decoded with a
    note; text that is neither, or that is already mojibake (UTF-8 read as cp1251 or
    Latin-1 and saved again), is refused with one line saying what to do.
    """
    notes: list[str] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("cp1251")
        except UnicodeDecodeError:
            raise SourceError(f"{path}: not UTF-8 (byte {exc.start}) nor Windows-1251 text; "
                              f"save the file as UTF-8 to read it as {layout}") from None
        if _cyrillic_share(text) < 0.5:
            raise SourceError(f"{path}: not UTF-8 (byte {exc.start}) and not Russian Windows-1251 text either; "
                              f"save the file as UTF-8 to read it as {layout}")
        notes.append("the file is Windows-1251, not UTF-8: re-decoded as Windows-1251")
    refuse_mojibake(path, text)
    return text, notes


def _cyrillic_share(text: str) -> float:
    letters = [ch for ch in text[:200_000] if ch.isalpha()]
    if not letters:
        return 0.0
    return sum("\u0400" <= ch <= "\u04ff" for ch in letters) / len(letters)


_MOJIBAKE_CP1251 = re.compile(r"[РС][\u0400-\u045f\u2018-\u203a\u00a0-\u00bf]")
_MOJIBAKE_LATIN1 = re.compile(r"[ÐÑ][\u0080-\u00bf]")


def refuse_mojibake(path: Path, text: str, /) -> None:
    """Refuse Russian text that was already garbled before medtrade saw it."""
    sample = text[:200_000]
    cyr = sum("\u0400" <= ch <= "\u04ff" for ch in sample)
    pairs = len(_MOJIBAKE_CP1251.findall(sample))
    if cyr >= 20 and pairs * 2 >= 0.6 * cyr:
        raise SourceError(f"{path}: the Russian text is garbled (UTF-8 bytes once read as Windows-1251, e.g. "
                          f"`{_MOJIBAKE_CP1251.search(sample).group(0)}...`); get the original file, medtrade will not "
                          "load mojibake")
    if len(_MOJIBAKE_LATIN1.findall(sample)) >= 10:
        raise SourceError(f"{path}: the text is garbled (UTF-8 bytes once read as Latin-1, e.g. "
                          f"`{_MOJIBAKE_LATIN1.search(sample).group(0)}`); get the original file, medtrade will not "
                          "load mojibake")


def read_head(path: Path, n: int = 8192) -> bytes:
    """The first bytes of a file; :class:`SourceError` naming the file if unreadable."""
    try:
        with path.open("rb") as fh:
            return fh.read(n)
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def head_text(path: Path, n: int = 8192) -> str:
    """The first bytes decoded leniently (UTF-8, else Windows-1251), for ``detect``."""
    data = read_head(path, n)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start >= len(data) - 4:  # a character cut by the n-byte window
            return data[: exc.start].decode("utf-8-sig", errors="replace")
        return data.decode("cp1251", errors="replace")
