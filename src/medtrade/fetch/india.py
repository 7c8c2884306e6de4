"""India's Export-Import Data Bank (EIDB, DGCI&S / Department of Commerce): the manual path.

No stable, documented machine interface to the EIDB tables could be established from
public documentation: the "Commodity-wise all countries" report at
``https://tradestat.commerce.gov.in/eidb/commodity_wise_all_countries_export`` is an HTML
form posted with a per-session CSRF token (``_token``) and answered with an HTML table;
the public scrapers of it (e.g. ``tradestat-ingestor``) parse that page, which breaks
whenever the page changes. medtrade therefore does not scrape it:
``medtrade fetch india-eidb`` prints the documented manual download steps and the exact
``medtrade load`` command for the saved table (reader ``india-eidb-csv``).
"""

from __future__ import annotations

import re

from medtrade.catalog.periods import parse_period
from medtrade.errors import InputError
from medtrade.sources import india_eidb_csv

__all__ = ["PAGE", "manual_steps", "parse_fys", "parse_hs8"]

PAGE = "https://tradestat.commerce.gov.in/eidb/commodity_wise_all_countries_export"


def parse_hs8(text: str, /) -> list[str]:
    """``30049099,90189099`` -> the ITC-HS8 codes (8 digits each)."""
    codes = [t.strip() for t in text.split(",") if t.strip()]
    bad = [c for c in codes if not re.fullmatch(r"\d{8}", c)]
    if not codes or bad:
        raise InputError(f"--hs8 `{', '.join(bad) or text}` is not valid: give ITC-HS 8-digit codes such as 30049099")
    return list(dict.fromkeys(codes))


def parse_fys(text: str, /) -> list[str]:
    """``FY2022-23,2023-24`` -> ['FY2022-23', 'FY2023-24'] (Indian fiscal years, April-March)."""
    labels = []
    for token in (t.strip() for t in text.split(",") if t.strip()):
        label = token if token.upper().startswith("FY") else f"FY{token}"
        try:
            period = parse_period(label)
        except InputError:
            period = None
        if period is None or period.type != "fy":
            raise InputError(f"--fy `{token}` is not an Indian fiscal year: use FY2022-23 (April 2022-March 2023)")
        labels.append(period.label)
    if not labels:
        raise InputError("--fy is empty: give fiscal years such as FY2022-23")
    return list(dict.fromkeys(labels))


def manual_steps(hs8: list[str], fys: list[str], /, *, out: str = "eidb_exports.csv", warehouse: str | None = None) -> list[str]:
    """The numbered steps to download the EIDB table by hand and load it, ending with the command."""
    header = ",".join(india_eidb_csv.COLUMNS)
    years = ", ".join(fys)
    load = f"medtrade load {out}" + (f" --warehouse {warehouse}" if warehouse else "")
    return [
        "India's EIDB has no documented machine interface (the report is an HTML form with a session token),",
        "so medtrade does not scrape it. Download the table by hand:",
        f"1. Open {PAGE}",
        f"2. For each HS8 code ({', '.join(hs8)}) and each fiscal year ({years}): choose the code,",
        "   the year and the value in US$ million, then Submit; the table lists every partner country",
        "   with two value columns, the year before and the chosen year: each is its own fiscal year.",
        f"3. Copy the rows into {out} with this header, one row per HS8 x partner x fiscal year:",
        f"   {header}",
        "   (fy as 2022-23, fy_start_year 2022; partner spelled as EIDB prints it, e.g. U S A;",
        "   value_inr_crore and quantity may stay empty when not copied).",
        f"4. Load it:  {load}",
    ]
