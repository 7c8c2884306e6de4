"""Column headers with units, and how a cell is shown: shared by the HTML page and the workbook.

A header is ``column [unit]`` (``value_usd_mn [US$ million]``, ``share [%]``); the unit
comes from the column name (``value_inr_crore``), else from the Result's definition
(``change`` is in the definition's unit). Shares are fractions in the data: the page shows
them as percentages and the workbook stores the fraction with a percent format, so the
two show the same figure and the workbook keeps the exact value.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from medtrade.results import Result

__all__ = ["UNIT_LABELS", "column_unit", "display", "header", "is_fraction"]

UNIT_LABELS = {"inr_crore": "INR crore", "inr_lakh": "INR lakh", "usd_mn": "US$ million", "usd": "US$", "rub": "RUB"}
_FRACTION = re.compile(r"(^|_)share($|_of_)|^p_at_or_above_needed$")
#: Columns in the unit of the Result (its definition's or query's ``unit``).
_IN_UNIT = {"change", "needed", "actual", "forecast", "lo_80", "hi_80", "lo_95", "hi_95", "base_value"}
_FIXED = {
    "hhi": "0-10,000", "hhi_01": "0-1", "products": "products", "all_products": "products",
    "partners": "countries", "partners_with_trade": "countries", "source_rows": "rows", "source_periods": "periods",
    "exporter_lines": "lines", "importer_lines": "lines", "fy": "fiscal year Apr-Mar", "month": "YYYY-MM",
    "year": "calendar year", "rank": "1 = largest", "base_rate_cases": "flows", "multiple": "x base",
    "event_id": "id", "file_id": "id", "spellings": "spellings", "date": "YYYY-MM-DD",
    # claims: the unit differs per claim and is in the row
    "inr_per_usd": "INR per US$", "rub_per_usd": "RUB per US$", "inr_fixings": "days", "rub_fixings": "days",
    "stated_value": "unit in stated_unit", "computed": "unit in computed_unit",
}


def is_fraction(column: str, /) -> bool:
    """Whether a column holds a fraction (0-1) shown as a percentage."""
    return bool(_FRACTION.search(column))


def _unit_label(code: object) -> str | None:
    if not isinstance(code, str):
        return None
    return UNIT_LABELS.get(code, code if code else None)


def column_unit(column: str, result: Result, /) -> str | None:
    """The unit of a column of ``result``, or None for labels (partner, hs4, ...)."""
    if column in _FIXED:  # before the name patterns: `inr_per_usd` is not in US$
        return _FIXED[column]
    if is_fraction(column) or column.endswith("_pct"):
        return "%"
    for code in sorted(UNIT_LABELS, key=len, reverse=True):
        if re.search(rf"(^|_){code}(_|$)", column):
            return UNIT_LABELS[code]
    if column in _IN_UNIT:
        return _unit_label(result.definition.get("unit") if isinstance(result.definition.get("unit"), str)
                           else result.query.get("unit"))
    return None


def header(column: str, result: Result, /) -> str:
    """``column [unit]``, or the column alone when it is a label."""
    unit = column_unit(column, result)
    return f"{column} [{unit}]" if unit else column


def display(column: str, value: Any, /) -> str:
    """The text of a cell on the page."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)) and is_fraction(column):
        return f"{100 * value:,.2f} %"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}" if value == 0 or abs(value) >= 1 else f"{value:,.4f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
