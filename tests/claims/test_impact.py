"""`impact` on a real event of the shipped file and the real monthly data; actuals recomputed with pandas."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from medtrade.errors import InputError
from medtrade.verbs.impact import run_impact
from medtrade.warehouse.store import Warehouse


def event_id(wh: Warehouse, words: str) -> int:
    return wh.con.execute("SELECT event_id FROM events WHERE title LIKE ?", [f"%{words}%"]).fetchone()[0]


@pytest.fixture(scope="module")
def wh(demo_warehouse: Path):  # noqa: ANN201
    with Warehouse(demo_warehouse, read_only=True) as warehouse:
        yield warehouse


def monthly_exports(raw: pd.DataFrame, prefixes: tuple[str, ...]) -> pd.Series:
    """India's exports to Russia per month in US$ mn, from India's own monthly statistics (MIRROR, ИМ)."""
    rows = raw[(raw.source == "MIRROR") & (raw.napr_ru == "ИМ") & raw.hs_code.str.startswith(prefixes)]
    return rows.groupby("period").value_usd.sum() / 1e6


def test_device_exports_around_the_aimed_drisp_mou(wh: Warehouse, monthly_raw: pd.DataFrame) -> None:
    """The MoU is dated 2023 (year precision): pre = up to 2022-12, 2023 is 'during', post = from 2024-01."""
    devices = ("9018", "9019", "9020", "9021", "9022", "3005", "3006", "3822", "4015", "9402")
    expected = monthly_exports(monthly_raw, devices)
    result = run_impact(wh, event=event_id(wh, "DRISP"), exporter="IND", importer="RUS", segment="medical_devices")
    rows = {r["period"]: r for r in result.rows if not r["phase"].startswith("summary")}
    for period, row in rows.items():
        assert row["actual"] == pytest.approx(expected.get(period, 0.0), abs=1e-6), period
        assert row["phase"] == ("pre" if period < "2023-01" else "during" if period < "2024-01" else "post")
    post = [r for r in rows.values() if r["phase"] == "post"]
    during = [r for r in rows.values() if r["phase"] == "during"]
    # The forecast starts right after the last pre-event month: 12 steps through 2023, then the post months.
    assert [r["period"] for r in during] == [f"2023-{m:02d}" for m in range(1, 13)]
    assert all(r["forecast"] is not None for r in during + post)
    assert all(r["forecast"] is None for r in rows.values() if r["phase"] == "pre")
    assert [r["period"] for r in post] == [p for p in expected.index if p >= "2024-01"]  # data end 2024-03
    assert [r["period"] for r in rows.values() if r["phase"] == "pre"][-1] == "2022-12"
    for r in post:  # forecast from pre-event data only, intervals nested, gap and flags consistent
        assert r["lo_95"] <= r["lo_80"] <= r["forecast"] <= r["hi_80"] <= r["hi_95"]
        assert r["gap"] == pytest.approx(r["actual"] - r["forecast"])
        assert r["outside_80"] == (not r["lo_80"] <= r["actual"] <= r["hi_80"])
    summary = {r["phase"]: r for r in result.rows if r["phase"].startswith("summary")}
    k = len(post)
    pre_months = [p for p in expected.index if p < "2023-01"][-k:]
    assert summary["summary_pre"]["actual"] == pytest.approx(expected[pre_months].mean())
    assert summary["summary_post"]["actual"] == pytest.approx(expected[[r["period"] for r in post]].mean())
    assert any("association, not proof" in n for n in result.notes)
    assert "from 156 pre-event periods (2010-01..2022-12) only" in " ".join(result.notes)


def test_pharma_after_the_2019_measles_shipment_forecast_from_earlier_months(wh: Warehouse,
                                                                             monthly_raw: pd.DataFrame) -> None:
    expected = monthly_exports(monthly_raw, ("30",))
    eid = event_id(wh, "measles")
    result = run_impact(wh, event=eid, exporter="IND", importer="RUS", segment="pharma", horizon=12)
    post = [r for r in result.rows if r["phase"] == "post"]
    assert post[0]["period"] == "2020-01"
    assert [r["period"] for r in post if r["forecast"] is not None] == [f"2020-{m:02d}" for m in range(1, 13)]
    for r in post:
        assert r["actual"] == pytest.approx(expected[r["period"]], abs=1e-6)
    # The model saw the months before 2019 only (the event's year is "during": in neither side).
    before = [p for p in expected.index if p < "2019-01"]
    assert f"from {len(before)} pre-event periods ({before[0]}..{before[-1]}) only" in " ".join(result.notes)
    assert all(r["phase"] == "during" for r in result.rows if r["period"].startswith("2019-"))


def test_an_event_after_the_data_is_one_clear_error(wh: Warehouse, run_medtrade, demo_warehouse: Path) -> None:  # noqa: ANN001
    agreement = event_id(wh, "cooperation agreement")
    with pytest.raises(InputError, match="no month data after the event .2025-12-05.; the data end in 2024-03"):
        run_impact(wh, event=agreement, exporter="IND", importer="RUS")
    with pytest.raises(InputError, match="no event with id 999"):
        run_impact(wh, event=999, exporter="IND", importer="RUS")
    done = run_medtrade("impact", "--event", event_id(wh, "DRISP"), "--exporter", "IND", "--importer", "RUS",
                        "--segment", "medical_devices", "-w", demo_warehouse, "--format", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["query"]["verb"] == "impact"
