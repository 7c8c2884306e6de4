"""Target feasibility and share forecasts."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medtrade.forecast.intervals import Conformal
from medtrade.forecast.series import Series
from medtrade.forecast.share import expit, forecast_share, logit
from medtrade.forecast.target import base_rate, required_cagr


@pytest.fixture(scope="module")
def tripling(loaded_warehouse: Path):
    from medtrade.verbs.forecast import run_target
    from medtrade.warehouse.store import Warehouse

    with Warehouse(loaded_warehouse, read_only=True) as wh:
        return {m: run_target(wh, exporter="IND", importer="RUS", segment="medical_devices", base="FY2022-23",
                              multiple=m, years=5) for m in (1.5, 3)}


def test_tripling_in_five_years_needs_24_6_pct(tripling, india_raw):
    summary = tripling[3].rows[-1]
    assert summary["required_cagr_pct"] == pytest.approx(100 * (3 ** (1 / 5) - 1), abs=0.01)
    assert round(summary["required_cagr_pct"], 1) == 24.6
    # The base value recomputed from the raw file: medical_devices codes to Russia in FY2022-23.
    from medtrade.catalog.segments import load_segment

    seg = load_segment("medical_devices")
    raw = india_raw[(india_raw["partner"] == "RUSSIA") & (india_raw["fy"] == "2022-23")]
    base = raw[raw["hs8"].map(seg.matches)]["value_usd_mn"].sum()
    assert summary["base_value"] == pytest.approx(base, abs=1e-6)
    assert 0.0 <= summary["p_at_or_above_needed"] <= 1.0
    assert 0.0 <= summary["base_rate_pct"] <= 100.0 and summary["base_rate_cases"] > 0
    periods = [r["period"] for r in tripling[3].rows[:-1]]
    assert periods[0] == "FY2022-23" and periods[-1] == "FY2027-28"


def test_probability_falls_as_the_multiple_rises(tripling):
    assert tripling[1.5].rows[-1]["p_at_or_above_needed"] >= tripling[3].rows[-1]["p_at_or_above_needed"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=5, max_size=80), st.floats(0, 100), st.floats(0.01, 10),
       st.integers(1, 8), st.floats(0, 200), st.floats(0, 200))
def test_conformal_probability_is_a_monotone_probability(errors, point, scale, horizon, a, b):
    rec = pd.DataFrame({"kind": "regular", "horizon": 1, "actual": np.array(errors), "forecast": 0.0, "scale": 1.0})
    cal = Conformal.fit(rec)
    pa, _ = cal.prob_at_least(point, scale, "regular", horizon, min(a, b))
    pb, _ = cal.prob_at_least(point, scale, "regular", horizon, max(a, b))
    assert 0.0 <= pb <= pa <= 1.0


@given(st.floats(0.1, 20), st.integers(1, 30))
def test_required_cagr_compounds_back(multiple, years):
    assert (1 + required_cagr(multiple, years)) ** years == pytest.approx(multiple)


def test_base_rate_counts_windows():
    panel = pd.DataFrame([[10, 20, 40], [10, 11, 12], [100, 300, 900]])
    br = base_rate(panel, base_value=10, cagr=0.5, years=2)
    assert (br.flows, br.reached, br.window) == (2, 1, 2)
    assert math.isclose(br.share, 0.5)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=12))
def test_share_forecasts_stay_in_0_1(shares):
    s = Series("s", {}, [str(2000 + i) for i in range(len(shares))], np.array(shares))
    f = forecast_share(s, h=4, windows=3)
    for arr in (f.mean, *f.lo.values(), *f.hi.values()):
        assert np.all((arr >= 0) & (arr <= 1))


def test_logit_round_trip():
    p = np.array([0.01, 0.5, 0.9])
    assert np.allclose(expit(logit(p)), p)
