from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import duckdb
import ibis
import pytest

from medtrade.catalog import hs
from medtrade.catalog.segments import Segment, describe_segment, load_segment, presets
from medtrade.errors import InputError

EXPECTED_PRESETS = {
    "pharma": ("30",),
    "medicaments": ("3003", "3004"),
    "vaccines_blood": ("3002",),
    "api_core": ("2936", "2937", "2939", "2941"),
    "medical_devices_core": ("9018", "9019", "9020", "9021", "9022"),
    "medical_devices": (
        "9018", "9019", "9020", "9021", "9022", "3005", "3006", "3822", "4015", "9402",
    ),
}

CODES = [
    "30", "3004", "300490", "30049099", "30049011", "3004900002", "30041000", "300241",
    "30022000", "3003", "29411000", "2941", "29362100", "2939", "29", "90183100", "9018",
    "9022140000", "90211000", "40151200", "94029000", "38221900", "30051000", "3006",
    "90", "3", "XXXXXXXXXX", "3004XX99", "30 04", "", None,
]

USER_YAML = """\
name: my_medicines
title: Medicaments without 3004.90, plus syringes
include: ["3004", "901831"]
exclude: ["300490", "90183110"]
source: test
"""


def _write(tmp_path: Path, text: str, name: str = "seg.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- presets ---------------------------------------------------------------------------


def test_presets_are_exactly_the_documented_ones():
    found = {seg.name: seg for seg in presets()}
    assert set(found) == set(EXPECTED_PRESETS)
    for name, include in EXPECTED_PRESETS.items():
        seg = found[name]
        assert seg.include == include, name
        assert seg.exclude == ()
        assert seg.version == "2026.1"
        assert seg.title and seg.description and seg.source
        assert Path(seg.path).name == f"{name}.yaml"
        assert load_segment(name) == seg


def test_core_devices_is_a_subset_of_devices():
    core = load_segment("medical_devices_core").include
    assert load_segment("medical_devices").include[: len(core)] == core


def test_unknown_preset_lists_presets():
    with pytest.raises(InputError) as info:
        load_segment("pharmaceuticals")
    message = str(info.value)
    assert "pharmaceuticals" in message
    assert all(name in message for name in EXPECTED_PRESETS)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_segment(str(tmp_path / "nope.yaml"))


# --- matching ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code", "expected"),
    [
        ("pharma", "30049099", True),
        ("pharma", "30", True),
        ("pharma", "3", False),
        ("pharma", "29411000", False),
        ("pharma", "XXXXXXXXXX", False),
        ("pharma", "30XX", False),
        ("pharma", "", False),
        ("pharma", None, False),
        ("medicaments", "3003", True),
        ("medicaments", "3002", False),
        ("medicaments", "30", False),  # a chapter total is not inside 3003/3004
        ("vaccines_blood", "30024100", True),
        ("api_core", "2938", False),
        ("medical_devices", "40151200", True),
        ("medical_devices_core", "40151200", False),
    ],
)
def test_preset_matches(name, code, expected):
    assert load_segment(name).matches(code) is expected


def test_user_yaml_include_and_exclude(tmp_path):
    path = _write(tmp_path, USER_YAML)
    seg = load_segment(str(path))
    assert seg.name == "my_medicines"
    assert seg.include == ("3004", "901831") and seg.exclude == ("300490", "90183110")
    assert seg.path == str(path)
    assert seg.version.startswith("file-")  # no version in the file: a content hash
    assert seg.description == "" and seg.source == "test"
    assert load_segment(path) == seg  # Path objects are accepted too
    assert seg.matches("30041000") and seg.matches("3004100000")
    assert not seg.matches("30049099") and not seg.matches("300490")
    assert seg.matches("90183190") and not seg.matches("9018311000")
    assert not seg.matches("9018")  # shorter than the include prefix
    assert seg.matches("3004")  # an HS4 total cannot be split: documented caveat


def test_user_version_changes_with_content(tmp_path):
    a = load_segment(str(_write(tmp_path, USER_YAML, "a.yaml")))
    b = load_segment(str(_write(tmp_path, USER_YAML.replace("90183110", "90183120"), "b.yaml")))
    assert a.version != b.version
    explicit = load_segment(str(_write(tmp_path, USER_YAML + 'version: "7"\n', "c.yaml")))
    assert explicit.version == "7"


def _segments(tmp_path: Path) -> list[Segment]:
    return [*presets(), load_segment(str(_write(tmp_path, USER_YAML)))]


