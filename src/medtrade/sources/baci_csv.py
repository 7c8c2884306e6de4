"""CEPII BACI, reconciled bilateral trade at HS6 (dataset ``baci``).

Layout of a release (e.g. ``BACI_HS17_Y2021_V202501.csv``)::

    t,i,j,k,v,q
    2021,4,31,30490,12.345,0.8

``t`` year, ``i`` exporter and ``j`` importer (CEPII numeric country codes, the UN
Comtrade area codes: 699 India, 643 Russia, 842 USA), ``k`` the HS6 product (written
as an integer, so ``010121`` may appear as ``10121``; restored to 6 digits), ``v`` value
in **thousand** US dollars, ``q`` quantity in **metric tonnes** (``NA`` when unknown).

BACI reconciles the exporter's and the importer's declarations into ONE value per
exporter-importer pair. It is stored once, as the exporter's export: reporter = ``i``,
partner = ``j``, flow ``export``; to see a country's imports in BACI query
``partner = <country>`` with the exporters as reporters (there are no ``import`` rows).
``value_usd = v * 1000``, ``quantity = q`` with unit ``t``, ``net_weight_kg = q * 1000``.

Countries: the release's ``country_codes_V<version>.csv`` (``country_code, country_name,
country_iso2, country_iso3``) is read from the data file's directory when present; codes
it lacks, or whose ``country_iso3`` is not an ISO3 code, are mapped by
:func:`medtrade.catalog.countries.from_comtrade_code`. The release's country and product
lists themselves are recognised and refused with a message saying so: they are not trade
data.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import pyarrow as pa

from medtrade.catalog import countries
from medtrade.errors import CatalogError, SourceError
from medtrade.sources import _comtrade
from medtrade.sources.base import ROW_NUMBER, Batch, first_line, sql_path

NAME = "baci-csv"
COLUMNS = ["t", "i", "j", "k", "v", "q"]
COUNTRIES = "baci_country_codes"
_EDITIONS = {"HS92": "HS1992", "HS96": "HS1996", "HS02": "HS2002", "HS07": "HS2007",
             "HS12": "HS2012", "HS17": "HS2017", "HS22": "HS2022"}


def _fields(path: Path) -> list[str]:
    return [c.strip().strip('"').strip().lower() for c in first_line(path).split(",")]


def _companion_kind(fields: list[str], path: Path) -> str | None:
    if fields[:2] == ["country_code", "country_name"] and "country_iso3" in fields:
        return "country"
    if fields == ["code", "description"] and path.name.lower().startswith("product_codes"):
        return "product"
    return None


def detect(path: Path, /) -> bool:
    """True for the header ``t,i,j,k,v,q``, and for BACI's own country/product lists (refused by :func:`read`)."""
    fields = _fields(path)
    return fields == COLUMNS or _companion_kind(fields, path) is not None


def _companion(path: Path) -> Path | None:
    """The release's country list beside the data file (same version when there are several)."""
    version = re.search(r"_(V\d{6})", path.name)
    if version and (exact := path.with_name(f"country_codes_{version.group(1)}.csv")).is_file():
        return exact
    found = sorted(path.parent.glob("country_codes_V*.csv"))
    return found[-1] if found else None


def _read_country_file(path: Path) -> list[dict[str, str]]:
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            rows = list(csv.DictReader(path.read_text(encoding).splitlines()))
            break
        except UnicodeDecodeError:
            continue
        except OSError as exc:
            raise SourceError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if not rows or not {"country_code", "country_iso3"} <= set(rows[0]):
        raise SourceError(f"{path}: BACI's country list needs columns country_code and country_iso3;"
                          " fix or remove it (codes are then read as UN Comtrade codes)")
    return rows


def country_table(path: Path) -> tuple[pa.Table, list[str]]:
    """CEPII code -> ISO3 for a data file, and notes on how it was built."""
    known = set(_comtrade.tables()[_comtrade.ISO3].column("iso3").to_pylist())
    mapping: dict[int, str] = {}
    for code in range(1000):
        try:
            mapping[code] = countries.from_comtrade_code(code)
        except CatalogError:
            pass
    companion = _companion(path)
    if companion is None:
        notes = ["no country_codes_V*.csv beside the file: CEPII codes read as UN Comtrade area codes"]
    else:
        odd: list[str] = []
        for row in _read_country_file(companion):
            try:
                code = int(str(row["country_code"]).strip())
            except ValueError:
                continue
            iso3 = (row.get("country_iso3") or "").strip().upper()
            if iso3 in known:
                mapping[code] = iso3
            elif code in mapping:
                odd.append(f"{code} {iso3 or '(empty)'} -> {mapping[code]}")
        notes = [f"countries from {companion.name}"]
        if odd:
            shown = ", ".join(odd[:6]) + (f" and {len(odd) - 6} more" if len(odd) > 6 else "")
            notes.append(f"country_iso3 values that are not ISO3 codes, mapped as Comtrade codes: {shown}")
    table = pa.table({"code": pa.array(list(mapping), pa.int64()), "iso3": list(mapping.values())})
    return table, notes


def _read_csv(path: Path, *, rejects: str = "store_rejects = true") -> str:
    spec = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in COLUMNS) + "}"
    return (f"read_csv({sql_path(path)}, header = true, delim = ',', quote = '\"', escape = '\"', "
            f"columns = {spec}, {rejects})")


