"""Roszdravnadzor MOLS reference of vital-drug (ЖНВЛП) packs with registered limit prices (Windows-1251, ';').

One record per pack (EAN): trade name, INN, dosage form, holder (``ClNm``), manufacturer
(``MnfNm``), packer (``PckNm``), registration number and date. The file names no
country: the manufacturer's country is inferred from the GS1 prefix of the pack's EAN
(``inferred-ean``: where the barcode was issued, not necessarily the plant) and never
counted as a stated country. Rows: one production row per pack, plus a packaging row
when the packer differs from the manufacturer.
"""

from __future__ import annotations

import re
from pathlib import Path

from medtrade.errors import SourceError
from medtrade.sources.base import require_file
from medtrade.sources.registry.base import (
    Records,
    RegistryBatch,
    clean,
    head_text,
    parse_date,
    refuse_mojibake,
)
from medtrade.sources.registry.gs1 import country_of_ean, valid_ean13

NAME = "zhnvlp-csv"
REGISTRY = "ru-zhnvlp"
HEADER = ["DrugID", "TradeNmR", "InnR", "PackNx", "DosageR", "PackQn", "Pack", "DrugFmNmRS", "Segment", "Year", "Month", "Series", "TotDrugQn", "MnfPrice", "PrcPrice", "RtlPrice", "Funds", "VendorID", "Remark", "SrcOrg", "EAN", "MaxMnfPrice", "ExpiTermR", "ClNm", "MnfNm", "PckNm", "RegNr", "RegDate"]


def detect(path: Path, /) -> bool:
    """Header ``DrugID;TradeNmR;InnR;PackNx;...``."""
    return path.is_file() and head_text(path, 2048).lstrip("\ufeff").startswith("DrugID;TradeNmR;InnR;")


def _text(path: Path) -> tuple[str, str]:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        return data.decode("cp1251"), "Windows-1251"  # cp1251 maps every byte but 0x98


def read(path: Path, /) -> RegistryBatch:
    """Read the pack reference; see the module docstring."""
    require_file(path)
    try:
        text, encoding = _text(path)
    except UnicodeDecodeError:
        raise SourceError(f"{path}: neither UTF-8 nor Windows-1251 text; save the file as Windows-1251 or UTF-8"
                          ) from None
    refuse_mojibake(path, text)
    lines = text.splitlines()
    header = lines[0].lstrip("\ufeff").split(";") if lines else []
    if header != HEADER:
        missing = [c for c in HEADER if c not in header]
        raise SourceError(f"{path}: not the ЖНВЛП pack-reference layout: expected the {len(HEADER)} ';'-separated "
                          f"columns DrugID;TradeNmR;...;RegDate (missing: {', '.join(missing) or 'none; order differs'})")
    out = Records(fmt=NAME, registry=REGISTRY)
    col = {name: i for i, name in enumerate(HEADER)}
    as_of = None
    inferred = invalid_ean = n = 0
    for n, line in enumerate(lines[1:], start=1):
        fields = line.split(";")
        if len(fields) != len(HEADER):
            out.reject(n, f"expected {len(HEADER)} fields separated by ';', found {len(fields)}", line)
            continue
        get = {name: clean(fields[i]) for name, i in col.items()}
        try:
            reg_date = parse_date(get["RegDate"])
        except ValueError as exc:
            out.reject(n, f"RegDate: {exc}", line)
            continue
        if get["TradeNmR"] is None:
            out.reject(n, "no trade name (TradeNmR)", line)
            continue
        reg_number = re.sub(r"\s+", " ", get["RegNr"]) if get["RegNr"] else None
        ean = get["EAN"]
        iso3 = country_of_ean(ean)
        if ean and not valid_ean13(ean):
            invalid_ean += 1
        inferred += iso3 is not None
        common = {"product_key": reg_number or f"pack {get['PackNx'] or n}", "reg_number": reg_number,
                      "reg_date": reg_date, "trade_name": get["TradeNmR"], "inn": get["InnR"],
                      "dosage_form": get["DrugFmNmRS"], "holder": get["ClNm"], "ean": ean}
        out.add(n, **common, stage="Производитель", stage_kind_="production", manufacturer=get["MnfNm"],
                manufacturer_iso3=iso3, manufacturer_basis="inferred-ean")
        if get["PckNm"] and get["PckNm"] != get["MnfNm"]:
            out.add(n, **common, stage="Упаковщик", stage_kind_="packaging", manufacturer=get["PckNm"])
        if as_of is None and get["Year"] and get["Month"] and get["Year"].isdigit() and get["Month"].isdigit():
            from datetime import date

            as_of = date(int(get["Year"]), int(get["Month"]), 1)
    notes = [f"encoding: {encoding}",
             (f"no country column: manufacturer country inferred from the EAN's GS1 prefix on {inferred:,} packs "
             "(basis inferred-ean: where the barcode was issued, not necessarily the plant)")]
    if invalid_ean:
        notes.append(f"{invalid_ean:,} packs have an EAN that is not a valid EAN-13: no country inferred")
    return out.batch(rows_read=n, as_of=as_of, notes=notes)
