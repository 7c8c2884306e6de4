"""Forecasting methods over statsforecast models, one series at a time, with a recorded fallback chain.

statsforecast refuses some models on tiny series (AutoETS below 7 points, Theta below 4)
and its ``fallback_model`` writes the fallback's values under the original model's
name. Here each method is a chain of models tried in order; the :class:`Forecast`
names the model that really produced the numbers and why any earlier one was skipped.

Examples
--------
>>> f = forecast_series(np.array([3.0, 4.0, 5.5]), h=2, method="ets")
>>> f.model, f.fallback                                   # doctest: +SKIP
('SES', 'AutoETS needs at least 7 points (has 3)')
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "INTERMITTENT_SHARE",
    "METHODS",
    "Forecast",
    "classify",
    "combine",
    "forecast_series",
    "methods_for",
]

#: A history with at least this share of zero periods is treated as intermittent.
INTERMITTENT_SHARE = 0.3
#: Fewer points than this is "short": only naive and drift are tried.
SHORT = 4
#: statsforecast's AutoETS raises "tiny datasets" below this many points (n <= npars + 4).
ETS_MIN = 7
THETA_MIN = 4

#: Methods and what they are, for output and docs.
METHODS: dict[str, str] = {
    "naive": "last value carried forward (statsforecast Naive)",
    "snaive": "same month last year (statsforecast SeasonalNaive)",
    "drift": "random walk with drift: last value plus the average change (RandomWalkWithDrift)",
    "ets": "exponential smoothing, form chosen by AICc (AutoETS); SES below 7 points",
    "theta": "Theta method (statsforecast Theta, seasonal decomposition for monthly data)",
    "combo": "mean of the ets, theta and drift forecasts",
    "arima": "AutoARIMA (about 85 ms a series on annual data: only for small selections)",
    "croston": "Croston's method with optimised smoothing, for intermittent flows (CrostonOptimized)",
    "tsb": "Teunter-Syntetos-Babai: demand probability times size, for intermittent flows that may die out",
}
#: The methods the ``combo`` method averages.
COMBO = ("ets", "theta", "drift")
#: Candidates per kind of history; the backtest chooses among them.
CANDIDATES: dict[str, tuple[str, ...]] = {
    "regular": ("naive", "drift", "ets", "theta", "combo"),
    "intermittent": ("naive", "drift", "theta", "croston", "tsb"),
    "short": ("naive", "drift"),
}


@dataclass
class Forecast:
    """A point forecast with the model's own intervals, and which model made it.

    Attributes
    ----------
    method : the method asked for (``ets``, ``combo``...).
    model : the model that produced ``mean`` (``AutoETS``, ``SES``, ``Naive``; for ``combo`` the parts).
    fallback : why an earlier model of the chain was not used ("" when none was skipped).
    mean : point forecasts, one per horizon.
    lo, hi : the model's own interval bounds by level (``{80: array}``); NaN where the model has none.
    """

    method: str
    model: str
    fallback: str
    mean: np.ndarray
    lo: dict[int, np.ndarray] = field(default_factory=dict)
    hi: dict[int, np.ndarray] = field(default_factory=dict)


def classify(y: np.ndarray, /) -> tuple[str, str]:
    """Kind of history: ``regular``, ``intermittent``, ``short``, ``constant`` or ``zero``, with the reason."""
    n = len(y)
    if n == 0 or not np.any(y != 0):
        return "zero", f"no non-zero value in {n} periods"
    if np.all(y == y[0]):
        return "constant", f"the same value in all {n} periods"
    if n < SHORT:
        return "short", f"{n} periods (< {SHORT})"
    zeros = float(np.mean(y == 0))
    if zeros >= INTERMITTENT_SHARE:
        return "intermittent", f"{zeros:.0%} of {n} periods are zero (>= {INTERMITTENT_SHARE:.0%})"
    return "regular", f"{n} periods, {zeros:.0%} zero"


def methods_for(kind: str, /, *, arima: bool = False, seasonal: bool = False) -> tuple[str, ...]:
    """Candidate methods for a kind of history (``constant``/``zero`` histories get naive only)."""
    out = CANDIDATES.get(kind, ("naive",))
    if seasonal and kind != "short":
        out = (*out, "snaive")
    if arima and kind == "regular":
        out = (*out, "arima")
    return out


def _sf(name: str, season: int) -> Callable[[], object]:
    from statsforecast import models as m

    makers: dict[str, Callable[[], object]] = {
        "Naive": m.Naive,
        "SeasonalNaive": lambda: m.SeasonalNaive(season_length=season),
        "RandomWalkWithDrift": m.RandomWalkWithDrift,
        "AutoETS": lambda: m.AutoETS(season_length=season),
        "SES": m.SimpleExponentialSmoothingOptimized,
        "Theta": lambda: m.Theta(season_length=season),
        "AutoARIMA": lambda: m.AutoARIMA(season_length=season),
        "CrostonOptimized": m.CrostonOptimized,
        "TSB": lambda: m.TSB(alpha_d=0.2, alpha_p=0.2),
    }
    return makers[name]


#: Which models have intervals of their own in statsforecast (Croston/TSB/SES need conformal ones).
_HAS_INTERVALS = {"Naive", "SeasonalNaive", "RandomWalkWithDrift", "AutoETS", "Theta", "AutoARIMA"}


def _chain(method: str, n: int, season: int) -> list[tuple[str, str]]:
    """(model, reason it is skipped or "") in the order tried."""
    seasonal_ok = season > 1 and n >= 2 * season + 2
    if method == "naive":
        return [("Naive", "")]
    if method == "snaive":
        return [("SeasonalNaive", "" if n >= season else f"SeasonalNaive needs {season} points (has {n})"), ("Naive", "")]
    if method == "drift":
        return [("RandomWalkWithDrift", "" if n >= 2 else f"drift needs 2 points (has {n})"), ("Naive", "")]
    if method == "ets":
        need = max(ETS_MIN, 2 * season + 2 if season > 1 else ETS_MIN)
        if season > 1 and not seasonal_ok:
            need = ETS_MIN
        return [("AutoETS", "" if n >= need else f"AutoETS needs at least {need} points (has {n})"),
                ("SES", "" if n >= 2 else f"SES needs 2 points (has {n})"), ("Naive", "")]
    if method == "theta":
        return [("Theta", "" if n >= THETA_MIN else f"Theta needs at least {THETA_MIN} points (has {n})"), ("Naive", "")]
    if method == "arima":
        return [("AutoARIMA", "" if n >= SHORT else f"AutoARIMA needs {SHORT} points (has {n})"), ("Naive", "")]
    if method == "croston":
        return [("CrostonOptimized", ""), ("Naive", "")]
    if method == "tsb":
        return [("TSB", ""), ("Naive", "")]
    raise ValueError(f"unknown method `{method}`; valid: {', '.join(METHODS)}")


def _run(model: str, y: np.ndarray, h: int, levels: Sequence[int], season: int) -> dict[str, np.ndarray]:
    est = _sf(model, season if season > 1 and len(y) >= 2 * season + 2 else 1)()
    want = list(levels) if levels and model in _HAS_INTERVALS else None
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        out = est.forecast(y=y, h=h, level=want) if want else est.forecast(y=y, h=h)  # type: ignore[attr-defined]
    mean = np.asarray(out["mean"], dtype=float)
    if mean.shape != (h,) or not np.all(np.isfinite(mean)):
        raise ArithmeticError("non-finite forecast")
    return {k: np.asarray(v, dtype=float) for k, v in out.items()}


def combine(parts: Sequence[Forecast], /) -> Forecast:
    """The ``combo`` method: the mean of its parts' forecasts (and, roughly, of their interval bounds)."""
    levels = list(parts[0].lo)
    mean = np.mean([p.mean for p in parts], axis=0)
    lo = {lv: np.mean([p.lo[lv] for p in parts], axis=0) for lv in levels}
    hi = {lv: np.mean([p.hi[lv] for p in parts], axis=0) for lv in levels}
    reasons = "; ".join(p.fallback for p in parts if p.fallback)
    return Forecast("combo", "mean(" + ", ".join(p.model for p in parts) + ")", reasons, mean, lo, hi)


