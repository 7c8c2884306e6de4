"""Rolling-origin backtests: every candidate method refitted at each of the last k origins.

At origin ``o`` a method sees the first ``o`` periods and forecasts the rest, up to ``h``
periods. Errors are scaled by the series' mean absolute one-period change before the
origin (the MASE denominator), so series of any size can be pooled and compared.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from medtrade.forecast.models import (
    COMBO,
    Forecast,
    classify,
    combine,
    forecast_series,
    methods_for,
)
from medtrade.forecast.series import Series

__all__ = ["backtest", "fold_of", "scale_of", "summarize"]

COLUMNS = ["uid", "origin", "horizon", "kind", "method", "model", "actual", "forecast", "scale"]


def scale_of(train: np.ndarray, /) -> float:
    """MASE denominator: mean absolute one-period change; for a constant history its mean level; NaN if all zero."""
    if len(train) >= 2:
        d = float(np.mean(np.abs(np.diff(train))))
        if d > 0:
            return d
    m = float(np.mean(np.abs(train))) if len(train) else 0.0
    return m if m > 0 else float("nan")


def fold_of(uid: str, /, folds: int = 2) -> int:
    """A stable fold number for a series name (cross-fitting across series)."""
    return zlib.crc32(uid.encode()) % folds


def _origins(n: int, windows: int, step: int) -> list[int]:
    return [o for o in range(n - windows, n, step) if o >= 1]


def _one(s: Series, *, h: int, windows: int, step: int, season: int, arima: bool, methods: Sequence[str] | None,
         levels: Sequence[int], nonneg: bool = True) -> list[tuple]:
    rows: list[tuple] = []
    y = s.y
    n = len(y)
    for o in _origins(n, windows, step):
        train = y[:o]
        kind, _ = classify(train)
        hh = min(h, n - o)
        wanted = methods.get(kind) if isinstance(methods, dict) else methods  # type: ignore[union-attr]
        todo = list(dict.fromkeys(["naive", *(wanted or methods_for(kind, arima=arima, seasonal=season > 1))]))
        done: dict[str, Forecast] = {}
        for m in [m for m in todo if m != "combo"] + (["combo"] if "combo" in todo else []):
            if m == "combo":
                parts = [done.get(p) or forecast_series(train, h=hh, method=p, levels=levels, season=season,
                                                        nonneg=nonneg) for p in COMBO]
                done[m] = combine(parts)
            else:
                done[m] = forecast_series(train, h=hh, method=m, levels=levels, season=season, nonneg=nonneg)
        scale = scale_of(train)
        for m in todo:
            f = done[m]
            for j in range(hh):
                row = (s.uid, s.labels[o - 1], j + 1, kind, m, f.model, float(y[o + j]), float(f.mean[j]), scale,
                       *(v for lv in levels for v in (float(f.lo[lv][j]), float(f.hi[lv][j]))))
                rows.append(row)
    return rows


def _chunk(args: tuple) -> list[tuple]:
    series, kw = args
    out: list[tuple] = []
    for s in series:
        out += _one(s, **kw)
    return out


def backtest(
    series: Sequence[Series], /, *, h: int, windows: int, step: int = 1, season: int = 1, arima: bool = False,
    methods: Sequence[str] | dict[str, Sequence[str]] | None = None, levels: Sequence[int] = (), n_jobs: int = 1,
    nonneg: bool = True,
) -> pd.DataFrame:
    """Backtest records: one row per series, origin, horizon and method.

    Origins are the last ``windows`` periods (every ``step``-th); each forecasts up to ``h``
    periods or to the end of the data. ``methods`` defaults to the candidates for each
    origin's kind of history (see :func:`~medtrade.forecast.models.methods_for`); naive is
    always included as the baseline. ``levels`` adds the models' own interval bounds
    (``lo_80``...), which costs more. ``n_jobs`` > 1 splits the series over processes.

    Columns: uid, origin (last period seen), horizon, kind, method, model (what really ran),
    actual, forecast, scale, fold, and ``lo_<level>_model``/``hi_<level>_model``.
    """
    kw = {"h": h, "windows": windows, "step": step, "season": season, "arima": arima, "methods": methods,
          "levels": tuple(levels), "nonneg": nonneg}
    jobs = max(1, min(n_jobs, os.cpu_count() or 1))
    if jobs > 1 and len(series) >= 50:
        size = -(-len(series) // (jobs * 4))
        chunks = [(list(series[i:i + size]), kw) for i in range(0, len(series), size)]
        import multiprocessing as mp

        with ProcessPoolExecutor(jobs, mp_context=mp.get_context("fork")) as pool:
            rows = [r for part in pool.map(_chunk, chunks) for r in part]
    else:
        rows = _chunk((list(series), kw))
    cols = COLUMNS + [f"{b}_{lv}_model" for lv in levels for b in ("lo", "hi")]
    out = pd.DataFrame(rows, columns=cols)
    out["fold"] = [fold_of(u) for u in out["uid"]]
    return out


def summarize(records: pd.DataFrame, /, *, by: Sequence[str] = ("method",), levels: Sequence[int] = (80, 95),
              bounds: str = "") -> pd.DataFrame:
    """MASE, sMAPE and interval coverage per group of backtest records.

    ``bounds`` picks the interval columns: ``""`` for ``lo_80`` (conformal) or ``"_model"``.
    Rows without a scale (all-zero history before the origin) are left out of MASE only.
    """
    r = records.copy()
    err = (r["actual"] - r["forecast"]).abs()
    r["_ase"] = err / r["scale"]
    denom = r["actual"].abs() + r["forecast"].abs()
    r["_smape"] = np.where(denom > 0, 200 * err / denom.where(denom > 0, 1), 0.0)
    aggs = {"series": ("uid", "nunique"), "points": ("actual", "size"), "mase": ("_ase", "mean"),
            "smape": ("_smape", "mean")}
    for lv in levels:
        lo, hi = f"lo_{lv}{bounds}", f"hi_{lv}{bounds}"
        if lo in r:
            inside = (r["actual"] >= r[lo] - 1e-9) & (r["actual"] <= r[hi] + 1e-9)
            r[f"_cov{lv}"] = inside.astype(float).where(r[lo].notna() & r[hi].notna())
            aggs[f"coverage_{lv}"] = (f"_cov{lv}", "mean")
    keys = list(by)
    if not keys:
        r["_all"] = "all"
        keys = ["_all"]
    return r.groupby(keys, sort=True).agg(**aggs).reset_index()
