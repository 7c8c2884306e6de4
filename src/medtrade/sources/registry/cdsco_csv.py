"""India CDSCO approved new drugs (1961-2017) and US FDA orphan designations (Orphan-Drug-Overlap-Tool).

``cdsco.csv`` (``Sr.No,Drug Name,Strength,Indication,Date of Approval``) is a list of
molecule approvals without applicant or country: it gives INNs and dates (a timeline),
no shares. ``FDA_orphan.csv`` states the sponsor company and its country. Dates are
mostly ``M/D/YY`` (two-digit years: 00-30 are 2000-2030, else 19xx), some ``Jun-72``,
``23-Sep-99`` or ``29.08.2002``; a row with an unreadable date is rejected.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path

from medtrade.errors import SourceError
from medtrade.sources.base import require_file
from medtrade.sources.registry.base import (
    Records,
    RegistryBatch,
    clean,
    decode_text,
    head_text,
    parse_date,
)

NAME = "cdsco-csv"
CDSCO = ("Sr.No", "Drug Name", "Strength", "Indication", "Date of Approval")
FDA = ("Generic Name", "Trade Name", "Sponsor Company", "Sponsor Country", "Marketing Approval Date")


def detect(path: Path, /) -> bool:
    """The CDSCO approvals header, or the FDA orphan-designation export."""
    if not path.is_file() or path.suffix.lower() != ".csv":
        return False
    first = head_text(path, 4096).lstrip("\ufeff").split("\n", 1)[0]
    fields = [c.strip() for c in next(csv.reader([first]), [])]
    return tuple(fields[:5]) == CDSCO or all(c in fields for c in FDA)


def _us_date(text: str | None) -> date | None:
    if not text:
        return None
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})", text)
    if m:
        month, day, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        year += 0 if year > 99 else (2000 if year <= 30 else 1900)
        return date(year, month, day)
    for fmt in ("%b-%y", "%d-%b-%y"):
        try:
            d = datetime.strptime(text, fmt).date()
            return d.replace(year=d.year - 100) if d.year > 2030 else d
        except ValueError:
            continue
    return parse_date(text)


def read(path: Path, /) -> RegistryBatch:
    """Read either list; see the module docstring."""
    require_file(path)
    text, notes = decode_text(path, path.read_bytes(), layout="the CDSCO/FDA list")
    reader = csv.reader(io.StringIO(text, newline=""))
    fields = [c.strip() for c in next(reader, [])]
    fda = all(c in fields for c in FDA)
    if not fda and tuple(fields[:5]) != CDSCO:
        raise SourceError(f"{path}: not the CDSCO approvals or FDA orphan layout (header: {', '.join(fields[:5])})")
    out = Records(fmt=NAME, registry="us-fda-orphan" if fda else "in-cdsco")
    n = 0
    for n, values in enumerate(reader, start=1):
        raw = ",".join(values)
        if len(values) != len(fields):
            out.reject(n, f"expected {len(fields)} fields, found {len(values)}", raw)
            continue
        row = {f: clean(v) for f, v in zip(fields, values)}
        try:
            when = parse_date(row["Marketing Approval Date"] or row["Date Designated"]) if fda else \
                _us_date(row["Date of Approval"])
        except ValueError as exc:
            out.reject(n, f"date: {exc}", raw)
            continue
        if fda:
            name = row["Generic Name"]
            if not name:
                out.reject(n, "no generic name", raw)
                continue
            sponsor = row["Sponsor Company"]
            out.add(n, product_key=f"{name} | {row['Orphan Designation'] or ''} | {sponsor or ''}", reg_date=when,
                    status=row.get("Orphan Designation Status"), trade_name=row["Trade Name"] or name, inn=name,
                    holder=sponsor, holder_country=row["Sponsor Country"])
            continue
        name = row["Drug Name"]
        if not name:
            out.reject(n, "no drug name", raw)
            continue
        out.add(n, product_key=f"{row['Sr.No'] or n} {name}", reg_date=when, trade_name=name, inn=name)
    notes.append("FDA orphan designations: sponsor company and country as stated" if fda else
                 "CDSCO approvals: molecules and dates only, no applicant or country")
    return out.batch(rows_read=n, notes=notes)
