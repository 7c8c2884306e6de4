"""The shipped claim file, checked end to end on the shared data; every settled verdict recomputed with pandas.

Expected values come from the raw files (India's EIDB table, the monthly file, the GRLS flat
CSV, the ECB history) read here with pandas; segment headings and the CIS membership are
written out here (and checked against the presets) rather than taken from medtrade.
Run with ``-s`` to print every verdict.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from medtrade.catalog.segments import load_segment
from medtrade.claims import check_file
from medtrade.claims.engine import NOT_CHECKABLE, VERDICTS
from medtrade.warehouse.store import Warehouse

REPO = Path(__file__).resolve().parents[2]
CLAIMS = REPO / "examples" / "claims" / "india_russia.yaml"
SEGMENTS = {"medical_devices_core": ("9018", "9019", "9020", "9021", "9022"),
            "medical_devices": ("9018", "9019", "9020", "9021", "9022", "3005", "3006", "3822", "4015", "9402")}
ISO3 = {"U S A": "USA", "GERMANY": "DEU", "CHINA P RP": "CHN", "NETHERLAND": "NLD", "RUSSIA": "RUS",
        "BRAZIL": "BRA"}
NOT_A_COUNTRY = {"UNSPECIFIED", "INSTALLATIONS IN INTERNATIONAL WATERS"}
#: CIS on the last day of FY2021-22 and FY2022-23: nine Charter members plus Turkmenistan (associate);
#: Georgia left in 2009, Ukraine stopped participating in 2018.
CIS = {"ARMENIA", "AZERBAIJAN", "BELARUS", "KAZAKHSTAN", "KYRGHYZSTAN", "MOLDOVA", "RUSSIA", "TAJIKISTAN",
       "TURKMENISTAN", "UZBEKISTAN"}


@pytest.fixture(scope="module")
def checked(demo_warehouse: Path) -> dict[str, dict]:
    with Warehouse(demo_warehouse, read_only=True) as wh:
        result = check_file(wh, CLAIMS)
    for r in result.rows:
        print(f"\n{r['id']}: {r['verdict']} | stated {r['stated']} | computed {r['computed']} {r['computed_unit']}")
    return {r["id"]: r for r in result.rows}


def by_country(raw: pd.DataFrame, *, fy: str, prefixes: tuple[str, ...], column: str = "value_usd_mn") -> pd.Series:
    rows = raw[(raw.fy == fy) & raw.hs8.str.startswith(prefixes)]
    return rows.groupby("partner")[column].sum()


def ranked(sums: pd.Series) -> pd.Series:
    return sums.drop([n for n in NOT_A_COUNTRY if n in sums.index]).sort_values(ascending=False, kind="stable")


def outcome(row: dict, definition: str) -> dict:
    return next(d for d in row["definitions"] if d["definition"] == definition)


def test_segment_headings_are_the_presets() -> None:
    for name, headings in SEGMENTS.items():
        assert load_segment(name).include == headings


def test_every_claim_of_the_file_gets_a_verdict(checked: dict[str, dict]) -> None:
    raw = yaml.safe_load(CLAIMS.read_text(encoding="utf-8"))["claims"]
    assert list(checked) == [c["id"] for c in raw]
    assert all(r["verdict"] in VERDICTS and r["explanation"] for r in checked.values())
    for claim in raw:
        if claim["metric"] == "none":  # no loaded data measures it: says what would
            assert checked[claim["id"]]["verdict"] == NOT_CHECKABLE
            assert claim["data_needed"] in checked[claim["id"]]["explanation"]


def test_registered_drugs_of_indian_production(checked: dict[str, dict], data_dir: Path) -> None:
    grls = pd.read_csv(data_dir / "registry/grls_sample_2023/grls_example_flat.csv", dtype=str, keep_default_na=False)
    india = (grls["Страна фирмы-производителя"] == "Индия").mean() * 100
    row = checked["grls-india-share"]
    assert row["computed"] == pytest.approx(india) and row["computed_unit"] == "percent"
    assert row["verdict"] == ("supported" if abs(india - 10) <= 1.0 else "contradicted")  # about 10%: ±10%
    foreign = (grls["Страна фирмы-регистратора"] != "Россия").mean() * 100
    row = checked["grls-foreign-share"]
    assert row["computed"] == pytest.approx(foreign)
    assert row["verdict"] == ("supported" if abs(foreign - 16) <= 1.6 else "contradicted")


@pytest.mark.parametrize(("claim", "partner", "stated"), [("devices-top-usa", "U S A", 668.9),
                                                          ("devices-top-germany", "GERMANY", 176.2),
                                                          ("devices-top-china", "CHINA P RP", 145.6),
                                                          ("devices-top-netherlands", "NETHERLAND", 106.5)])
def test_top_destination_values(checked: dict[str, dict], india_raw: pd.DataFrame, claim: str, partner: str,
                                stated: float) -> None:
    row = checked[claim]
    verdicts = set()
    for segment, headings in SEGMENTS.items():
        value = by_country(india_raw, fy="2022-23", prefixes=headings)[partner]
        got = outcome(row, f"segment={segment}")
        assert got["computed"] == pytest.approx(value, abs=1e-6)
        verdicts.add(got["verdict"])
        assert got["verdict"] == ("supported" if abs(value - stated) <= 0.05 * stated else "contradicted")
    assert row["verdict"] == (verdicts.pop() if len(verdicts) == 1 else "depends on definition")


def test_top_four_order_and_russia_outside_the_top_five(checked: dict[str, dict], india_raw: pd.DataFrame) -> None:
    order, russia = {}, {}
    for segment, headings in SEGMENTS.items():
        ranking = ranked(by_country(india_raw, fy="2022-23", prefixes=headings))
        order[segment] = [ISO3[c] for c in ranking.index[:4]]
        russia[segment] = list(ranking.index).index("RUSSIA") + 1
        assert outcome(checked["devices-top-four-order"], f"segment={segment}")["computed"] == order[segment]
        assert outcome(checked["devices-russia-not-top-five"], f"segment={segment}")["computed"] == russia[segment]
    matches = {s: o == ["USA", "DEU", "CHN", "NLD"] for s, o in order.items()}
    expected = "supported" if all(matches.values()) else "contradicted" if not any(matches.values()) \
        else "depends on definition"
    assert checked["devices-top-four-order"]["verdict"] == expected
    assert checked["devices-russia-not-top-five"]["verdict"] == (
        "supported" if all(r > 5 for r in russia.values()) else "contradicted")


def test_russia_share_of_device_exports_to_the_cis(checked: dict[str, dict], india_raw: pd.DataFrame) -> None:
    row, verdicts = checked["devices-russia-cis-share"], set()
    for segment, headings in SEGMENTS.items():
        for fy in ("2021-22", "2022-23"):
            sums = by_country(india_raw, fy=fy, prefixes=headings)
            share = sums["RUSSIA"] / sums.reindex(sorted(CIS)).fillna(0).sum() * 100
            got = outcome(row, f"segment={segment}, period=FY{fy}")
            assert got["computed"] == pytest.approx(share, abs=1e-4)  # shares are given to 6 decimals
            verdict = "supported" if abs(share - 60) <= 6 else "contradicted"  # "60 per cent": approx, ±10%
            assert got["verdict"] == verdict
            verdicts.add(verdict)
    assert row["verdict"] == (verdicts.pop() if len(verdicts) == 1 else "depends on definition")


def test_device_exports_to_russia_in_inr_and_the_rate_behind_75_million(
        checked: dict[str, dict], india_raw: pd.DataFrame, monthly_raw: pd.DataFrame, inr_per_usd: pd.Series) -> None:
    row = checked["devices-russia-fy2022-23"]
    fy_rate = inr_per_usd["2022-04-01":"2023-03-31"].mean()
    ims = monthly_raw[(monthly_raw.source == "MIRROR") & (monthly_raw.napr_ru == "ИМ")
                      & monthly_raw.period.between("2022-04", "2023-03")]
    for segment, headings in SEGMENTS.items():
        eidb = by_country(india_raw, fy="2022-23", prefixes=headings, column="value_inr_crore")["RUSSIA"]
        got = outcome(row, f"segment={segment}, dataset=in-eidb")
        assert got["computed"] == pytest.approx(eidb, abs=1e-6)  # India publishes INR: no conversion
        usd = ims[ims.hs_code.str.startswith(headings)].value_usd.sum()
        monthly = outcome(row, f"segment={segment}, dataset=in-monthly")
        assert monthly["computed"] == pytest.approx(usd * fy_rate / 1e7, rel=0.02)  # converted month by month
        for value in (eidb, monthly["computed"]):
            assert abs(value - 625.68) > 0.05 * 625.68
    assert row["verdict"] == "contradicted"
    # "Rs 625.68 crore (around $75 million)": 83.42 INR/USD, 2024's average, not FY2022-23's
    year_2024 = inr_per_usd["2024-01-01":"2024-12-31"].mean()
    assert f"imply {625.68e7 / 75e6:.2f} INR/USD" in row["explanation"]
    assert f"FY2022-23's average rate is {fy_rate:.2f}" in row["explanation"]
    assert f"the pair matches the average rate of 2024 ({year_2024:.2f})" in row["explanation"]
    target = checked["devices-russia-2000-crore"]
    assert f"imply {2000e7 / 239e6:.2f} INR/USD" in target["explanation"] and "2024" in target["explanation"]


def test_vaccine_exports_in_2019(checked: dict[str, dict], monthly_raw: pd.DataFrame) -> None:
    ims = monthly_raw[(monthly_raw.source == "MIRROR") & (monthly_raw.napr_ru == "ИМ")
                      & monthly_raw.hs_code.str.startswith("3002")]
    by_year = ims.groupby(ims.period.str[:4]).value_usd.sum()
    change = (by_year["2019"] / by_year["2018"] - 1) * 100
    row = checked["measles-vaccine-2019"]
    assert row["computed"] == pytest.approx(change, abs=1e-6)
    assert row["verdict"] == ("supported" if change > 0 else "contradicted")


def test_russian_import_rankings_are_not_checkable_with_one_supplier_loaded(
        checked: dict[str, dict], monthly_raw: pd.DataFrame) -> None:
    # Russia's own statistics in the shared data list one partner (India): no ranking of suppliers is possible.
    assert set(monthly_raw[monthly_raw.source == "FTS"].partner_iso3) == {"IND"}
    for claim in ("api-india-second-after-china", "finished-drugs-largest-foreign-supplier"):
        row = checked[claim]
        assert row["verdict"] == NOT_CHECKABLE and row["computed"] is None
        assert "To rank, load UN Comtrade data with RUS as reporter" in row["explanation"]
        assert "would settle it: Russian customs imports" in row["explanation"]


def test_targets_get_a_probability_verdict(checked: dict[str, dict]) -> None:
    for claim in ("devices-russia-triple", "devices-russia-2000-crore"):
        row = checked[claim]
        assert 0 <= row["computed"] <= 1 and row["computed_unit"] == "probability"
        assert row["verdict"] == ("supported" if row["computed"] >= 0.5 else "contradicted")
