"""Official GRLS export (grls.rosminzdrav.ru): one xlsx per registration status.

File names like ``grls2026-02-10-1-Действующий.xlsx``. The sheet has a title ("...по
состоянию на 10.02.2026") above the header, the header on a later row (row 5 in the
2026 exports), the holder's country in an unnamed column right of the holder (the two
header cells are merged), sometimes a status marker row under the header, data rows,
and a trailer with the export time. "Сведения о стадиях производства" holds one line
per production stage: ``Stage, Manufacturer, address..., Country``. Cells merged over
several rows hold their value in the first row only; the reader copies it down.

One row per registration and stage; the product key is the registration number.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from medtrade.catalog.companies import LEGAL_FORMS
from medtrade.errors import SourceError
from medtrade.sources.base import require_file
from medtrade.sources.registry.base import (
    Records,
    RegistryBatch,
    atc_code,
    clean,
    country_of,
    parse_date,
    read_head,
)

NAME = "grls-xlsx"
REGISTRY = "ru-grls"
#: Canonical field -> header prefixes (whitespace collapsed, case-insensitive).
HEADERS: dict[str, tuple[str, ...]] = {
    "reg_number": ("номер регистрационного удостоверения", "номер ру"),
    "reg_date": ("дата регистрации", "дата государственной регистрации"),
    "expiry": ("дата окончания",),
    "annulled": ("дата аннулирования",),
    "holder": ("юридическое лицо", "наименование держателя", "держатель", "владелец"),
    "holder_country": ("страна держателя", "страна владельца", "страна юридического"),
    "trade_name": ("торговое наименование",),
    "inn": ("международное непатентованное", "мнн"),
    "forms": ("формы выпуска", "лекарственная форма"),
    "stages": ("сведения о стадиях производства", "стадии производства"),
    "atc": ("атх", "анатомо-терапевтическ"),
    "status": ("состояние", "статус"),
}
REQUIRED = ("reg_number", "holder", "trade_name")
STATUSES = ("действующий", "недействующий", "аннулированный", "приостановлен", "исключен")
_AS_OF = re.compile(r"по состоянию на\s+(\d{2}\.\d{2}\.\d{4})", re.IGNORECASE)
_FILE_DATE = re.compile(r"grls(\d{4}-\d{2}-\d{2})", re.IGNORECASE)
_SPLIT = re.compile(r",(?![^()]*\))")
_LEGAL = LEGAL_FORMS | {"дд", "dd", "са", "ооо", "зао", "оао", "ао"}


def detect(path: Path, /) -> bool:
    """An xlsx whose name starts with ``grls`` or whose first sheet has the GRLS header."""
    if not path.is_file() or read_head(path, 4) != b"PK\x03\x04" or path.suffix.lower() != ".xlsx":
        return False
    if path.name.lower().startswith("grls"):
        return True
    try:
        return _find_header(_sheet(path)[0]) is not None
    except SourceError:
        return False


def _sheet(path: Path) -> tuple[list[list[object]], list]:
    import python_calamine

    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
        merged = list(sheet.merged_cell_ranges or [])
    except Exception as exc:  # noqa: BLE001 - calamine raises its own types for damaged files
        raise SourceError(f"{path}: cannot be read as an xlsx workbook ({str(exc).splitlines()[0] if str(exc) else exc})"
                          ) from None
    return [list(r) for r in rows], merged


def _norm(value: object) -> str:
    return " ".join(str(value or "").split()).casefold()


def _find_header(rows: list[list[object]]) -> int | None:
    for i, row in enumerate(rows[:40]):
        if any(_norm(c).startswith(HEADERS["reg_number"]) for c in row):
            return i
    return None


def _columns(header: list[object]) -> dict[str, int]:
    found: dict[str, int] = {}
    for j, cell in enumerate(header):
        text = _norm(cell)
        for field, prefixes in HEADERS.items():
            if field not in found and text and text.startswith(prefixes):
                found[field] = j
                break
    if "holder" in found and "holder_country" not in found:
        j = found["holder"] + 1
        # The 2026 exports leave the country column's header empty (merged with the holder's).
        if j < len(header) and (not _norm(header[j]) or _norm(header[j]) == _norm(header[found["holder"]])):
            found["holder_country"] = j
    return found


def _fill_merged(rows: list[list[object]], merged: list, first_data: int) -> None:
    for (r1, c1), (r2, c2) in merged:
        if r2 < first_data:
            continue
        for r in range(max(r1, first_data), r2 + 1):
            if r >= len(rows):
                break
            row = rows[r]
            row.extend([""] * (c2 + 1 - len(row)))
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    row[c] = rows[r1][c1] if c1 < len(rows[r1]) else ""


def parse_stages(cell: object, /) -> list[tuple[str, str | None, str | None, str | None]]:
    """Stage lines of a cell -> (stage, manufacturer, address, country as written).

    Examples
    --------
    >>> parse_stages("Производитель (готовой ЛФ), Сан Фармасьютикал Индастриз Лтд, Халол-Барода Хайвэй, 389350, Индия")
    [('Производитель (готовой ЛФ)', 'Сан Фармасьютикал Индастриз Лтд', 'Халол-Барода Хайвэй, 389350', 'Индия')]
    """
    out = []
    for line in re.split(r"[\r\n]+|_x000D_", str(cell or "")):
        line = " ".join(line.split()).strip(" ;")
        if not line:
            continue
        parts = [p.strip() for p in _SPLIT.split(line) if p.strip()]
        stage = parts[0]
        if len(parts) == 1:
            out.append((stage, None, None, None))
            continue
        country = parts[-1] if len(parts) >= 3 or country_of(parts[-1]) else None
        middle = parts[1:-1] if country else parts[1:]
        # The name may itself contain commas ("КРКА, д.д., Ново место"): it ends with its last legal
        # form before the address, which starts at the first part with a digit or a street/town marker.
        at = next((i for i, p in enumerate(middle) if i > 0 and (re.search(r"\d", p) or p.startswith(("ул", "г.")))),
                  None)
        legal = [i for i, p in enumerate(middle[:at]) if _ends_with_legal_form(p)]
        cut = legal[-1] + 1 if legal else (at or 1)
        name = ", ".join(middle[:cut]) or None
        address = ", ".join(middle[cut:]) or None
        out.append((stage, name, address, country))
    return out


def _ends_with_legal_form(part: str) -> bool:
    words = part.split()
    return bool(words) and re.sub(r"[^\w]", "", words[-1].casefold()) in _LEGAL


def _dosage_form(forms: str | None) -> str | None:
    if not forms:
        return None
    first = forms.split(";")[0]
    kept = []
    for seg in first.split(","):
        if re.search(r"\d", seg) or " - " in seg:
            break
        kept.append(seg.strip())
    return ", ".join(kept) or clean(first)


def read(path: Path, /) -> RegistryBatch:
    """Read one status file of the GRLS export; see the module docstring."""
    require_file(path)
    rows, merged = _sheet(path)
    h = _find_header(rows)
    if h is None:
        raise SourceError(f"{path}: no header row with `Номер регистрационного удостоверения` in the first 40 rows; "
                          "not a GRLS export")
    cols = _columns(rows[h])
    missing = [f for f in REQUIRED if f not in cols]
    if missing:
        raise SourceError(f"{path}: the GRLS header lacks {', '.join(f'`{HEADERS[f][0]}`' for f in missing)}")
    as_of, status_file = _as_of(rows[:h], path), _status_from_name(path)
    first = h + 1
    marker = [clean(c) for c in rows[first]] if first < len(rows) else []
    marker_status = None
    if [c for c in marker if c] and len([c for c in marker if c]) == 1 and _norm(marker[cols["reg_number"]]).startswith(STATUSES):
        marker_status, first = clean(marker[cols["reg_number"]]), first + 1
    _fill_merged(rows, merged, first)
    out = Records(fmt=NAME, registry=REGISTRY)
    notes = []
    n = 0
    width = max(cols.values()) + 1
    for r in rows[first:]:
        r = list(r) + [""] * (width - len(r))
        get = {f: clean(r[j]) for f, j in cols.items()}
        if not any(get.values()):
            continue
        if get["reg_number"] and not any(v for f, v in get.items() if f != "reg_number") and \
                re.match(r"\d{2}\.\d{2}\.\d{4}", get["reg_number"]):
            continue  # trailer: export time
        n += 1
        raw = " | ".join("" if v is None else str(v) for v in r[: width])
        if not get["reg_number"]:
            out.reject(n, "no registration number", raw)
            continue
        if not get.get("trade_name"):
            out.reject(n, "no trade name", raw)
            continue
        try:
            reg_date = parse_date(r[cols["reg_date"]]) if "reg_date" in cols else None
        except ValueError as exc:
            out.reject(n, f"registration date: {exc}", raw)
            continue
        status = get.get("status") or marker_status or status_file
        common = {"product_key": get["reg_number"], "reg_number": get["reg_number"], "reg_date": reg_date,
                      "status": status, "trade_name": get["trade_name"], "inn": get.get("inn"),
                      "atc": atc_code(get.get("atc")), "dosage_form": _dosage_form(get.get("forms")),
                      "holder": get["holder"], "holder_country": get.get("holder_country")}
        stages = parse_stages(r[cols["stages"]]) if "stages" in cols else []
        if not stages:
            out.add(n, **common)
        for stage, name, _address, country in stages:
            out.add(n, **common, stage=stage, manufacturer=name, manufacturer_country=country)
    if as_of is None:
        notes.append("the file states no date (no 'по состоянию на' title and no date in the file name)")
    if merged:
        notes.append(f"{len(merged)} merged cell ranges: values copied into every merged cell")
    return out.batch(rows_read=n, as_of=as_of, notes=notes)


def _as_of(rows: list[list[object]], path: Path) -> date | None:
    for row in rows:
        for cell in row:
            if m := _AS_OF.search(str(cell or "")):
                return parse_date(m.group(1))
    if m := _FILE_DATE.search(path.name):
        return date.fromisoformat(m.group(1))
    return None


def _status_from_name(path: Path) -> str | None:
    last = path.stem.rsplit("-", 1)[-1]
    return last if _norm(last).startswith(STATUSES) else None
