"""Countries: any spelling to ISO 3166-1 alpha-3, Comtrade codes, M49, groups over time.

Names come from ``pycountry`` (English, and Russian via its gettext catalogue) plus
files in ``catalog/data``: ``country_aliases.csv`` (names pycountry lacks),
``eidb_partners.csv`` (hand-checked DGCI&S partner spellings of India's EIDB),
``comtrade_areas.csv`` (only Comtrade codes that are not plain M49 codes) and
``groups.yaml`` (groups with membership periods).

Codes beyond current ISO 3166-1 (see :data:`SPECIAL_CODES`):

* ``XXX`` (:data:`UNSPECIFIED`): partner not specified / not allocated ("nes" areas,
  bunkers, EIDB ``UNSPECIFIED``). Rows with it are kept, never dropped.
* ``WLD``: the world, all partners (Comtrade 0, M49 001).
* ``XKX``: Kosovo (user-assigned code used by the EU and IMF; Comtrade 412).
* withdrawn ISO 3166-1 codes from ``pycountry.historic_countries`` (ISO 3166-3), e.g.
  ``ANT`` Netherlands Antilles and ``SCG`` Serbia and Montenegro (both in EIDB data),
  ``SUN`` USSR. Rule: an entity with one successor maps to it (Panama Canal Zone ->
  ``PAN``); one that split keeps its withdrawn code.
"""

from __future__ import annotations

import csv
import difflib
import functools
import gettext
import re
import unicodedata
from datetime import date
from importlib import resources
from typing import Literal, get_args

import pycountry
import yaml

from medtrade.errors import CatalogError, InputError

__all__ = [
    "SPECIAL_CODES",
    "UNSPECIFIED",
    "WORLD",
    "country_table",
    "eidb_partner_map",
    "from_comtrade_code",
    "group_members",
    "group_membership",
    "groups",
    "members_during",
    "members_on_period_end",
    "m49",
    "name",
    "resolve",
    "try_resolve",
]

Lang = Literal["en", "ru"]
MembershipStatus = Literal["member", "participant", "associate", "region"]
_STATUSES: tuple[str, ...] = get_args(MembershipStatus)

UNSPECIFIED = "XXX"
WORLD = "WLD"
#: Codes outside ISO 3166-1 that this module returns: code -> (English, Russian, M49).
SPECIAL_CODES: dict[str, tuple[str, str, int | None]] = {
    UNSPECIFIED: ("Unspecified", "Не указано", None),
    WORLD: ("World", "Мир", 1),
    "XKX": ("Kosovo", "Косово", None),
}
_STOPWORDS = frozenset({"the", "and", "of"})
_ABBREVIATIONS = {
    "st": "saint", "rep": "republic", "dem": "democratic", "isds": "islands",
    "br": "british", "fr": "french", "terr": "territory",
}
_RU_DISPLAY = {"USA": "Соединённые Штаты"}  # pycountry's "Соединённые штаты" is miscased


def _data_text(filename: str) -> str:
    return resources.files("medtrade.catalog").joinpath("data", filename).read_text("utf-8")


def _rows(filename: str) -> list[dict[str, str]]:
    return list(csv.DictReader(_data_text(filename).splitlines()))


def _norm(text: str) -> str:
    """Lookup key: no accents or stress marks, casefolded, punctuation to spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    words = re.sub(r"[\W_]+", " ", text.replace("&", " and ")).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words if w not in _STOPWORDS)


def _clean(text: str) -> str:
    """Display form of a translated name: without the stress marks of the catalogue."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", text).replace("\u0301", ""))


@functools.cache
def _translator(domain: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=["ru"], fallback=True)


def _ru(text: str, domain: str = "iso3166-1") -> str:
    return _clean(_translator(domain).gettext(text)) if text else text  # "" -> PO header


@functools.cache
def _withdrawn() -> dict[str, object]:
    """Withdrawn alpha-3 codes (ISO 3166-3) that are not reused today: ANT, SUN, YUG..."""
    current = {c.alpha_3 for c in pycountry.countries}
    return {c.alpha_3: c for c in pycountry.historic_countries if c.alpha_3 not in current}


