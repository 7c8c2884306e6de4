"""The one-standard-error rule: naive stays unless a candidate beats it clearly across series."""

from __future__ import annotations

import numpy as np
import pandas as pd

from medtrade.forecast.select import advantage, select


def _records(errors: dict[str, np.ndarray], *, series: int, origins: int = 1) -> pd.DataFrame:
    """Backtest rows with absolute errors ``errors[method]`` (one per series x origin), actual 10, scale 1."""
    rows = []
    for method, err in errors.items():
        for i, e in enumerate(err):
            s, o = divmod(i, origins)
            rows.append({"uid": f"s{s}", "origin": f"p{o}", "horizon": 1, "kind": "regular", "method": method,
                         "model": method, "actual": 10.0, "forecast": 10.0 + e, "scale": 1.0, "fold": s % 2})
    assert len(rows) == series * origins * len(errors)
    return pd.DataFrame(rows)


def test_advantage_is_the_paired_mean_with_series_clustered_error():
    rng = np.random.default_rng(7)
    n_series, origins = 6, 3
    naive, theta = rng.uniform(0, 4, n_series * origins), rng.uniform(0, 4, n_series * origins)
    mean, se, points = advantage(_records({"naive": naive, "theta": theta}, series=n_series, origins=origins), "theta")
    d = naive - theta
    centred = d - d.mean()
    sums = [centred[i * origins:(i + 1) * origins].sum() for i in range(n_series)]
    expected_se = np.sqrt(sum(x * x for x in sums) * n_series / (n_series - 1)) / len(d)
    assert points == len(d)
    assert abs(mean - d.mean()) < 1e-12
    assert abs(se - expected_se) < 1e-12


def test_a_candidate_better_on_every_series_replaces_naive():
    rng = np.random.default_rng(1)
    naive = rng.uniform(1, 3, 40)
    theta = naive * 0.8  # 20 % lower error on every series
    assert select(_records({"naive": naive, "theta": theta}, series=40))["regular"] == "theta"


def test_a_candidate_lower_on_average_only_through_one_series_does_not():
    rng = np.random.default_rng(2)
    naive = rng.uniform(1, 3, 40)
    theta = naive + 0.1  # a little worse on 39 series...
    naive[0], theta[0] = 25.0, 0.5  # ...and far better on one jump: a lower mean, but not clearly
    assert theta.mean() < naive.mean()
    assert select(_records({"naive": naive, "theta": theta}, series=40))["regular"] == "naive"
    # Without the margin (the old rule: lowest pooled MASE) theta would have been chosen.
    assert select(_records({"naive": naive, "theta": theta}, series=40), margin=0.0)["regular"] == "theta"
