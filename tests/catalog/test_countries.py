"""Tests for medtrade.catalog.countries.

Expected values are written out by hand here or read from the shared raw files
(`data_dir` fixture), never taken from the module's own shipped CSVs.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pycountry
import pytest

from medtrade.catalog import countries as c
from medtrade.errors import CatalogError, InputError

EIDB_AUTO = Path("trade/india_eidb/partner_names_to_iso3_auto_unverified.csv")
RU_CODES = Path("trade/india_russia_monthly/country_codes_m49_iso3_en_ru.csv")
COMTRADE_PARTNERS = Path("trade/comtrade/comtradr_pkg/comtrade_ref_partner.csv")

CURRENT = {record.alpha_3 for record in pycountry.countries}
WITHDRAWN = {record.alpha_3 for record in pycountry.historic_countries} - CURRENT


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# ------------------------------------------------------------------ EIDB partners


@pytest.fixture(scope="module")
def eidb_auto(data_dir: Path) -> list[dict[str, str]]:
    return _read(data_dir / EIDB_AUTO)


def test_every_shared_eidb_name_is_mapped(eidb_auto):
    names = {row["eidb_partner_name"] for row in eidb_auto}
    assert len(names) == 230
    mapping = c.eidb_partner_map()
    assert names <= set(mapping)
    for partner in names:
        assert c.resolve(partner) == mapping[partner], partner
        assert c.resolve(f"  {partner.lower()} ") == mapping[partner], partner


def test_eidb_map_agrees_with_auto_guesses_except_the_known_error(eidb_auto):
    """The 205 `auto` guesses were right; the duplicate check caught KOREA DP RP."""
    mapping = c.eidb_partner_map()
    disagree = {
        row["eidb_partner_name"]
        for row in eidb_auto
        if row["iso3_coco_auto"] != "NOT_FOUND"
        and mapping[row["eidb_partner_name"]] != row["iso3_coco_auto"]
    }
    assert disagree == {"KOREA DP RP"}


@pytest.mark.parametrize(
    ("partner", "iso3"),
    [
        ("KOREA DP RP", "PRK"),
        ("KOREA RP", "KOR"),
        ("UNSPECIFIED", "XXX"),
        ("U S A", "USA"),
        ("U K", "GBR"),
        ("CHINA P RP", "CHN"),
        ("RUSSIA", "RUS"),
        ("NETHERLAND", "NLD"),
        ("NETHERLANDANTIL", "ANT"),
        ("U ARAB EMTS", "ARE"),
        ("SAUDI ARAB", "SAU"),
        ("VIETNAM SOC REP", "VNM"),
        ("KYRGHYZSTAN", "KGZ"),
        ("CONGO D. REP.", "COD"),
        ("CONGO P REP", "COG"),
        ("DOMINIC REP", "DOM"),
        ("DOMINICA", "DMA"),
        ("SAHARWI A.DM RP", "ESH"),
        ("STATE OF PALEST", "PSE"),
        ("ST KITT N A", "KNA"),
        ("BR VIRGN IS", "VGB"),
        ("VIRGIN IS US", "VIR"),
        ("AMERI SAMOA", "ASM"),
        ("SAMOA", "WSM"),
    ],
)
def test_eidb_spellings(partner, iso3):
    assert c.eidb_partner_map()[partner] == iso3
    assert c.resolve(partner) == iso3


@pytest.mark.slow
def test_every_partner_in_the_trade_file_is_mapped(data_dir):
    """The trade file has 15 partner spellings more than the 230-name helper list."""
    pl = pytest.importorskip("polars")
    path = data_dir / "trade/india_eidb/india_exports_hs8_by_partner_fy2017-18_to_2023-24.csv.gz"
    partners = set(pl.read_csv(path, columns=["partner"], infer_schema_length=0)["partner"])
    assert len(partners) == 245
    assert partners == set(c.eidb_partner_map())


@pytest.mark.parametrize(
    ("partner", "iso3"),
    [
        ("UNION OF SERBIA & MONTENEGRO", "SCG"),
        ("PANAMA C Z", "PAN"),
        ("INSTALLATIONS IN INTERNATIONAL WATERS", "XXX"),
        ("SVALLBARD AND J", "SJM"),
        ("VATICAN CITY", "VAT"),
        ("BRITISH INDIAN", "IOT"),
    ],
)
def test_eidb_spellings_beyond_the_230(partner, iso3):
    assert c.eidb_partner_map()[partner] == iso3


def test_eidb_codes_are_iso_or_documented_special():
    mapping = c.eidb_partner_map()
    codes = set(mapping.values())
    assert codes - CURRENT == {c.UNSPECIFIED, "ANT", "SCG"}
    assert c.UNSPECIFIED in c.SPECIAL_CODES
    assert {"ANT", "SCG"} <= WITHDRAWN
    # only deliberate many-to-one lines: Panama + Canal Zone, two kinds of "unspecified"
    repeated = {code for code in codes if list(mapping.values()).count(code) > 1}
    assert repeated == {"PAN", c.UNSPECIFIED}


def test_eidb_partner_map_returns_a_copy():
    c.eidb_partner_map()["KOREA DP RP"] = "KOR"
    assert c.eidb_partner_map()["KOREA DP RP"] == "PRK"


# ------------------------------------------------------------------ resolve


@pytest.mark.parametrize(
    ("value", "iso3"),
    [
        ("IND", "IND"),
        ("ind", "IND"),
        ("IN", "IND"),
        ("356", "IND"),
        ("643", "RUS"),
        ("8", "ALB"),
        ("008", "ALB"),
        ("India", "IND"),
        ("  india  ", "IND"),
        ("Russian Federation", "RUS"),
        ("Russia", "RUS"),
        ("USA", "USA"),
        ("United States of America", "USA"),
        ("UK", "GBR"),
        ("United Kingdom", "GBR"),
        ("South Korea", "KOR"),
        ("Korea, Republic of", "KOR"),
        ("Republic of Korea", "KOR"),
        ("North Korea", "PRK"),
        ("Iran", "IRN"),
        ("Iran (Islamic Republic of)", "IRN"),
        ("Vietnam", "VNM"),
        ("Viet Nam", "VNM"),
        ("Turkey", "TUR"),
        ("Türkiye", "TUR"),
        ("TURKIYE", "TUR"),
        ("Côte d'Ivoire", "CIV"),
        ("Cote d Ivoire", "CIV"),
        ("St. Lucia", "LCA"),
        ("Bosnia & Herzegovina", "BIH"),
        ("Democratic Republic of the Congo", "COD"),
        ("Congo", "COG"),
        ("Niger", "NER"),
        ("Nigeria", "NGA"),
        ("Taiwan", "TWN"),
        ("Kosovo", "XKX"),
        ("World", "WLD"),
        ("SUN", "SUN"),
    ],
)
def test_resolve_english_and_codes(value, iso3):
    assert c.resolve(value) == iso3


@pytest.mark.parametrize(
    ("value", "iso3"),
    [
        ("Индия", "IND"),
        ("Российская Федерация", "RUS"),
        ("Россия", "RUS"),
        ("Китай", "CHN"),
        ("США", "USA"),
        ("Соединенные Штаты Америки", "USA"),
        ("Казахстан", "KAZ"),
        ("Беларусь", "BLR"),
        ("Белоруссия", "BLR"),
        ("Республика Беларусь", "BLR"),
        ("Германия", "DEU"),
        ("Киргизия", "KGZ"),
        ("Кыргызстан", "KGZ"),
        ("Армения", "ARM"),
        ("Молдавия", "MDA"),
        ("Республика Молдова", "MDA"),
        ("Узбекистан", "UZB"),
        ("Туркменистан", "TKM"),
        ("Южная Корея", "KOR"),
        ("КНДР", "PRK"),
        ("Великобритания", "GBR"),
        ("Турция", "TUR"),
        ("Вьетнам", "VNM"),
        ("Иран", "IRN"),
        ("Объединенные Арабские Эмираты", "ARE"),
        ("Кот-д’Ивуар", "CIV"),
    ],
)
def test_resolve_russian(value, iso3):
    assert c.resolve(value) == iso3


def test_shared_russian_and_english_names_never_resolve_wrongly(data_dir):
    """Names from an independent M49 table: resolved ones must be right; most resolve."""
    rows = _read(data_dir / RU_CODES)
    for column, floor in (("name_en", 0.98), ("name_ru", 0.95)):
        resolved = 0
        for row in rows:
            got = c.try_resolve(row[column])
            assert got in (None, row["ISO-alpha3 code"]), (row[column], got)
            resolved += got is not None
        assert resolved / len(rows) >= floor, column


def test_m49_codes_match_shared_table(data_dir):
    for row in _read(data_dir / RU_CODES):
        assert c.m49(row["ISO-alpha3 code"]) == int(row["M49 code"]), row
        assert c.resolve(row["M49 code"]) == row["ISO-alpha3 code"], row


def test_unknown_name_raises_with_suggestions():
    with pytest.raises(CatalogError) as info:
        c.resolve("Rusia")
    message = str(info.value)
    assert "`Rusia`" in message and "did you mean" in message and "(RUS)" in message
    assert "\n" not in message
    assert message.count("(") <= 3
    assert c.try_resolve("Rusia") is None


@pytest.mark.parametrize("value", ["", "   ", "Atlantis", "Korea", "699", "0"])
def test_unknown_values(value):
    assert c.try_resolve(value) is None
    with pytest.raises(CatalogError):
        c.resolve(value)


def test_comtrade_number_hint():
    with pytest.raises(CatalogError, match="from_comtrade_code"):
        c.resolve("699")


# ------------------------------------------------------------------ Comtrade codes


@pytest.mark.parametrize(
    ("code", "iso3"),
    [
        (699, "IND"),
        ("699", "IND"),
        (356, "IND"),
        (842, "USA"),
        (840, "USA"),
        (251, "FRA"),
        (757, "CHE"),
        (579, "NOR"),
        (381, "ITA"),
        (490, "TWN"),
        (643, "RUS"),
        (0, "WLD"),
        (899, c.UNSPECIFIED),
        (837, c.UNSPECIFIED),
        (838, c.UNSPECIFIED),
        (839, c.UNSPECIFIED),
        (568, c.UNSPECIFIED),
        (492, c.UNSPECIFIED),
        (412, "XKX"),
        (530, "ANT"),
        (810, "SUN"),
    ],
)
def test_from_comtrade_code(code, iso3):
    assert c.from_comtrade_code(code) == iso3


@pytest.mark.parametrize("code", [97, 975, 1, 9999, "x"])
def test_from_comtrade_code_unknown(code):
    with pytest.raises(CatalogError):
        c.from_comtrade_code(code)


def test_comtrade_reference_table(data_dir):
    """Every Comtrade partner code with a real ISO3 maps to it; 'nes' areas to XXX."""
    # World; "Other Asia, nes" is Taiwan; "Europe EU, nes" is listed with iso_3 MCO
    overrides = {"0": "WLD", "490": "TWN", "492": c.UNSPECIFIED}
    for row in _read(data_dir / COMTRADE_PARTNERS):
        code, iso3, label = row["id"], row["iso_3"].strip(), row["country"]
        got = c.from_comtrade_code(code)
        if code in overrides:
            assert got == overrides[code]
        elif iso3 in CURRENT or iso3 in WITHDRAWN:
            assert got == iso3, (code, label)
        elif "nes" in label.replace(",", " ").split():
            assert got == c.UNSPECIFIED, (code, label)
        else:
            assert got in c.SPECIAL_CODES or got in WITHDRAWN, (code, label, got)


# ------------------------------------------------------------------ m49, name, table


def test_m49_and_names():
    assert c.m49("IND") == 356
    assert c.m49("rus") == 643
    assert c.m49("WLD") == 1
    assert c.m49(c.UNSPECIFIED) is None
    assert c.m49("ANT") == 530
    assert c.name("IND") == "India"
    assert c.name("KOR") == "South Korea"
    assert c.name("IND", lang="ru") == "Индия"
    assert c.name("RUS", lang="ru") == "Российская Федерация"
    assert c.name("USA", lang="ru") == "Соединённые Штаты"
    assert c.name("IRN", lang="ru") == "Иран"  # no stress marks from the catalogue
    assert c.name(c.UNSPECIFIED) == "Unspecified"
    assert c.name("ANT", lang="ru") == "Нидерландские антильские острова"
    with pytest.raises(InputError, match="lang"):
        c.name("IND", lang="de")  # type: ignore[arg-type]
    with pytest.raises(CatalogError, match="`ZZZ`"):
        c.m49("ZZZ")


def test_country_table():
    table = c.country_table()
    codes = [row["iso3"] for row in table]
    assert len(codes) == len(set(codes))
    assert CURRENT | {"XXX", "WLD"} <= set(codes)
    assert all(set(row) == {"iso3", "m49", "name_en", "name_ru"} for row in table)
    by_code = {row["iso3"]: row for row in table}
    assert by_code["IND"] == {"iso3": "IND", "m49": 356, "name_en": "India", "name_ru": "Индия"}
    assert by_code["XXX"]["m49"] is None
    for record in pycountry.countries:
        assert by_code[record.alpha_3]["m49"] == int(record.numeric)
        assert by_code[record.alpha_3]["name_ru"]
    assert set(c.eidb_partner_map().values()) <= set(codes)


# ------------------------------------------------------------------ groups

CIS_2010 = {"ARM", "AZE", "BLR", "KAZ", "KGZ", "MDA", "RUS", "TJK", "TKM", "UKR", "UZB"}
EU27_2024 = {
    "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN",
    "IRL", "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP",
    "SWE",
}  # fmt: skip


def test_groups_listed():
    assert set(c.groups()) == {"CIS", "CIS_BALTICS", "EAEU", "EU27", "EU", "BRICS"}


@pytest.mark.parametrize(
    ("group", "on", "expected"),
    [
        ("CIS", date(2009, 8, 17), CIS_2010 | {"GEO"}),
        ("CIS", date(2009, 8, 18), CIS_2010),
        ("CIS", date(2010, 1, 1), CIS_2010),
        ("CIS", date(2018, 5, 18), CIS_2010),
        ("CIS", date(2018, 5, 19), CIS_2010 - {"UKR"}),
        ("CIS", date(2024, 1, 1), CIS_2010 - {"UKR"}),
        ("CIS_BALTICS", date(2024, 1, 1), CIS_2010 | {"GEO", "EST", "LVA", "LTU"}),
        ("CIS_BALTICS", date(2000, 1, 1), CIS_2010 | {"GEO", "EST", "LVA", "LTU"}),
        ("EAEU", date(2014, 12, 31), set()),
        ("EAEU", date(2015, 1, 1), {"RUS", "BLR", "KAZ"}),
        ("EAEU", date(2015, 6, 1), {"RUS", "BLR", "KAZ", "ARM"}),
        ("EAEU", date(2016, 1, 1), {"RUS", "BLR", "KAZ", "ARM", "KGZ"}),
        ("EU27", date(2010, 1, 1), EU27_2024 - {"HRV"}),
        ("EU27", date(2013, 7, 1), EU27_2024),
        ("EU27", date(2006, 12, 31), EU27_2024 - {"HRV", "BGR", "ROU"}),
        ("EU", date(2019, 6, 1), EU27_2024 | {"GBR"}),
        ("EU", date(2020, 1, 31), EU27_2024 | {"GBR"}),
        ("EU", date(2020, 2, 1), EU27_2024),
        ("BRICS", date(2009, 1, 1), set()),
        ("BRICS", date(2010, 1, 1), {"BRA", "RUS", "IND", "CHN"}),
        ("BRICS", date(2023, 6, 1), {"BRA", "RUS", "IND", "CHN", "ZAF"}),
        ("BRICS", date(2024, 6, 1), {"BRA", "RUS", "IND", "CHN", "ZAF", "EGY", "ETH", "IRN", "ARE"}),
        (
            "BRICS",
            date(2025, 6, 1),
            {"BRA", "RUS", "IND", "CHN", "ZAF", "EGY", "ETH", "IRN", "ARE", "IDN"},
        ),
    ],
)
def test_group_members_on(group, on, expected):
    assert c.group_members(group, on=on) == frozenset(expected)


def test_group_members_today_and_case():
    assert c.group_members("eu27") == frozenset(EU27_2024)
    assert "SAU" not in c.group_members("BRICS")
    assert "GBR" not in c.group_members("EU")
    assert isinstance(c.group_members("CIS"), frozenset)


def test_group_membership_rows():
    rows = c.group_membership("CIS")
    assert all(set(row) == {"iso3", "start", "end", "status"} for row in rows)
    tkm = sorted((r for r in rows if r["iso3"] == "TKM"), key=lambda r: r["start"])
    assert [(r["start"], r["end"], r["status"]) for r in tkm] == [
        (date(1991, 12, 21), date(2005, 8, 25), "participant"),
        (date(2005, 8, 26), None, "associate"),
    ]
    geo = [r for r in rows if r["iso3"] == "GEO"]
    assert geo == [
        {"iso3": "GEO", "start": date(1993, 12, 3), "end": date(2009, 8, 17), "status": "member"}
    ]
    strict = {r["iso3"] for r in rows if r["status"] == "member" and r["end"] is None}
    assert strict == CIS_2010 - {"TKM", "UKR"}
    rows[0]["iso3"] = "ZZZ"  # a copy: the catalogue is unchanged
    assert "ZZZ" not in c.group_members("CIS")
    eaeu = {r["iso3"]: (r["start"], r["end"]) for r in c.group_membership("EAEU")}
    assert eaeu == {
        "RUS": (date(2015, 1, 1), None),
        "BLR": (date(2015, 1, 1), None),
        "KAZ": (date(2015, 1, 1), None),
        "ARM": (date(2015, 1, 2), None),
        "KGZ": (date(2015, 8, 12), None),
    }
    gbr = [r for r in c.group_membership("EU") if r["iso3"] == "GBR"]
    assert [(r["start"], r["end"]) for r in gbr] == [(date(1973, 1, 1), date(2020, 1, 31))]


def test_members_during_and_on_period_end():
    year = {"start": date(2015, 1, 1), "end": date(2015, 12, 31)}
    assert c.members_during("EAEU", **year) == {"RUS", "BLR", "KAZ", "ARM", "KGZ"}
    assert c.members_on_period_end("EAEU", **year) == {"RUS", "BLR", "KAZ", "ARM", "KGZ"}
    h1 = {"start": date(2015, 1, 1), "end": date(2015, 6, 30)}
    assert c.members_during("EAEU", **h1) == {"RUS", "BLR", "KAZ", "ARM"}
    fy = {"start": date(2009, 4, 1), "end": date(2010, 3, 31)}  # Indian FY 2009-10
    assert c.members_during("CIS", **fy) == CIS_2010 | {"GEO"}
    assert c.members_on_period_end("CIS", **fy) == CIS_2010
    y2020 = {"start": date(2020, 1, 1), "end": date(2020, 12, 31)}
    assert "GBR" in c.members_during("EU", **y2020)
    assert "GBR" not in c.members_on_period_end("EU", **y2020)
    with pytest.raises(InputError, match="after"):
        c.members_during("EU", start=date(2020, 2, 1), end=date(2020, 1, 1))


def test_unknown_group_lists_valid_ones():
    with pytest.raises(CatalogError) as info:
        c.group_members("ASEAN")
    assert "`ASEAN`" in str(info.value) and "EAEU" in str(info.value) and "BRICS" in str(info.value)
    with pytest.raises(CatalogError):
        c.group_membership("SCO")