def _is_known(code: str) -> bool:
    return _codes().get(code) == code  # an alpha-3 code (alpha-2 codes map elsewhere)


def _english_names(record: object) -> list[str]:
    names = [getattr(record, attr, None) for attr in ("common_name", "name", "official_name")]
    names = [n for n in names if n]
    # "Korea, Republic of" -> also "Republic of Korea"
    names += [f"{b.strip()} {a.strip()}" for a, sep, b in (n.partition(", ") for n in names) if sep]
    return names


@functools.cache
def _codes() -> dict[str, str]:
    """ISO2 and ISO3 codes (upper case) -> ISO3; checked before any name."""
    codes = {code: code for code in (*SPECIAL_CODES, *_withdrawn())}
    for record in pycountry.countries:
        codes[record.alpha_2] = codes[record.alpha_3] = record.alpha_3
    return codes


@functools.cache
def _index() -> dict[str, str]:
    """Normalised name -> ISO3. Earlier sources win: hand-made lists beat pycountry."""
    index: dict[str, str] = {}

    def add(spelling: str, code: str) -> None:
        if key := _norm(spelling):
            index.setdefault(key, code)

    for code, (en, ru, _) in SPECIAL_CODES.items():
        add(en, code)
        add(ru, code)
    for row in _rows("country_aliases.csv"):  # hand-checked: beat automatic names
        add(row["alias"], row["iso3"])
    for name_, code in _eidb().items():
        add(name_, code)
    for record in pycountry.countries:
        for spelling in _english_names(record):
            add(spelling, record.alpha_3)
            add(_ru(spelling), record.alpha_3)
    for code, record in _withdrawn().items():  # last: never shadow a current country
        add(record.name, code)
        add(_ru(record.name, "iso3166-3"), code)
    return index


@functools.cache
def _by_numeric() -> dict[int, str]:
    table = {int(c.numeric): c.alpha_3 for c in pycountry.countries}
    table[1] = WORLD
    return table


def try_resolve(name: str, /) -> str | None:
    """Like :func:`resolve`, but ``None`` when the value is not recognised.

    Examples
    --------
    >>> try_resolve("KOREA DP RP"), try_resolve("Белоруссия"), try_resolve("Atlantis")
    ('PRK', 'BLR', None)
    """
    text = str(name).strip()
    if not text:
        return None
    if text.isdigit():
        return _by_numeric().get(int(text))
    if code := _codes().get(text.upper()):
        return code
    hit = _index().get(_norm(text))
    if hit is None and "(" in text:  # "Iran (Islamic Republic of)" -> "Iran"
        hit = _index().get(_norm(re.sub(r"\(.*?\)", " ", text)))
    return hit


def _suggest(text: str) -> str:
    index = _index()
    codes = dict.fromkeys(index[k] for k in difflib.get_close_matches(_norm(text), index, 12, 0.6))
    hits = [f"{name(code)} ({code})" for code in list(codes)[:3]]
    return f"did you mean {', '.join(hits)}?" if hits else "no close match"


def resolve(name: str, /) -> str:
    """ISO 3166-1 alpha-3 code for any country code or name.

    Accepts ISO3, ISO2, M49 numeric strings, English and Russian names (case, accents and
    punctuation ignored), DGCI&S partner spellings (``"U S A"``) and common aliases.

    Raises
    ------
    CatalogError
        Not recognised; the message names up to three close matches.

    Examples
    --------
    >>> resolve("U S A"), resolve("Российская Федерация"), resolve("643"), resolve("UK")
    ('USA', 'RUS', 'RUS', 'GBR')
    """
    text = str(name).strip()
    if not text:
        raise CatalogError("empty country name: give an ISO3/ISO2 code or a country name")
    code = try_resolve(text)
    if code is None:
        hint = " (read as M49: use from_comtrade_code for Comtrade)" if text.isdigit() else ""
        raise CatalogError(f"unknown country `{text}`{hint}; {_suggest(text)}")
    return code


@functools.cache
def _eidb() -> dict[str, str]:
    mapping = {row["eidb_name"]: row["iso3"] for row in _rows("eidb_partners.csv")}
    bad = sorted(f"{k}={v}" for k, v in mapping.items() if not _is_known(v))
    if bad:
        raise CatalogError(f"eidb_partners.csv has unknown ISO3 codes: {', '.join(bad)}")
    return mapping


