"""Scraped JSON of the EAEU, Kazakhstan (NDDA) and Roszdravnadzor registers (mr_parser, 2021).

Five layouts, told apart by their keys: EAEU medicines (``general_info``, ``panel1``,
``reg_data``, ``manufacturings_list``...), EAEU devices (``manufacturer_name``,
``manufacturer_country``), KZ medicines (``general_info.reg_number``,
``manufacturer_info``), KZ devices (``mainInfo``, ``manufacturers``), Roszdravnadzor
devices (``unique_registry_entry_number``...). The scrapes are dirty; the reader keeps
what is trustworthy and rejects the rest with reasons:

* a card whose registration number another card with a *different* trade name already
  has is the scraper carrying the previous card's fields over: rejected (the first
  card keeps the number);
* a repeat of a card (same number and trade name) is rejected as a duplicate, keeping
  the card that names a holder;
* ``-`` means "not given" (holder, country); ATC texts that are INNs give no ATC code;
* Roszdravnadzor device fields cut with ``...`` are kept as published, with a note; the
  country is only in addresses, so it is ``inferred-address``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from medtrade.errors import SourceError
from medtrade.sources.base import require_file
from medtrade.sources.registry.base import (
    Records,
    RegistryBatch,
    atc_code,
    clean,
    country_in_address,
    decode_text,
    head_text,
    parse_date,
)

NAME = "eaeu-kz-json"
LAYOUTS = {
    "eaeu-drugs": {"general_info", "panel1", "reg_data"},
    "kz-drugs": {"general_info", "manufacturer_info"},
    "kz-devices": {"mainInfo", "manufacturers"},
    "eaeu-devices": {"manufacturer_name", "manufacturer_country", "reg_date"},
    "ru-devices": {"unique_registry_entry_number", "reg_number", "name_of_applicant"},
}


def _layout(record: object) -> str | None:
    if not isinstance(record, dict):
        return None
    keys = set(record)
    for name, needed in LAYOUTS.items():
        if needed <= keys:
            return name
    return None


#: Flat CSVs derived from two of the scrapes (same registers, same product keys).
FLAT = {"eaeu-drugs": "reg_num,reg_status,reg_date,trade_name,inn_composition,atc,holder_name,holder_country",
        "kz-drugs": "reg_number,type,trade_name,kind,reg_date,term,expiration_date,producer_name,country"}


def _flat_layout(path: Path) -> str | None:
    first = head_text(path, 4096).lstrip("\ufeff").split("\n", 1)[0]
    return next((name for name, header in FLAT.items() if first.startswith(header)), None)


def detect(path: Path, /) -> bool:
    """A JSON array whose first record has the keys of one of the five layouts, or a derived flat CSV."""
    if path.is_file() and path.suffix.lower() == ".csv":
        return _flat_layout(path) is not None
    if not path.is_file() or path.suffix.lower() != ".json":
        return False
    head = head_text(path, 65536)
    if not head.lstrip().startswith("["):
        return False
    # Keys of the first record, from the head only: trade JSON files can be large.
    return any(all(f'"{key}"' in head for key in keys) for keys in LAYOUTS.values())


def _load(path: Path) -> list:
    if path.suffix.lower() == ".csv":
        return _flat_records(path)
    try:
        data = json.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceError(f"{path}: not valid UTF-8 JSON ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, list):
        raise SourceError(f"{path}: expected a JSON array of register records")
    return data


def _flat_records(path: Path) -> list:
    """Rows of a derived flat CSV in the shape of the JSON records they came from."""
    layout = _flat_layout(path)
    if layout is None:
        raise SourceError(f"{path}: not a flat CSV of the EAEU or KZ scrape (header {', '.join(FLAT.values())})")
    text, _ = decode_text(path, path.read_bytes(), layout="the flat scrape CSV")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    if layout == "kz-drugs":
        return [{"general_info": row, "manufacturer_info": []} for row in rows]
    return [{"general_info": {"header": r["trade_name"], "mnn": r["inn_composition"]},
             "panel1": {"be_name": r["holder_name"], "country": r["holder_country"]},
             "reg_data": {"reg_num": r["reg_num"], "reg_status": r["reg_status"], "reg_date": r["reg_date"]},
             "panel2": {"ATCName": r["atc"]},
             "manufacturings_list": [{"country_of_registration_of_the_manufacturer": c}
                                     for c in (r.get("manufacturing_site_countries") or "").split("|") if c],
             "substances": [{"country": c} for c in (r.get("api_manufacturer_countries") or "").split("|") if c]}
            for r in rows]


def _reg_key(number: str | None) -> str | None:
    """``ЛП-№(000151)-(РГ-RU)``, ``ЛП-N (000151)-(РГ-RU)`` and ``ЛП-№000151-РГ-RU`` are one number."""
    if not number:
        return None
    return re.sub(r"[\s()]", "", number.replace("N", "№"))


def read(path: Path, /) -> RegistryBatch:
    """Read one scrape; see the module docstring."""
    require_file(path)
    records = _load(path)
    layout = _layout(records[0]) if records else None
    if layout is None:
        raise SourceError(f"{path}: not one of the scraped register layouts ({', '.join(LAYOUTS)})")
    out = Records(fmt=NAME, registry=layout)
    reader = {"eaeu-drugs": _eaeu_drugs, "kz-drugs": _kz_drugs, "kz-devices": _kz_devices,
              "eaeu-devices": _eaeu_devices, "ru-devices": _ru_devices}[layout]
    notes = reader(records, out)
    return out.batch(rows_read=len(records), notes=[(f"scraped sample of the {layout} register (mr_parser, 2021): "
                                                     "a few cards, not the register"), *notes])


def _raw(rec: object) -> str:
    return json.dumps(rec, ensure_ascii=False)[:2000]


_BAD = object()


def _date(out: Records, i: int, rec: object, value: object, field: str) -> object:
    """The parsed registration date (None when not given), or ``_BAD`` once the record is rejected for it."""
    try:
        return parse_date(value)
    except ValueError as exc:
        out.reject(i, f"{field}: {exc}", _raw(rec))
        return _BAD


def _eaeu_drugs(records: list, out: Records) -> list[str]:
    first_by_number: dict[str, tuple[int, str]] = {}
    # A repeat is kept over an earlier copy only if the earlier one lacks a holder: pick the best copy first.
    best: dict[tuple[str, str], int] = {}
    for i, rec in enumerate(records, start=1):
        if _layout(rec) != "eaeu-drugs":
            continue
        key = (_reg_key(clean(rec["reg_data"].get("reg_num"))) or "", clean(rec["general_info"].get("header")) or "")
        has_holder = clean(rec["panel1"].get("be_name")) is not None
        if key not in best or (has_holder and clean(records[best[key] - 1]["panel1"].get("be_name")) is None):
            best[key] = i
    no_atc = 0
    for i, rec in enumerate(records, start=1):
        if _layout(rec) != "eaeu-drugs":
            out.reject(i, "record without the EAEU medicine keys (general_info, panel1, reg_data)", _raw(rec))
            continue
        reg, gen, holder, p2 = rec["reg_data"], rec["general_info"], rec["panel1"], rec["panel2"]
        number, trade = clean(reg.get("reg_num")), clean(gen.get("header"))
        key = _reg_key(number)
        if not key or not trade:
            out.reject(i, "no registration number or trade name", _raw(rec))
            continue
        owner = first_by_number.get(key)
        if owner and owner[1] != trade:
            out.reject(i, f"registration number {number} already belongs to {owner[1]} (record {owner[0]}): fields "
                          "carried over from the previous card by the scraper", _raw(rec))
            continue
        first_by_number.setdefault(key, (i, trade))
        if best[(key, trade)] != i:
            out.reject(i, f"duplicate of record {best[(key, trade)]} (same registration number and trade name)",
                       _raw(rec))
            continue
        if (reg_date := _date(out, i, rec, reg.get("reg_date"), "reg_date")) is _BAD:
            continue
        atc = atc_code(p2.get("ATCName"))
        no_atc += atc is None
        common = {"product_key": key, "reg_number": number, "reg_date": reg_date, "status": clean(reg.get("reg_status")),
                      "trade_name": trade, "inn": clean(gen.get("mnn")), "atc": atc, "dosage_form": clean(p2.get("dosageForm")),
                      "holder": clean(holder.get("be_name")), "holder_country": clean(holder.get("country"))}
        sites = rec.get("manufacturings_list") or []
        for site in sites:
            out.add(i, **common, stage=clean(site.get("production_stage")),
                    manufacturer=clean(site.get("production_site_name")),
                    manufacturer_country=clean(site.get("country_of_registration_of_the_manufacturer")))
        for sub in rec.get("substances") or []:
            out.add(i, **common, stage="Производитель фармацевтической субстанции", stage_kind_="substance",
                    manufacturer=clean(sub.get("manufacturers_name")), manufacturer_country=clean(sub.get("country")))
        if not sites and not rec.get("substances"):
            out.add(i, **common)
    return [f"{no_atc} cards give no ATC code (the field holds an INN or a group name)"] if no_atc else []


def _kz_drugs(records: list, out: Records) -> list[str]:
    for i, rec in enumerate(records, start=1):
        gen = rec.get("general_info") if isinstance(rec, dict) else None
        number = clean(gen.get("reg_number")) if isinstance(gen, dict) else None
        trade = clean(gen.get("trade_name")) if isinstance(gen, dict) else None
        if not number or not trade:
            out.reject(i, "no registration number or trade name in general_info", _raw(rec))
            continue
        if (reg_date := _date(out, i, rec, gen.get("reg_date"), "reg_date")) is _BAD:
            continue
        makers = rec.get("manufacturer_info") or []
        holders = [m for m in makers if "держатель" in (m.get("manufacturer_type") or "").casefold()]
        holder = holders[0] if holders else {}
        common = {"product_key": number, "reg_number": number, "reg_date": reg_date, "status": clean(gen.get("kind")),
                      "trade_name": trade, "inn": clean(gen.get("int_name")), "atc": atc_code(gen.get("act_name")),
                      "dosage_form": clean(gen.get("dosage_form_name")),
                      "holder": clean(holder.get("rus_name")) or clean(holder.get("eng_name")),
                      "holder_country": clean(holder.get("country"))}
        producer = clean(gen.get("producer_name"))
        out.add(i, **common, stage="Производитель", stage_kind_="production", manufacturer=producer,
                manufacturer_country=clean(gen.get("country")))
        for m in makers:
            kind = m.get("manufacturer_type") or ""
            name = clean(m.get("rus_name")) or clean(m.get("eng_name"))
            if m in holders or (kind.strip() == "Производитель" and name == producer):
                continue
            out.add(i, **common, stage=clean(kind), manufacturer=name, manufacturer_country=clean(m.get("country")))
    return []


def _kz_devices(records: list, out: Records) -> list[str]:
    for i, rec in enumerate(records, start=1):
        info = rec.get("mainInfo") if isinstance(rec, dict) else None
        number = clean(info.get("reg_number")) if isinstance(info, dict) else None
        name = clean(info.get("productName")) if isinstance(info, dict) else None
        if not number or not name:
            out.reject(i, "no registration number or product name in mainInfo", _raw(rec))
            continue
        if (reg_date := _date(out, i, rec, info.get("registrationData"), "registrationData")) is _BAD:
            continue
        makers = rec.get("manufacturers") or []
        holders = [m for m in makers if "держатель" in (m.get("type") or "").casefold()]
        holder = holders[0] if holders else {}
        common = {"product_key": number, "reg_number": number, "reg_date": reg_date, "status": clean(info.get("registrationType")),
                      "trade_name": name, "holder": clean(holder.get("name")), "holder_country": clean(holder.get("country"))}
        added = False
        for m in makers:
            kind = (m.get("type") or "").strip()
            if m in holders or not kind.startswith(("Производ",)):
                continue
            out.add(i, **common, stage=kind, manufacturer=clean(m.get("name")) or clean(m.get("nameInEnglish")),
                    manufacturer_country=clean(m.get("country")))
            added = True
        if not added:
            out.add(i, **common)
    return []


def _eaeu_devices(records: list, out: Records) -> list[str]:
    for i, rec in enumerate(records, start=1):
        name = clean(rec.get("name")) if isinstance(rec, dict) else None
        if not name:
            out.reject(i, "no device name", _raw(rec))
            continue
        if (reg_date := _date(out, i, rec, rec.get("reg_date"), "reg_date")) is _BAD:
            continue
        out.add(i, product_key=f"{name} {reg_date or ''}".strip(), reg_date=reg_date, trade_name=name,
                stage="Производитель", stage_kind_="production", manufacturer=clean(rec.get("manufacturer_name")),
                manufacturer_country=clean(rec.get("manufacturer_country")))
    return ["EAEU device cards carry no registration number: the product key is the name and registration date"]


def _ru_devices(records: list, out: Records) -> list[str]:
    cut = 0
    for i, rec in enumerate(records, start=1):
        number = clean(rec.get("reg_number")) if isinstance(rec, dict) else None
        if not number:
            out.reject(i, "no registration number", _raw(rec))
            continue
        if (reg_date := _date(out, i, rec, rec.get("reg_date"), "reg_date")) is _BAD:
            continue
        cut += any(isinstance(v, str) and v.endswith("...") for v in rec.values())
        applicant = clean(rec.get("legal_name_of_applicant")) or clean(rec.get("name_of_applicant"))
        h_iso = country_in_address(rec.get("legal_address_of_applicant")) or country_in_address(
            rec.get("location_of_applicant"))
        m_iso = country_in_address(rec.get("legal_address_of_manufacturer")) or country_in_address(
            rec.get("location_of_manufacturer"))
        validity = clean(rec.get("validity"))
        out.add(i, product_key=number, reg_number=number, reg_date=reg_date, status=validity,
                trade_name=clean(rec.get("name")), holder=applicant, holder_iso3=h_iso,
                holder_basis="inferred-address", stage="Производитель", stage_kind_="production",
                manufacturer_iso3=m_iso, manufacturer_basis="inferred-address")
    notes = [("no country column: countries inferred from the applicant's and manufacturer's addresses "
             "(basis inferred-address); the register names no manufacturer, only its address")]
    if cut:
        notes.append(f"{cut} cards have fields cut with '...' as in the web table; kept as published")
    return notes
