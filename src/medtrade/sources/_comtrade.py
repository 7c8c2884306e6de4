"""UN Comtrade record semantics shared by the JSON (API v1) and CSV (bulk/extract) readers.

Both readers present the records as a relation whose columns carry the API's camelCase
names (:data:`FIELDS`, all text) plus ``source_row``; :func:`stage_sql` maps it to the
canonical staging columns in one DuckDB SELECT. Decisions (the module docs of the two
readers repeat them for users):

* reporter / partner: the area code decides, through
  :func:`medtrade.catalog.countries.from_comtrade_code` (0 -> ``WLD``, "nes" areas ->
  ``XXX``, 490 -> ``TWN``). ``reporterISO``/``partnerISO`` is used only when the code is
  unknown to the catalog and the ISO field is a real ISO3 code; when both are known and
  disagree the code wins and the row is marked repaired (the note names both).
* flows: ``M`` import, ``X`` export, ``RM`` re-import, ``RX`` re-export. Other flow codes
  (``DX``, ``FM``, ``MIP``, ``XIP``, ...) are parts of those totals: rejected.
* breakdowns: rows with ``partner2Code`` other than 0, ``customsCode`` other than ``C00``,
  ``motCode`` or ``mosCode`` other than 0 split a total that is also published: rejected,
  so sums never double count. Missing columns count as totals.
* ``cmdCode`` ``TOTAL`` (all commodities) is kept as product code ``TOTAL``; it matches no
  product segment. HS codes of 2, 4 or 6 digits are kept as published; an odd length
  (1, 3, 5 digits: a spreadsheet dropped the leading zero) is repaired.
* only goods (``typeCode`` C) in HS (``classificationCode`` H0-H6) are stored; the HS
  edition is reported in a load note.
"""

from __future__ import annotations

import functools

import pyarrow as pa

from medtrade.catalog import countries
from medtrade.errors import CatalogError

#: The Comtrade fields the mapping reads (API camelCase spelling).
FIELDS: tuple[str, ...] = (
    "typeCode", "freqCode", "refYear", "refMonth", "period", "reporterCode", "reporterISO",
    "reporterDesc", "flowCode", "partnerCode", "partnerISO", "partnerDesc", "partner2Code",
    "classificationCode", "cmdCode", "customsCode", "mosCode", "motCode", "qtyUnitCode",
    "qtyUnitAbbr", "qty", "netWgt", "primaryValue",
)
#: Fields without which a record cannot be mapped.
REQUIRED: tuple[str, ...] = ("freqCode", "reporterCode", "flowCode", "partnerCode", "cmdCode", "primaryValue")
#: Table names the staging SQL refers to.
AREAS, ISO3 = "comtrade_area_codes", "comtrade_iso3_codes"

HS_EDITIONS = {"H0": "HS1992", "H1": "HS1996", "H2": "HS2002", "H3": "HS2007",
               "H4": "HS2012", "H5": "HS2017", "H6": "HS2022"}
_FLOWS = {"M": "import", "X": "export", "RM": "re-import", "RX": "re-export"}


def key(name: str) -> str:
    """Spelling-independent column key: ``primary_value``, ``primaryValue`` -> ``primaryvalue``."""
    return name.strip().strip('"').replace("_", "").replace(" ", "").lower()


#: Column key -> API field name, for both header styles.
BY_KEY: dict[str, str] = {key(f): f for f in FIELDS}


@functools.cache
def _area_rows() -> tuple[list[int], list[str]]:
    codes, isos = [], []
    for code in range(1000):
        try:
            iso3 = countries.from_comtrade_code(code)
        except CatalogError:
            continue
        codes.append(code)
        isos.append(iso3)
    return codes, isos


def tables() -> dict[str, pa.Table]:
    """Arrow tables for :func:`stage_sql`: Comtrade area code -> ISO3, and the valid ISO3 codes."""
    codes, isos = _area_rows()
    known = sorted({row["iso3"] for row in countries.country_table()} | set(isos))
    return {
        AREAS: pa.table({"code": pa.array(codes, pa.int64()), "iso3": isos}),
        ISO3: pa.table({"iso3": known}),
    }


def _q(text: str) -> str:
    """A value quoted for a reason (the load report groups reasons with quoted values blanked)."""
    return f"""'"' || coalesce({text}, '') || '"'"""


def _text(col: str) -> str:
    return f"nullif(trim({col}), '')"


def _num(col: str) -> str:
    return f"try_cast({col} AS DOUBLE)"  # try_cast skips spaces itself; '' -> NULL


