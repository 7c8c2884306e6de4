"""WHO prequalification exports: vaccines, finished products (FPP), APIs, in-vitro diagnostics.

Layouts told apart by their header. No export has a country column. For vaccines the
"Responsible NRA" (the national regulator of the manufacturer) gives the country as
``inferred-regulator`` (CDSCO -> IND, ROSZDRAVNADZOR -> RUS...); EMA and unknown
regulators give none. The other lists name the applicant or manufacturer only.
One row per listed product; the product key is the WHO reference number, or for
vaccines the vaccine type, commercial name, presentation, doses and manufacturer.
"""

from __future__ import annotations

import csv
import io
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

NAME = "who-pq"
#: Responsible NRA (as written in the vaccine list) -> ISO3 of its country.
NRA_COUNTRY = {
    "central drugs standard control organization": "IND",
    "ministry of food and drug safety": "KOR",
    "federal agency for medicines and health products": "BEL",
    "national agency of drug and food control indonesia": "IDN",
    "national medical products administration": "CHN",
    "agence nationale de sécurité du médicament et des produits de santé": "FRA",
    "bulgarian drug agency": "BGR",
    "cber/fda": "USA",
    "us food and drug administration- office of vaccine research and review": "USA",
    "medicines evaluation board (meb)": "NLD",
    "federal service on surveillance in healthcare (roszdravnadzor) of the russian federation": "RUS",
    "centro para el control estatal de la calidad de los medicamentos": "CUB",
    "agencia nacional da vigilancia sanitaria": "BRA",
    "danish medicines agency": "DNK",
    "pharmaceutical and medical devices agency": "JPN",
    "health canada - santé canada": "CAN",
    "medical products agency": "SWE",
    "paul-ehrlich-institut": "DEU",
    "thai food and drug administration": "THA",
    "therapeutic goods administration": "AUS",
}
LAYOUTS = {
    "who-pq-vaccines": ("Date of Prequalification", "Vaccine Type", "Commercial Name", "Manufacturer", "Responsible NRA"),
    "who-pq-medicines": ("WHO Reference Number", "INN, Dosage Form and Strength", "Applicant", "Date of Prequalification"),
    "who-pq-api": ("WHO Product ID", "INN", "Applicant organization", "Date of prequalification"),
    "who-pq-ivd": ("Product name", "WHO Product ID", "Manufacturer name", "Year prequalification"),
}


def _fields(header_line: str) -> list[str]:
    return [c.strip() for c in next(csv.reader([header_line]), [])]


def _layout(fields: list[str]) -> str | None:
    for name, needed in LAYOUTS.items():
        if all(c in fields for c in needed):
            return name
    return None


def detect(path: Path, /) -> bool:
    """A CSV whose header is one of the WHO prequalification exports."""
    if not path.is_file() or path.suffix.lower() != ".csv":
        return False
    return _layout(_fields(head_text(path, 4096).lstrip("\ufeff").split("\n", 1)[0].rstrip("\r"))) is not None


def read(path: Path, /) -> RegistryBatch:
    """Read one WHO list; see the module docstring."""
    require_file(path)
    text, notes = decode_text(path, path.read_bytes(), layout="a WHO prequalification export")
    reader = csv.reader(io.StringIO(text, newline=""))
    fields = [c.strip() for c in next(reader, [])]
    layout = _layout(fields)
    if layout is None:
        raise SourceError(f"{path}: not a WHO prequalification export (header: {', '.join(fields[:6])}...)")
    out = Records(fmt=NAME, registry=layout)
    nra_unknown: dict[str, int] = {}
    n = 0
    for n, values in enumerate(reader, start=1):
        if len(values) != len(fields):
            out.reject(n, f"expected {len(fields)} fields, found {len(values)}", ",".join(values))
            continue
        row = {f: clean(v) for f, v in zip(fields, values)}
        raw = ",".join(values)
        try:
            if layout == "who-pq-ivd":
                year = row["Year prequalification"]
                reg_date = parse_date(f"{year}-01-01") if year else None
            else:
                reg_date = parse_date(row.get("Date of Prequalification") or row.get("Date of prequalification"))
        except ValueError as exc:
            out.reject(n, f"date of prequalification: {exc}", raw)
            continue
        if layout == "who-pq-vaccines":
            # "none" as commercial name is WHO's way of saying the vaccine has no brand: kept, unnamed.
            name, maker = row["Commercial Name"], row["Manufacturer"]
            if not maker or not row["Vaccine Type"]:
                out.reject(n, "no manufacturer or vaccine type", raw)
                continue
            nra = row["Responsible NRA"] or ""
            iso3 = NRA_COUNTRY.get(nra.casefold())
            if iso3 is None and nra:
                nra_unknown[nra] = nra_unknown.get(nra, 0) + 1
            key = " | ".join(str(row.get(c) or "") for c in ("Vaccine Type", "Commercial Name", "Presentation",
                                                             "No. of doses", "Manufacturer"))
            out.add(n, product_key=key, reg_date=reg_date, trade_name=name, inn=row["Vaccine Type"],
                    atc="J07", holder=maker, holder_iso3=iso3, holder_basis="inferred-regulator",
                    stage="Manufacturer", stage_kind_="production", manufacturer=maker, manufacturer_iso3=iso3,
                    manufacturer_basis="inferred-regulator")
            continue
        number = row.get("WHO Reference Number") or row.get("WHO Product ID")
        maker = row.get("Applicant") or row.get("Applicant organization") or row.get("Manufacturer name")
        if not number:
            out.reject(n, "no WHO reference number / product ID", raw)
            continue
        out.add(n, product_key=number, reg_number=number, reg_date=reg_date,
                trade_name=row.get("INN, Dosage Form and Strength") or row.get("Product name") or row.get("INN"),
                inn=row.get("INN"), dosage_form=row.get("Dosage Form"), holder=maker, stage="Applicant",
                stage_kind_="production", manufacturer=maker)
    if layout == "who-pq-vaccines":
        notes.append("country inferred from the responsible national regulator (basis inferred-regulator); "
                     "EMA-listed vaccines have no single country")
        if nra_unknown:
            notes.append("regulators without a country: " + ", ".join(f"{k} ({v})" for k, v in nra_unknown.items()))
    else:
        notes.append("the export has no country column: applicants only")
    return out.batch(rows_read=n, notes=notes)
