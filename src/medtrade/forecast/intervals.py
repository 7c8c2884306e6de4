"""Prediction intervals calibrated across series: pooled scaled backtest errors by horizon.

Per-series conformal intervals need ``h * windows + 1`` points per series; annual trade
series have 7. Instead, backtest errors of many series are made comparable by dividing
by each series' scale (its mean absolute one-period change before the forecast origin)
and pooled by kind of history and horizon. An interval is the forecast plus the pooled
error quantiles times the series' scale. Horizons longer than any backtested one use the
longest backtested horizon's errors widened by sqrt(h / H), as a random walk's would be.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["Conformal", "scaled_errors"]

#: Fewer pooled errors than this for a kind and horizon: pool that horizon over all kinds.
MIN_POOL = 30


def scaled_errors(records: pd.DataFrame, /) -> np.ndarray:
    """(actual - forecast) / scale for backtest records."""
    return ((records["actual"] - records["forecast"]) / records["scale"]).to_numpy(dtype=float)


@dataclass
class Conformal:
    """Sorted scaled errors per (kind, horizon), and per horizon over all kinds.

    Build with :meth:`fit` from the backtest records of the method that will forecast.
    """

    by_kind: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)
    pooled: dict[int, np.ndarray] = field(default_factory=dict)

    @classmethod
    def fit(cls, records: pd.DataFrame, /, *, min_pool: int = MIN_POOL) -> Conformal:
        """Pool the scaled errors of backtest records (columns kind, horizon, actual, forecast, scale)."""
        ok = records[np.isfinite(records["scale"]) & (records["scale"] > 0)]
        err = scaled_errors(ok)
        self = cls()
        for hz in sorted(ok["horizon"].unique()):
            sel = (ok["horizon"] == hz).to_numpy()
            self.pooled[int(hz)] = np.sort(err[sel])
            for kind in sorted(ok.loc[sel, "kind"].unique()):
                e = np.sort(err[sel & (ok["kind"] == kind).to_numpy()])
                if len(e) >= min_pool:
                    self.by_kind[(str(kind), int(hz))] = e
        return self

    @property
    def max_horizon(self) -> int:
        """The longest backtested horizon (0 when nothing was pooled)."""
        return max(self.pooled, default=0)

    def errors(self, kind: str, horizon: int, /) -> tuple[np.ndarray, str]:
        """(sorted scaled errors to use for this kind and horizon, how they were obtained).

        Preference: this kind at this horizon; all kinds at this horizon; when that has
        fewer than :data:`MIN_POOL` errors, all horizons pooled with errors divided by
        sqrt(their horizon) and multiplied by sqrt(this one). Horizons beyond the longest
        backtested one are widened by sqrt(h / H).
        """
        if not self.pooled:
            return np.array([]), "no backtest errors"
        hz = min(horizon, self.max_horizon)
        widen = math.sqrt(horizon / hz) if horizon > hz else 1.0
        if (kind, hz) in self.by_kind:
            e, how = self.by_kind[(kind, hz)], f"{kind} series at horizon {hz}"
        elif len(self.pooled.get(hz, ())) >= MIN_POOL:
            e, how = self.pooled[hz], f"all series at horizon {hz}"
        else:
            e = np.sort(np.concatenate([v * math.sqrt(hz / k) for k, v in self.pooled.items()]))
            how = f"all series and horizons (rescaled by sqrt of the horizon to {hz})"
        note = f"{len(e)} scaled errors of {how}" + (f", widened x{widen:.2f}" if widen != 1 else "")
        return e * widen, note

    def bounds(self, kind: str, horizon: int, level: int, /) -> tuple[float, float]:
        """Scaled error quantiles (low, high) for a central ``level``% interval (finite-sample corrected)."""
        e, _ = self.errors(kind, horizon)
        if len(e) == 0:
            return math.nan, math.nan
        alpha = 1 - level / 100
        n = len(e)
        # Split-conformal order statistics; with too few errors the extreme one is used.
        k = max(1, math.floor((n + 1) * alpha / 2))
        m = min(n, math.ceil((n + 1) * (1 - alpha / 2)))
        return float(e[k - 1]), float(e[m - 1])

    def interval(self, point: np.ndarray, scale: float, kind: str, level: int) -> tuple[np.ndarray, np.ndarray]:
        """Interval bounds for point forecasts at horizons 1..len(point); the lower bound is cut at 0."""
        qs = [self.bounds(kind, j + 1, level) for j in range(len(point))]
        lo = np.array([max(0.0, p + q[0] * scale) for p, q in zip(point, qs)])
        hi = np.array([max(0.0, p + q[1] * scale) for p, q in zip(point, qs)])
        return lo, hi

    def apply(self, records: pd.DataFrame, levels: Sequence[int], /) -> pd.DataFrame:
        """Records with conformal bounds ``lo_<level>``/``hi_<level>`` added (backtest rows)."""
        out = records.copy()
        for lv in levels:
            q = {(k, int(hz)): self.bounds(k, int(hz), lv) for k, hz in set(zip(out["kind"], out["horizon"]))}
            lo = np.array([q[(k, int(hz))][0] for k, hz in zip(out["kind"], out["horizon"])])
            hi = np.array([q[(k, int(hz))][1] for k, hz in zip(out["kind"], out["horizon"])])
            out[f"lo_{lv}"] = np.maximum(0.0, out["forecast"] + lo * out["scale"])
            out[f"hi_{lv}"] = np.maximum(0.0, out["forecast"] + hi * out["scale"])
        return out

    def prob_at_least(self, point: float, scale: float, kind: str, horizon: int, threshold: float) -> tuple[float, str]:
        """Share of the pooled outcomes (point + error x scale) at or above ``threshold``, with how it was obtained."""
        e, how = self.errors(kind, horizon)
        if len(e) == 0 or not scale > 0:
            return (float(point >= threshold) if len(e) == 0 else math.nan), how
        outcomes = np.maximum(0.0, point + e * scale)
        return float(np.mean(outcomes >= threshold)), how

    def table(self) -> list[dict]:
        """Rows (kind, horizon, n, q10, q90, q025, q975) describing the calibration."""
        rows = []
        keys = [("all", hz, e) for hz, e in self.pooled.items()] + [(k, hz, e) for (k, hz), e in self.by_kind.items()]
        for kind, hz, e in keys:
            rows.append({"kind": kind, "horizon": hz, "errors": len(e),
                         **{f"q{int(q * 1000) / 10:g}": float(np.quantile(e, q)) for q in (0.025, 0.1, 0.9, 0.975)}})
        return rows