def _bad_num(col: str) -> str:
    """Not empty, and not a non-negative number."""
    return f"({_num(col)} < 0 OR ({_num(col)} IS NULL AND {_text(col)} IS NOT NULL))"


def _area(side: str) -> str:
    """Problem text for an unknown reporter/partner code."""
    return (f"'unknown {side} code ' || {_q(f'{side}Code')} || ' (ISO ' || {_q(f'{side}ISO')} || ', '"
            f" || {_q(f'{side}Desc')} || '): groups such as 97 EU are not countries'")


def _disagree(side: str) -> str:
    """Note for a row whose ISO field names another country than its code (the code wins)."""
    c, i = f"{side[0]}c", f"{side[0]}i"
    return (f"CASE WHEN {c}.iso3 IS NOT NULL AND {i}.iso3 IS NOT NULL AND {c}.iso3 <> {i}.iso3"
            f" THEN '{side}ISO ' || {_q(f'r.{side}ISO')} || ' disagrees with {side}Code ' || trim(r.{side}Code)"
            f" || '; used ' || {c}.iso3 || ' from the code' END")


def _breakdown(col: str, total: str, what: str) -> str:
    return (f"WHEN {_text(col)} IS NOT NULL AND trim({col}) <> '{total}' THEN "
            f"'breakdown by {what} ({col} ' || {_q(col)} || '): only {col} {total} rows (totals) are stored, "
            f"so sums do not double count'")


#: Rejected rows still pass through the first (unnumbered) INSERT, whose NOT NULL columns need a value.
_PLACEHOLDER = "CASE WHEN problem IS NOT NULL THEN DATE '1900-01-01' ELSE"
_ODD = "regexp_full_match(cmd, '[0-9]|[0-9]{3}|[0-9]{5}')"


