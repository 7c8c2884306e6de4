"""Roszdravnadzor price-monitoring basket: "Holder - Country, произв.Manufacturer - Country, упак.Country - Packer".

Two layouts of the same 258 packs: the Oracle script ``Init_TPrice_MONITOR_BASE.sql``
(``insert ... select ... from dual;``, Windows-1251) and its UTF-8 CSV
(``PackNx,TradeName,MNN,Proizvoditel,...``). The reader parses the combined
``Proizvoditel`` string itself (the CSV's derived columns are not trusted): the holder
and its country before ``, произв.``, the manufacturer and its country after it, and
the packer after ``, упак.`` (written country first). One row per pack and stage; the
product key is the pack id ``PackNx``. A string without ``произв.`` names the holder only.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from medtrade.errors import SourceError
from medtrade.sources.base import require_file
from medtrade.sources.registry.base import (
    Records,
    RegistryBatch,
    clean,
    country_of,
    decode_text,
    head_text,
)

NAME = "price-monitor"
REGISTRY = "ru-price-monitor"
COLUMNS = ("PackNx", "TradeName", "MNN", "Proizvoditel", "LekForm_Doza", "Upakovka", "Uroven", "Segment")
_INSERT = re.compile(r"insert\s+into\s+[\w.]*TPRICE_MONITOR_BASE\s*\(([^)]*)\)\s*select\s+(.*?)\s+from\s+dual\s*;",
                     re.IGNORECASE | re.DOTALL)
_VALUE = re.compile(r"'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?)|(null)", re.IGNORECASE)


def detect(path: Path, /) -> bool:
    """The CSV header ``PackNx,TradeName,MNN,Proizvoditel,...`` or the Oracle script's inserts."""
    if not path.is_file():
        return False
    head = head_text(path, 4096)
    return head.lstrip("\ufeff").startswith("PackNx,TradeName,MNN,Proizvoditel") or bool(
        re.search(r"insert\s+into\s+[\w.]*TPRICE_MONITOR_BASE", head, re.IGNORECASE))


def split_combined(text: str, /) -> dict[str, str | None]:
    """Parts of ``Holder - Country, произв.Manufacturer - Country, упак.Country - Packer``.

    Examples
    --------
    >>> split_combined("Торрент Фармасьютикалс Лтд - Индия, произв.Торрент Фармасьютикалс Лтд - Индия")["manufacturer_country"]
    'Индия'
    >>> split_combined("Ниш Генерикс Лимитед - Великобритания, произв.Ниш Генерикс Лимитед - Ирландия, "
    ...                "упак.Россия - Гедеон Рихтер-РУС ЗАО")["packer"]
    'Гедеон Рихтер-РУС ЗАО'
    """
    head, _, rest = text.partition(", произв.")
    made, _, packed = rest.partition(", упак.")
    holder, holder_country = _name_country(head)
    manufacturer, manufacturer_country = _name_country(made) if made else (None, None)
    packer = packer_country = None
    if packed:
        first, sep, second = packed.partition(" - ")
        if sep and country_of(first.strip()):
            packer_country, packer = first.strip(), second.strip()
        else:
            packer, packer_country = _name_country(packed)
    return {"holder": holder, "holder_country": holder_country, "manufacturer": manufacturer,
            "manufacturer_country": manufacturer_country, "packer": packer, "packer_country": packer_country}


def _name_country(part: str) -> tuple[str | None, str | None]:
    name, sep, country = part.rpartition(" - ")
    if not sep:
        return clean(part), None
    return clean(name), clean(country)


def _records(path: Path, notes: list[str]) -> list[dict[str, str]]:
    text, found = decode_text(path, path.read_bytes(), layout="the price-monitoring basket")
    notes.extend(found)
    if text.lstrip("\ufeff").startswith("PackNx,"):
        reader = csv.DictReader(io.StringIO(text, newline=""))
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise SourceError(f"{path}: missing column(s) {', '.join(missing)} for the price-monitoring CSV layout")
        return list(reader)
    out = []
    for m in _INSERT.finditer(text):
        names = [c.strip() for c in m.group(1).split(",")]
        values = [(s.replace("''", "'") if s is not None and n == "" else (n or None))
                  for s, n, _ in _VALUE.findall(m.group(2))]
        out.append(dict(zip(names, values)) if len(values) == len(names) else {"_raw": m.group(0)})
    if not out:
        raise SourceError(f"{path}: no `insert into ...TPRICE_MONITOR_BASE ... from dual;` statements found")
    return out


def read(path: Path, /) -> RegistryBatch:
    """Read either layout; see the module docstring."""
    require_file(path)
    notes: list[str] = ["price-monitoring basket (hospital segment): packs, not the whole register; no dates"]
    out = Records(fmt=NAME, registry=REGISTRY)
    n = 0
    for n, rec in enumerate(_records(path, notes), start=1):
        if "_raw" in rec:
            out.reject(n, "insert statement with a different number of values than columns", rec["_raw"])
            continue
        combined, pack = clean(rec.get("Proizvoditel")), clean(rec.get("PackNx"))
        if not combined or not pack:
            out.reject(n, "no pack id (PackNx) or no holder/manufacturer string (Proizvoditel)", repr(rec))
            continue
        parts = split_combined(combined)
        if parts["holder_country"] is None:
            out.reject(n, "cannot split `Holder - Country` in Proizvoditel", combined)
            continue
        common = {"product_key": pack, "trade_name": clean(rec.get("TradeName")), "inn": clean(rec.get("MNN")),
                      "dosage_form": clean(rec.get("LekForm_Doza")), "holder": parts["holder"],
                      "holder_country": parts["holder_country"]}
        if not parts["manufacturer"] and not parts["packer"]:
            out.add(n, **common)
        if parts["manufacturer"]:
            out.add(n, **common, stage="произв.", stage_kind_="production", manufacturer=parts["manufacturer"],
                    manufacturer_country=parts["manufacturer_country"])
        if parts["packer"]:
            out.add(n, **common, stage="упак.", stage_kind_="packaging", manufacturer=parts["packer"],
                    manufacturer_country=parts["packer_country"])
    return out.batch(rows_read=n, notes=notes)