def eidb_partner_map() -> dict[str, str]:
    """DGCI&S (India EIDB) partner names -> ISO3, hand-checked.

    The 230 names of the shared partner list plus 15 more found in the FY2017-24 trade
    file. ``UNSPECIFIED`` maps to :data:`UNSPECIFIED` (``"XXX"``), ``NETHERLANDANTIL`` to
    the withdrawn code ``ANT``; the note column of ``data/eidb_partners.csv`` explains
    each non-obvious line. The file is read once; each call returns a copy.

    Examples
    --------
    >>> eidb_partner_map()["KOREA DP RP"], eidb_partner_map()["UNSPECIFIED"]
    ('PRK', 'XXX')
    """
    return dict(_eidb())


@functools.cache
def _comtrade_areas() -> dict[int, str]:
    return {int(row["code"]): row["iso3"] for row in _rows("comtrade_areas.csv")}


def from_comtrade_code(code: int | str, /) -> str:
    """ISO3 for a UN Comtrade reporter/partner area code.

    Comtrade-specific codes (699 India, 842 USA, 251 France, 757 Switzerland, 579 Norway,
    381 Italy, 490 Taiwan, 0 World) come from ``data/comtrade_areas.csv``; "nes" areas,
    bunkers and free zones give :data:`UNSPECIFIED`; any other code is read as M49.

    Examples
    --------
    >>> from_comtrade_code(699), from_comtrade_code("490"), from_comtrade_code(899)
    ('IND', 'TWN', 'XXX')
    """
    try:
        number = int(str(code).strip())
    except ValueError:
        raise CatalogError(f"Comtrade area code `{code}` is not a number") from None
    iso3 = _comtrade_areas().get(number)
    if iso3 is None and number != 1:  # 1 is M49 World, not a Comtrade code
        iso3 = _by_numeric().get(number)
    if iso3 is None:
        raise CatalogError(
            f"unknown Comtrade area code `{code}` (groups such as 97 EU or 975 ASEAN"
            " are not countries)"
        )
    return iso3


def _code(iso3: str) -> str:
    code = str(iso3).strip().upper()
    if not _is_known(code):
        raise CatalogError(f"unknown ISO3 code `{iso3}`; {_suggest(str(iso3))}")
    return code


def m49(iso3: str, /) -> int | None:
    """UN M49 numeric code (``"IND"`` -> 356; ``"WLD"`` -> 1; ``"XXX"`` -> None)."""
    code = _code(iso3)
    if code in SPECIAL_CODES:
        return SPECIAL_CODES[code][2]
    record = pycountry.countries.get(alpha_3=code) or _withdrawn()[code]
    numeric = getattr(record, "numeric", None)
    return int(numeric) if numeric else None


def name(iso3: str, /, *, lang: Lang = "en") -> str:
    """Short display name in English (``lang="en"``) or Russian (``lang="ru"``).

    Examples
    --------
    >>> name("KOR"), name("IND", lang="ru")
    ('South Korea', 'Индия')
    """
    if lang not in ("en", "ru"):
        raise InputError(f"`lang` must be 'en' or 'ru', not {lang!r}")
    code = _code(iso3)
    if code in SPECIAL_CODES:
        return SPECIAL_CODES[code][0 if lang == "en" else 1]
    record = pycountry.countries.get(alpha_3=code)
    if record is None:
        english = _withdrawn()[code].name
        return english if lang == "en" else _ru(english, "iso3166-3")
    english = getattr(record, "common_name", None) or record.name
    return english if lang == "en" else _RU_DISPLAY.get(code) or _ru(english)


def country_table() -> list[dict]:
    """One row per pycountry country, special code and withdrawn code used by the EIDB map.

    Keys: ``iso3``, ``m49``, ``name_en``, ``name_ru``. The extra rows are XXX, WLD, XKX,
    ANT and SCG, so every code :func:`eidb_partner_map` returns has a row.
    """
    withdrawn = sorted(set(_eidb().values()) & set(_withdrawn()))
    codes = [c.alpha_3 for c in pycountry.countries] + [*SPECIAL_CODES, *withdrawn]
    return [dict(iso3=c, m49=m49(c), name_en=name(c), name_ru=name(c, lang="ru")) for c in codes]