def stage_sql(relation: str, *, raw: str, dataset: str = "comtrade") -> str:
    """Staging SELECT over *relation* (columns :data:`FIELDS` as text, plus ``source_row``).

    *raw* is an expression over the relation's columns (unqualified) giving the record as
    published; it is evaluated for rejected rows and in the record-numbered pass only.
    """
    flow_case = "CASE trim(r.flowCode) " + " ".join(f"WHEN '{c}' THEN '{f}'" for c, f in _FLOWS.items()) + " END"
    freq = "upper(trim(r.freqCode))"
    year = (f"CASE WHEN {freq} = 'M' THEN try_cast(left(trim(r.period), 4) AS INTEGER) "
            "ELSE coalesce(try_cast(trim(r.refYear) AS INTEGER), try_cast(left(trim(r.period), 4) AS INTEGER)) END")
    month = f"CASE WHEN {freq} = 'M' THEN try_cast(substr(trim(r.period), 5, 2) AS INTEGER) END"
    problem = f"""CASE
        WHEN {_text('typeCode')} IS NOT NULL AND trim(typeCode) <> 'C'
            THEN 'typeCode ' || {_q('typeCode')} || ' is not goods (C): only goods trade is stored'
        WHEN {_text('classificationCode')} IS NOT NULL AND NOT regexp_full_match(trim(classificationCode), 'H[0-6]')
            THEN 'classification ' || {_q('classificationCode')} || ' is not HS (H0-H6): only HS records are stored'
        WHEN freq IS NULL OR freq NOT IN ('A', 'M')
            THEN 'freqCode ' || {_q('freqCode')} || ' is not A (annual) or M (monthly)'
        WHEN freq = 'A' AND (y IS NULL OR y NOT BETWEEN 1900 AND 2100)
            THEN 'refYear ' || {_q('refYear')} || ' is not a year'
        WHEN freq = 'M' AND (NOT regexp_full_match(coalesce(trim(period), ''), '[0-9]{{6}}')
                             OR mo NOT BETWEEN 1 AND 12 OR y NOT BETWEEN 1900 AND 2100)
            THEN 'period ' || {_q('period')} || ' is not a month of the form YYYYMM'
        WHEN reporter IS NULL THEN {_area('reporter')}
        WHEN partner IS NULL THEN {_area('partner')}
        WHEN flow IS NULL
            THEN 'flowCode ' || {_q('flowCode')} || ' is not stored (only M, X, RM, RX): other flows are parts of those totals'
        {_breakdown('partner2Code', '0', 'second partner')}
        {_breakdown('customsCode', 'C00', 'customs procedure')}
        {_breakdown('motCode', '0', 'mode of transport')}
        {_breakdown('mosCode', '0', 'mode of supply')}
        WHEN cmd IS NULL OR NOT (cmd = 'TOTAL' OR regexp_full_match(cmd, '[0-9]{{1,6}}'))
            THEN 'cmdCode ' || {_q('cmd')} || ' is not an HS code (2, 4 or 6 digits) or TOTAL'
        WHEN {_text('primaryValue')} IS NULL THEN 'primaryValue is empty'
        WHEN {_bad_num('primaryValue')} THEN 'primaryValue ' || {_q('primaryValue')} || ' is not a non-negative number'
        WHEN {_bad_num('qty')} THEN 'qty ' || {_q('qty')} || ' is not a non-negative number'
        WHEN {_bad_num('netWgt')} THEN 'netWgt ' || {_q('netWgt')} || ' is not a non-negative number'
    END"""
    no_unit = "coalesce(trim(r.qtyUnitCode) = '-1' OR trim(r.qtyUnitAbbr) IN ('', 'N/A'), r.qtyUnitAbbr IS NULL)"
    return f"""
    SELECT
        source_row,
        '{dataset}' AS dataset,
        CASE freq WHEN 'M' THEN 'month' ELSE 'year' END AS period_type,
        coalesce(CASE freq WHEN 'A' THEN y::VARCHAR ELSE y::VARCHAR || '-' || lpad(mo::VARCHAR, 2, '0') END, '?')
            AS period,
        {_PLACEHOLDER} make_date(y, coalesce(mo, 1), 1) END AS period_start,
        {_PLACEHOLDER} CASE freq WHEN 'A' THEN make_date(y, 12, 31) ELSE last_day(make_date(y, mo, 1)) END END
            AS period_end,
        coalesce(reporter, '?') AS reporter,
        partner,
        coalesce({_text('partnerDesc')}, trim(partnerCode)) AS partner_reported,
        coalesce(flow, 'export') AS flow,
        CASE WHEN {_ODD} THEN '0' || cmd ELSE cmd END AS product_code,
        'HS' AS nomenclature,
        false AS confidential,
        {_num('primaryValue')} AS value_usd,
        CAST(NULL AS DOUBLE) AS value_local,
        CAST(NULL AS VARCHAR) AS local_currency,
        CASE WHEN NOT no_unit THEN {_num('qty')} END AS quantity,
        CASE WHEN NOT no_unit THEN trim(qtyUnitAbbr) END AS quantity_unit,
        {_num('netWgt')} AS net_weight_kg,
        problem,
        CASE WHEN problem IS NULL THEN nullif(concat_ws('; ',
            CASE WHEN {_ODD} THEN 'restored the leading zero of HS codes with an odd number of digits' END,
            rep_note, par_note), '') END AS repaired,
        -- numbered (careful) pass: every row keeps its text, so a duplicate shows the record as published
        CASE WHEN source_row IS NOT NULL OR problem IS NOT NULL THEN {raw} END AS raw
    FROM (
        SELECT *, {problem} AS problem
        FROM (
            SELECT r.*, {freq} AS freq, {year} AS y, {month} AS mo,
                   coalesce(rc.iso3, ri.iso3) AS reporter, coalesce(pc.iso3, pi.iso3) AS partner,
                   {_disagree('reporter')} AS rep_note, {_disagree('partner')} AS par_note,
                   {flow_case} AS flow, {_text('r.cmdCode')} AS cmd, {no_unit} AS no_unit
            FROM ({relation}) AS r
            LEFT JOIN {AREAS} AS rc ON rc.code = try_cast(trim(r.reporterCode) AS BIGINT)
            LEFT JOIN {ISO3} AS ri ON ri.iso3 = upper(trim(r.reporterISO))
            LEFT JOIN {AREAS} AS pc ON pc.code = try_cast(trim(r.partnerCode) AS BIGINT)
            LEFT JOIN {ISO3} AS pi ON pi.iso3 = upper(trim(r.partnerISO))
        ) AS m
    ) AS s
    """


def notes(classifications: dict[str | None, int], total_rows: int) -> list[str]:
    """Load notes: the HS edition(s) of the records and whether ``TOTAL`` rows are present."""
    parts = []
    for code, n in sorted(classifications.items(), key=lambda kv: str(kv[0])):
        label = f"{code} ({HS_EDITIONS[code]})" if code in HS_EDITIONS else f"{code or 'not stated'}"
        parts.append(label if len(classifications) == 1 else f"{label} {n:,} record{'s' * (n != 1)}")
    out = [f"HS edition per file: {', '.join(parts)}"] if parts else []
    if total_rows:
        out.append(f"{total_rows:,} records with cmdCode TOTAL (all commodities) kept as product_code "
                   "'TOTAL'; they match no product segment")
    return out