def forecast_series(
    y: np.ndarray, /, *, h: int, method: str, levels: Sequence[int] = (), season: int = 1, nonneg: bool = True
) -> Forecast:
    """Forecast one series ``h`` periods ahead with ``method``, falling back along its chain.

    Never raises for a non-empty finite series: the last resort is Naive (the last value).
    Negative forecasts and bounds are cut at zero (trade values are not negative) unless
    ``nonneg`` is false (e.g. for a logit-transformed share).
    ``levels`` asks for the model's own intervals (NaN where the model has none).
    """
    y = np.asarray(y, dtype=float)
    if len(y) == 0:
        raise ValueError("cannot forecast an empty series")
    if method == "combo":
        return combine([forecast_series(y, h=h, method=m, levels=levels, season=season, nonneg=nonneg) for m in COMBO])
    skipped: list[str] = []
    for model, why_not in _chain(method, len(y), season):
        if why_not:
            skipped.append(why_not)
            continue
        try:
            out = _run(model, y, h, levels, season)
        except Exception as exc:  # noqa: BLE001 - any model failure moves down the chain, and is recorded
            skipped.append(f"{model} failed ({type(exc).__name__}: {str(exc)[:60]})")
            continue
        nan = np.full(h, np.nan)
        floor = 0.0 if nonneg else -np.inf
        lo = {lv: np.maximum(out.get(f"lo-{lv}", nan), floor) for lv in levels}
        hi = {lv: out.get(f"hi-{lv}", nan) for lv in levels}
        if levels and any(not np.all(np.isfinite(lo[lv])) for lv in levels) and model in _HAS_INTERVALS:
            skipped.append(f"{model} gave no finite intervals")  # AutoETS on very short series
        return Forecast(method, model, "; ".join(skipped), np.maximum(out["mean"], floor), lo, hi)
    raise AssertionError("the chain ends with Naive, which cannot fail on a finite series")