# ---------------------------------------------------------------- groups


@functools.cache
def _groups() -> dict[str, tuple[dict, ...]]:
    raw = yaml.safe_load(_data_text("groups.yaml"))
    result: dict[str, tuple[dict, ...]] = {}
    for group, spec in raw.items():
        spells = list(result[spec["extends"]]) if spec.get("extends") else []
        for m in spec["members"]:
            spell = {"iso3": m["iso3"], "start": m["start"], "end": m["end"], "status": m["status"]}
            _check_spell(group, spell, spells)
            spells.append(spell)
        result[group] = tuple(spells)
    return result


def _check_spell(group: str, spell: dict, earlier: list[dict]) -> None:
    where = f"groups.yaml {group}/{spell['iso3']}"
    if pycountry.countries.get(alpha_3=spell["iso3"]) is None:
        raise CatalogError(f"{where}: unknown ISO3 code")
    if spell["status"] not in _STATUSES:
        raise CatalogError(f"{where}: status must be one of {', '.join(_STATUSES)}")
    start, end = spell["start"], spell["end"]
    if not all(d is None or isinstance(d, date) for d in (start, end)) or (
        start and end and start > end
    ):
        raise CatalogError(f"{where}: start/end must be ordered YYYY-MM-DD dates or null")
    same = (s for s in earlier if s["iso3"] == spell["iso3"])
    if any(_overlaps(s, start or date.min, end or date.max) for s in same):
        raise CatalogError(f"{where}: membership spells overlap")


def _spells(group: str) -> tuple[dict, ...]:
    table = _groups()
    key = str(group).strip().upper()
    if key not in table:
        raise CatalogError(f"unknown country group `{group}`; valid groups: {', '.join(table)}")
    return table[key]


def _overlaps(spell: dict, start: date, end: date) -> bool:
    return (spell["start"] is None or spell["start"] <= end) and (
        spell["end"] is None or spell["end"] >= start
    )


def groups() -> list[str]:
    """Names of the country groups: CIS, CIS_BALTICS, EAEU, EU27, EU, BRICS."""
    return list(_groups())


def group_membership(group: str, /) -> list[dict]:
    """Membership spells of a group: dicts with ``iso3``, ``start``, ``end``, ``status``.

    ``start``/``end`` are inclusive dates (``end`` is the last day as a member);
    ``None`` means open-ended. A country can have several spells (Turkmenistan in CIS).
    """
    return [dict(spell) for spell in _spells(group)]


def group_members(group: str, /, *, on: date | None = None) -> frozenset[str]:
    """ISO3 codes of the members on a date (default: today).

    Examples
    --------
    >>> sorted(group_members("EAEU", on=date(2015, 6, 1)))
    ['ARM', 'BLR', 'KAZ', 'RUS']
    """
    day = on or date.today()
    return frozenset(s["iso3"] for s in _spells(group) if _overlaps(s, day, day))


def _period(start: date, end: date) -> None:
    if start > end:
        raise InputError(f"period start {start} is after its end {end}")


def members_during(group: str, /, *, start: date, end: date) -> frozenset[str]:
    """Countries that were members at ANY time in ``[start, end]`` (both inclusive).

    The widest reading: a country that joined or left inside the period is included,
    e.g. ``members_during("EAEU", start=date(2015, 1, 1), end=date(2015, 12, 31))``
    includes KGZ (joined 2015-08-12). Use :func:`members_on_period_end` to classify a
    period by the membership on its last day instead.
    """
    _period(start, end)
    return frozenset(s["iso3"] for s in _spells(group) if _overlaps(s, start, end))


def members_on_period_end(group: str, /, *, start: date, end: date) -> frozenset[str]:
    """Members on the period's last day, ``end``.

    Same signature as :func:`members_during` so the two are interchangeable as a
    policy; ``start`` is only checked to be no later than ``end``.
    """
    _period(start, end)
    return group_members(group, on=end)
