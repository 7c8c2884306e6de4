"""Malformed claim and event files: one line naming the file, the line and the problem; exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from medtrade.claims import read_claims
from medtrade.errors import InputError
from medtrade.sources.events_yaml import read_events

GOOD_CLAIM = """\
claims:
  - id: ok
    statement: India exported devices to the US
    source: https://example.org/a
    metric:
      verb: top
      args:
        exporter: IND
        period: FY2022-23
        segment: medical_devices
      row: {partner: USA}
      field: value_usd_mn
    stated: {value: 668.9, unit: usd_mn}
"""

# (what, replace this, with this, line expected, words in the message)
CLAIM_CASES = [
    ("missing field", "    source: https://example.org/a\n", "", 2, ["missing field(s) source"]),
    ("unknown verb", "verb: top", "verb: topp", 6, ["unknown verb `topp`", "valid: flows, top"]),
    ("bad period", "period: FY2022-23", "period: FY2022-25", 9, ["argument `period`", "FY2022-25"]),
    ("bad currency", "unit: usd_mn}", "unit: eur_mn}", 13, ["unknown unit or currency `eur_mn`", "inr_crore"]),
    ("unknown argument", "exporter: IND", "exporterr: IND", 8, ["no argument `exporterr`", "valid:"]),
    ("unknown country", "exporter: IND", "exporter: Atlantis", 8, ["argument `exporter`", "Atlantis"]),
    ("unknown segment", "segment: medical_devices", "segment: gadgets", 10, ["argument `segment`", "gadgets"]),
    ("bad compare", "    stated:", "    compare: about\n    stated:", 13, ["unknown compare `about`"]),
    ("bad definition", "    stated:", "    vary: {dataset: [in-eidb, in-eidbx]}\n    stated:", 13,
     ["vary `dataset`", "unknown dataset `in-eidbx`", "in-monthly"]),
    ("not YAML", "row: {partner: USA}", "row: {partner: USA", 12, ["not valid YAML"]),
]


@pytest.mark.parametrize(("what", "old", "new", "line", "words"), CLAIM_CASES, ids=[c[0] for c in CLAIM_CASES])
def test_malformed_claim_file_names_file_and_line(tmp_path: Path, what: str, old: str, new: str, line: int,
                                                  words: list[str]) -> None:
    assert old in GOOD_CLAIM
    path = tmp_path / "claims.yaml"
    path.write_text(GOOD_CLAIM.replace(old, new), encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_claims(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert all(w in message for w in words), message
    assert "\n" not in message


def test_the_good_claim_file_reads(tmp_path: Path) -> None:
    path = tmp_path / "claims.yaml"
    path.write_text(GOOD_CLAIM, encoding="utf-8")
    (claim,) = read_claims(path)
    assert (claim.verb, claim.args["period"], claim.stated.value, claim.line) == ("top", "FY2022-23", 668.9, 2)


GOOD_EVENTS = """\
events:
  - date: 2025-12-05
    corridor: IND-RUS
    kind: agreement
    title: Health ministries sign a cooperation agreement
    status: done
    source: https://example.org/e
"""

EVENT_CASES = [
    ("missing field", "    status: done\n", "", 2, ["missing field(s) status"]),
    ("bad kind", "kind: agreement", "kind: treaty", 4, ["kind `treaty`", "valid: agreement, mou"]),
    ("bad date", "date: 2025-12-05", "date: 2025-13", 2, ["date `2025-13`"]),
    ("bad status", "status: done", "status: finished", 6, ["status `finished`", "in_progress"]),
    ("bad corridor", "corridor: IND-RUS", "corridor: IND-Narnia", 3, ["corridor `IND-Narnia`"]),
    ("bad source", "source: https://example.org/e", "source: a newspaper", 7, ["not a URL"]),
]


@pytest.mark.parametrize(("what", "old", "new", "line", "words"), EVENT_CASES, ids=[c[0] for c in EVENT_CASES])
def test_malformed_events_file_names_file_and_line(tmp_path: Path, what: str, old: str, new: str, line: int,
                                                   words: list[str]) -> None:
    path = tmp_path / "events.yaml"
    path.write_text(GOOD_EVENTS.replace(old, new), encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_events(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert all(w in message for w in words), message


def test_cli_prints_one_line_and_exits_2(tmp_path: Path, run_medtrade) -> None:  # noqa: ANN001
    claims = tmp_path / "claims.yaml"
    claims.write_text(GOOD_CLAIM.replace("verb: top", "verb: topp"), encoding="utf-8")
    events = tmp_path / "events.yaml"
    events.write_text(GOOD_EVENTS.replace("kind: agreement", "kind: treaty"), encoding="utf-8")
    # The claim file is refused before any warehouse is needed; the events file before anything is written.
    for args, line in ((("claims", "check", claims, "-w", tmp_path / "none.duckdb"), 6),
                       (("events", "load", events, "-w", tmp_path / "w.duckdb"), 4)):
        done = run_medtrade(*args)
        assert done.returncode == 2, done.stderr
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
        assert f"{args[2]}:{line}: " in done.stderr


def test_dates_keep_their_precision() -> None:
    from datetime import date

    from hypothesis import given
    from hypothesis import strategies as st

    from medtrade.sources.events_yaml import date_end, parse_date

    @given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
    def check(d: date) -> None:
        assert parse_date(d.isoformat()) == (d, "day") == parse_date(d)
        first, precision = parse_date(f"{d.year}-{d.month:02d}")
        assert (first, precision) == (d.replace(day=1), "month") and first <= d <= date_end(first, "month")
        first, precision = parse_date(d.year)
        assert (first, precision) == (date(d.year, 1, 1), "year") and d <= date_end(first, "year")

    check()
    for bad in ("2025-02-30", "2025-00", "25-12", "December 2025", True, 2025.5):
        with pytest.raises(InputError):
            parse_date(bad)