def test_sql_predicate_agrees_with_matches(tmp_path):
    con = duckdb.connect()
    con.execute("CREATE TABLE t (i INTEGER, code VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", list(enumerate(CODES)))
    for seg in _segments(tmp_path):
        expected = [seg.matches(c) for c in CODES]
        rows = con.execute(f"SELECT {seg.sql_predicate('code')} FROM t ORDER BY i").fetchall()
        assert [r[0] for r in rows] == expected, seg.name
        kept = con.execute(f"SELECT i FROM t WHERE {seg.sql_predicate('code')} ORDER BY i")
        assert [r[0] for r in kept.fetchall()] == [i for i, m in enumerate(expected) if m]


def test_ibis_predicate_agrees_with_matches(tmp_path):
    con = ibis.duckdb.connect()
    t = ibis.memtable(
        {"i": list(range(len(CODES))), "code": CODES}, schema={"i": "int64", "code": "string"}
    )
    for seg in _segments(tmp_path):
        expected = [i for i, c in enumerate(CODES) if seg.matches(c)]
        got = con.execute(t.filter(seg.ibis_predicate(t.code)).order_by("i").select("i"))
        assert got["i"].tolist() == expected, seg.name
        flags = con.execute(t.order_by("i").select(m=seg.ibis_predicate(t.code)))
        assert flags["m"].tolist() == [seg.matches(c) for c in CODES]


def test_segment_validates_codes_so_sql_is_safe():
    with pytest.raises(InputError, match="include"):
        Segment("x", "1", "X", "", include=("30') OR true --",))
    with pytest.raises(InputError, match="exclude"):
        Segment("x", "1", "X", "", include=("30",), exclude=("3004'",))


def test_segment_is_frozen_and_deduplicates():
    seg = Segment("x", "1", "X", "", include=["30", "30"], exclude=["3004"])
    assert seg.include == ("30",) and seg.exclude == ("3004",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        seg.name = "y"  # type: ignore[misc]


def test_definition_is_json(tmp_path):
    seg = load_segment(str(_write(tmp_path, USER_YAML)))
    definition = json.loads(json.dumps(seg.definition()))
    assert definition == {
        "name": "my_medicines",
        "version": seg.version,
        "title": "Medicaments without 3004.90, plus syringes",
        "include": ["3004", "901831"],
        "exclude": ["300490", "90183110"],
    }


def test_describe_segment(tmp_path):
    rows = describe_segment(load_segment("medicaments"))
    assert rows == [
        {"prefix": "3003", "role": "include", "description": hs.describe("3003")},
        {"prefix": "3004", "role": "include", "description": hs.describe("3004")},
    ]
    assert rows[1]["description"].startswith("Medicaments")
    user = describe_segment(load_segment(str(_write(tmp_path, USER_YAML))))
    assert [(r["prefix"], r["role"]) for r in user] == [
        ("3004", "include"), ("901831", "include"), ("300490", "exclude"), ("90183110", "exclude"),
    ]
    assert user[1]["description"] == hs.describe("901831") is not None
    assert user[3]["description"] is None  # 8-digit national line: no HS2022 text


# --- malformed files ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("name: x\ninclude: [3004]\n", ["`include`", "3004", "quote"]),
        ("name: x\ninclude: [\"3004\", 0101]\n", ["`include`", "65", "quote"]),  # YAML octal
        ("name: x\ninclude: [\"30a4\"]\n", ["`include`", "30a4"]),
        ("name: x\ninclude: [\"3\"]\n", ["`include`", "'3'", "2 to 10"]),
        ("name: x\ninclude: [\"30041234567\"]\n", ["`include`", "30041234567"]),
        ("name: x\ninclude: \"3004\"\n", ["`include`", "list"]),
        ("name: x\ninclude: []\n", ["`include`", "missing"]),
        ("name: x\n", ["`include`", "missing"]),
        ("include: [\"30\"]\n", ["`name`", "missing"]),
        ("name: 5\ninclude: [\"30\"]\n", ["`name`", "5"]),
        ("name: x\nversion: 2026.1\ninclude: [\"30\"]\n", ["`version`", "2026.1", "quote"]),
        ("name: x\ninclude: [\"30\"]\nexlude: [\"3004\"]\n", ["exlude", "valid fields"]),
        ("name: x\ninclude: [\"3004\"]\nexclude: [\"9018\"]\n", ["`exclude`", "9018"]),
        ("name: x\ninclude: [\"3004\"]\nexclude: [\"3004\"]\n", ["`exclude`", "3004"]),
        ("name: x\ninclude: [\"3004\"]\nexclude: [300490]\n", ["`exclude`", "300490", "quote"]),
        ("name: x\ninclude: [\"3004\"\n", ["not valid YAML"]),
        ("- 3004\n- 3003\n", ["mapping"]),
        ("name: x\ninclude: [\"30\"]\nsource: [a]\n", ["`source`"]),
    ],
)
def test_malformed_yaml(tmp_path, text, fragments):
    path = _write(tmp_path, text, "bad.yaml")
    with pytest.raises(InputError) as info:
        load_segment(str(path))
    message = str(info.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message, message
