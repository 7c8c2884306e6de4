"""Share forecasts bounded in [0, 1]: model the logit of the share, transform back.

A share (a partner's part of an exporter's total, a country's part of a registry) cannot
leave [0, 1]; forecasting it directly can. The logit of the share is forecast with the
candidate methods, the one with the lowest backtest MASE on this series is kept, and
the forecast and the model's own interval bounds are transformed back, which keeps
them inside (0, 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from medtrade.forecast.backtest import backtest, summarize
from medtrade.forecast.models import forecast_series
from medtrade.forecast.series import Series

__all__ = ["ShareForecast", "forecast_share", "logit", "share_series"]

#: Shares are clipped to [EPS, 1 - EPS] before the logit (0 and 1 have none).
EPS = 1e-4
CANDIDATES = ("naive", "drift", "ets", "theta")


def logit(p: np.ndarray, /) -> np.ndarray:
    """log(p / (1 - p)) of shares clipped to [EPS, 1 - EPS]."""
    q = np.clip(np.asarray(p, dtype=float), EPS, 1 - EPS)
    return np.log(q / (1 - q))


def expit(z: np.ndarray, /) -> np.ndarray:
    """The inverse of :func:`logit`."""
    return 1 / (1 + np.exp(-np.asarray(z, dtype=float)))


def share_series(part: Series, whole: Series, /) -> Series:
    """part / whole per period over the whole's labels (periods where the whole is zero are dropped)."""
    value = dict(zip(part.labels, part.y))
    labels = [p for p, w in zip(whole.labels, whole.y) if w > 0]
    ratio = np.array([value.get(p, 0.0) / w for p, w in zip(whole.labels, whole.y) if w > 0])
    return Series(f"share:{part.uid}", dict(part.keys), labels, ratio)


@dataclass
class ShareForecast:
    """Share forecast, its bounds (in [0, 1]) and how it was chosen."""

    method: str
    model: str
    fallback: str
    mean: np.ndarray
    lo: dict[int, np.ndarray]
    hi: dict[int, np.ndarray]
    scores: list[dict]


def forecast_share(share: Series, /, *, h: int, windows: int, levels: Sequence[int] = (80, 95),
                   season: int = 1) -> ShareForecast:
    """Forecast a share series on the logit scale; the method is chosen by this series' own backtest."""
    z = Series(share.uid, share.keys, share.labels, logit(share.y))
    scores: list[dict] = []
    method = "naive"
    if len(z.y) >= 4:
        rec = backtest([z], h=h, windows=min(windows, len(z.y) - 2), season=season, methods=list(CANDIDATES),
                       nonneg=False)
        rec = rec.assign(actual=expit(rec["actual"]), forecast=expit(rec["forecast"]))
        rec["scale"] = float(np.mean(np.abs(np.diff(share.y)))) or float("nan")
        table = summarize(rec, by=("method",), levels=())
        scores = table.to_dict("records")
        if table["mase"].notna().any():
            method = str(table.sort_values(["mase", "method"]).iloc[0]["method"])
    f = forecast_series(z.y, h=h, method=method, levels=levels, season=season, nonneg=False)
    lo, hi, fallback = dict(f.lo), dict(f.hi), f.fallback
    if any(not np.all(np.isfinite(b[lv])) for b in (lo, hi) for lv in levels):
        # SES (ets below 7 points) has no intervals of its own: borrow Naive's widths around this forecast.
        g = forecast_series(z.y, h=h, method="naive", levels=levels, season=season, nonneg=False)
        lo = {lv: f.mean + (g.lo[lv] - g.mean) for lv in levels}
        hi = {lv: f.mean + (g.hi[lv] - g.mean) for lv in levels}
        fallback = "; ".join(x for x in (fallback, f"{f.model} has no intervals: Naive's interval widths used") if x)
    return ShareForecast(method, f.model, fallback, expit(f.mean),
                         {lv: expit(lo[lv]) for lv in levels}, {lv: expit(hi[lv]) for lv in levels}, scores)