def _short_codes(path: Path) -> int:
    """Rows whose ``k`` lost leading zeros.

    Counted by a pre-scan (~0.3 s per million rows) instead of marking each row
    ``repaired``: in BACI the integer ``k`` is the layout, not damage, and a marked row
    sends the whole file through the warehouse's slower numbered pass (4x on 10 M rows).
    """
    try:
        with duckdb.connect() as con:
            return int(con.execute(
                f"SELECT count(*) FILTER (WHERE regexp_full_match(k, ' *[0-9]{{1,5}} *'))"
                f" FROM {_read_csv(path, rejects='ignore_errors = true')}").fetchone()[0])
    except duckdb.Error as exc:
        raise SourceError(f"{path}: {str(exc).strip().splitlines()[0]}") from None


def _q(col: str) -> str:
    return f"""'"' || coalesce({col}, '') || '"'"""


def read(path: Path, /) -> Batch:
    """Describe how to stage a BACI data file (see module docstring)."""
    fields = _fields(path)
    kind = _companion_kind(fields, path)
    if kind:
        raise SourceError(f"{path}: this is BACI's {kind} list, not trade data; the country list is read "
                          "automatically beside a BACI data file (load BACI_HS*_Y*_V*.csv)")
    if fields != COLUMNS:
        raise SourceError(f"{path}: a BACI file has the header t,i,j,k,v,q (found: {','.join(fields)})")
    table, notes = country_table(path)
    edition = re.search(r"BACI_(HS\d{2})_", path.name, re.IGNORECASE)
    if edition and edition.group(1).upper() in _EDITIONS:
        notes.append(f"HS edition per file name: {edition.group(1).upper()} ({_EDITIONS[edition.group(1).upper()]})")
    notes.append("v in thousand US$ and q in tonnes: value_usd = v*1000, net_weight_kg = q*1000;"
                 " one reconciled value per pair, stored as the exporter's export")
    if short := _short_codes(path):
        notes.append(f"restored the leading zeros of HS6 codes written as integers, e.g. 10121 -> 010121 ({short:,} rows)")
    version = re.search(r"_V(\d{4})(\d{2})", path.name)
    release = f"{version.group(1)}-{version.group(2)}-01" if version else None

    # try_cast skips surrounding spaces itself; an explicit trim() on every field costs 2x the parse.
    year = "try_cast(t AS INTEGER)"
    code = "CASE WHEN length(k) = 6 THEN k ELSE trim(k) END"
    value = "try_cast(v AS DOUBLE)"
    qty = "try_cast(q AS DOUBLE)"
    problem = f"""CASE
        WHEN y IS NULL OR y NOT BETWEEN 1900 AND 2100 THEN 'year t ' || {_q('t')} || ' is not a year'
        WHEN reporter IS NULL THEN 'unknown exporter code i ' || {_q('i')} || ': not a CEPII/Comtrade country code'
        WHEN partner IS NULL THEN 'unknown importer code j ' || {_q('j')} || ': not a CEPII/Comtrade country code'
        WHEN product IS NULL OR NOT regexp_full_match(product, '[0-9]{{1,6}}')
            THEN 'product code k ' || {_q('k')} || ' is not an HS6 code'
        WHEN value IS NULL OR NOT isfinite(value) THEN 'value v ' || {_q('v')} || ' is not a number'
        WHEN value < 0 THEN 'negative value v ' || {_q('v')}
        WHEN (qty IS NULL AND trim(q) NOT IN ('', 'NA')) OR NOT isfinite(qty)
            THEN 'quantity q ' || {_q('q')} || ' is not a number'
        WHEN qty < 0 THEN 'negative quantity q ' || {_q('q')}
    END"""
    raw = "concat_ws(',', " + ", ".join(f"coalesce({c}, '')" for c in COLUMNS) + ")"
    # Three layers so each expression is computed once: parse + join, derive + judge, present.
    sql = f"""
    SELECT
        source_row, 'baci' AS dataset, 'year' AS period_type,
        coalesce(y::VARCHAR, '?') AS period,
        CASE WHEN problem IS NULL THEN make_date(y, 1, 1) ELSE DATE '1900-01-01' END AS period_start,
        CASE WHEN problem IS NULL THEN make_date(y, 12, 31) ELSE DATE '1900-01-01' END AS period_end,
        coalesce(reporter, '?') AS reporter, partner, j AS partner_reported, 'export' AS flow,
        CASE WHEN length(product) = 6 THEN product ELSE lpad(product, 6, '0') END AS product_code, 'HS' AS nomenclature, false AS confidential,
        value * 1000 AS value_usd, CAST(NULL AS DOUBLE) AS value_local, CAST(NULL AS VARCHAR) AS local_currency,
        qty AS quantity, 't' AS quantity_unit, qty * 1000 AS net_weight_kg,
        problem,
        CAST(NULL AS VARCHAR) AS repaired,  -- padding k is counted once in a note (see _short_codes)
        -- numbered (careful) pass: every row keeps its text, so a duplicate shows the line as published
        CASE WHEN source_row IS NOT NULL OR problem IS NOT NULL THEN {raw} END AS raw
    FROM (
        SELECT *, {problem} AS problem
        FROM (
            SELECT r.*, e.iso3 AS reporter, m.iso3 AS partner,
                   {year} AS y, {code} AS product, {value} AS value, {qty} AS qty
            FROM (
                SELECT {ROW_NUMBER} AS source_row, *
                FROM {_read_csv(path)}
            ) AS r
            LEFT JOIN {COUNTRIES} AS e ON e.code = try_cast(r.i AS BIGINT)
            LEFT JOIN {COUNTRIES} AS m ON m.code = try_cast(r.j AS BIGINT)
        ) AS d
    ) AS s
    """
    return Batch(
        format=NAME,
        select_sql=sql,
        tables={COUNTRIES: table},
        csv_rejects=True,
        key_unique=True,
        release=release,
        notes=notes,
    )
