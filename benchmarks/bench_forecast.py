"""Benchmark: forecast + 2-window backtest of 10,000 annual HS8 x partner series from the India file.

Side by side with a plain statsmodels ETS loop over a sample of the same series (choosing
among the same ETS forms by AIC), scaled to 10,000, and the MASE of both on the sample.
Usage: ``python benchmarks/bench_forecast.py [--series 10000] [--sample 300]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from medtrade.analysis import flows as fl
from medtrade.forecast.backtest import scale_of
from medtrade.forecast.models import classify, forecast_series
from medtrade.forecast.select import evaluate
from medtrade.forecast.series import bulk_series, complete_span
from medtrade.warehouse.store import Warehouse

DATA = Path(os.environ.get("MEDTRADE_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data")
INDIA = DATA / "trade/india_eidb/india_exports_hs8_by_partner_fy2017-18_to_2023-24.csv.gz"
FORMS = [("add", None, False), ("add", "add", False), ("add", "add", True),
         ("mul", None, False), ("mul", "add", False), ("mul", "add", True)]


def _peak_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, kids


def statsmodels_ets(y: np.ndarray, h: int) -> np.ndarray:
    """Best of the six non-seasonal ETS forms by AIC (statsmodels ETSModel); naive if none fits."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    best, best_aic = None, np.inf
    for error, trend, damped in FORMS:
        if error == "mul" and np.any(y <= 0):
            continue
        if trend and len(y) < 4:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = ETSModel(y, error=error, trend=trend, damped_trend=damped).fit(disp=False)
            if np.isfinite(fit.aic) and fit.aic < best_aic:
                best, best_aic = fit, fit.aic
        except Exception:  # noqa: BLE001, S112 - a form that cannot be fitted is skipped, as in any such loop
            continue
    if best is None:
        return np.repeat(y[-1], h)
    return np.maximum(np.asarray(best.forecast(h)), 0.0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--series", type=int, default=10_000)
    ap.add_argument("--sample", type=int, default=300)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        with Warehouse(Path(tmp) / "w.duckdb") as wh:
            wh.load(INDIA)
        t_load = time.perf_counter() - t0
        with Warehouse(Path(tmp) / "w.duckdb", read_only=True) as wh:
            t = wh.table("trade_flows")
            sel = fl.select(t, dataset="in-eidb", reporter="IND", flow="export", period_types=["fy"])
            labels, _ = complete_span(sel, time_key="fy", native=True)
            every = bulk_series(sel, time_key="fy", labels=labels, level="product", top_partners=None, min_nonzero=4)
    rng = np.random.default_rng(0)
    pick = sorted(rng.choice(len(every), size=min(args.series, len(every)), replace=False))
    series = [every[i] for i in pick]
    print(f"load {t_load:.1f} s; {len(every):,} HS8 x partner series with >= 4 non-zero years; using {len(series):,}")

    t0 = time.perf_counter()
    ev = evaluate(series, h=2, windows=2, n_jobs=2, model_interval_series=300)
    t_bt = time.perf_counter() - t0
    for s in series:
        kind, _ = classify(s.y)
        f = forecast_series(s.y, h=5, method=ev.selection.get(kind, "naive"))
        scale = scale_of(s.y)
        if np.isfinite(scale):
            ev.conformal.interval(f.mean, scale, kind, 80)
    t_ours = time.perf_counter() - t0
    own, kids = _peak_mb()
    table = ev.table().set_index("method")
    print(f"ours: {t_ours:.1f} s ({1000 * t_ours / len(series):.2f} ms a series; backtest+choice {t_bt:.1f} s); "
          f"peak RSS {own:.0f} MB (workers {kids:.0f} MB)")
    print(table[["series", "points", "mase", "smape", "coverage_80", "coverage_95"]].to_string())

    sample = [series[i] for i in sorted(rng.choice(len(series), size=min(args.sample, len(series)), replace=False))]
    uids = {s.uid for s in sample}
    t0 = time.perf_counter()
    errs = []
    for s in sample:
        statsmodels_ets(s.y, 5)
        for o in (len(s.y) - 2, len(s.y) - 1):
            if o < 1:
                continue
            f = statsmodels_ets(s.y[:o], len(s.y) - o)
            sc = scale_of(s.y[:o])
            if np.isfinite(sc):
                errs += list(np.abs(s.y[o:] - f) / sc)
    t_sm = time.perf_counter() - t0
    rec = ev.records[ev.records["uid"].isin(uids) & np.isfinite(ev.records["scale"])]
    cf = ev.crossfit[ev.crossfit["uid"].isin(uids)]

    def mase(r):
        return float(np.mean(np.abs(r["actual"] - r["forecast"]) / r["scale"]))

    print(f"statsmodels ETS loop: {t_sm:.1f} s for {len(sample)} series = {1000 * t_sm / len(sample):.1f} ms a series "
          f"-> {t_sm / len(sample) * len(series):.0f} s scaled to {len(series):,}")
    print(f"speed-up per series: {t_sm / len(sample) / (t_ours / len(series)):.1f}x")
    print(f"MASE on the {len(sample)}-series sample: statsmodels ETS {np.mean(errs):.3f} ({len(errs)} points); "
          f"ours chosen (cross-fitted) {mase(cf):.3f}; statsforecast ets {mase(rec[rec['method'] == 'ets']):.3f}; "
          f"naive {mase(rec[rec['method'] == 'naive']):.3f}")


if __name__ == "__main__":
    main()
