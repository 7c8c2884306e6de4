"""Short, zero-heavy and constant series get a forecast with a stated fallback, never an exception."""

from __future__ import annotations

import numpy as np
import pytest

from medtrade.forecast.backtest import backtest
from medtrade.forecast.models import METHODS, classify, forecast_series
from medtrade.forecast.select import evaluate
from medtrade.forecast.series import Series, regular_series

ODD = {
    "one point": [5.0],
    "two points": [5.0, 7.0],
    "three points": [0.0, 2.0, 3.0],
    "constant": [4.0] * 7,
    "all zero": [0.0] * 7,
    "zero heavy": [0.0, 0.0, 0.3, 0.0, 0.0, 0.0, 0.1],
    "dead": [3.0, 2.0, 1.0, 0.0, 0.0, 0.0, 0.0],
    "six points": [1.0, 2.0, 4.0, 3.0, 5.0, 6.0],
}


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("name", sorted(ODD))
def test_every_method_forecasts_odd_series(name, method):
    y = np.array(ODD[name])
    f = forecast_series(y, h=5, method=method, levels=(80, 95))
    assert f.mean.shape == (5,) and np.all(np.isfinite(f.mean)) and np.all(f.mean >= 0)
    assert f.model
    if method in ("ets", "theta", "arima") and len(y) < 4:
        assert f.fallback, "a skipped model must say why"


def test_ets_on_six_points_says_it_fell_back_to_ses():
    f = forecast_series(np.array(ODD["six points"]), h=3, method="ets")
    assert f.model == "SES" and "AutoETS needs at least 7 points (has 6)" in f.fallback


@pytest.mark.parametrize(("name", "kind"), [("constant", "constant"), ("all zero", "zero"), ("one point", "constant"), ("three points", "short"),
                                            ("zero heavy", "intermittent"), ("dead", "intermittent")])
def test_classify(name, kind):
    assert classify(np.array(ODD[name]))[0] == kind


def test_odd_series_through_backtest_and_choice():
    series = [Series(name, {}, [str(i) for i in range(len(v))], np.array(v)) for name, v in ODD.items()]
    rec = backtest(series, h=3, windows=3)
    assert set(rec["uid"]) <= set(ODD)
    ev = evaluate(series, h=3, windows=3, model_interval_series=0)
    assert ev.selection["constant"] == "naive" and ev.selection["zero"] == "naive"


def test_regular_series_fills_zeros_and_trims_leading():
    s = regular_series({"2019": 1.0, "2021": 2.0}, labels=["2018", "2019", "2020", "2021", "2022"])
    assert s.labels == ["2019", "2020", "2021", "2022"] and s.y.tolist() == [1.0, 0.0, 2.0, 0.0]
