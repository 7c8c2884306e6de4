"""Choosing methods and interval calibration by backtest, and measuring the choice honestly.

The method for each kind of history (regular, intermittent, short) is chosen on the MASE
pooled over the backtest; annual series are too short to choose per series. Naive is the
default: another candidate replaces it only when it beats naive on the same backtest
points by more than one standard error of the difference (clustered by series), the
"one-standard-error rule" of model selection. Without that margin the choice follows
noise: on 7-point annual series every candidate is within 1% of naive and the pick flips
between folds, which made the chosen method worse than naive out of fold. Because choosing and calibrating on the same errors that measure the choice would
flatter it, the reported accuracy of the chosen method is cross-fitted: series are split
into two folds, the choice and the conformal calibration are made on one fold and
measured on the other, and the two halves are put together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from medtrade.forecast.backtest import backtest, summarize
from medtrade.forecast.intervals import Conformal
from medtrade.forecast.models import forecast_series
from medtrade.forecast.series import Series

__all__ = ["Evaluation", "advantage", "chosen_records", "evaluate", "select"]

#: Kinds whose method is fixed (nothing to choose: no scale or no variation).
FIXED = {"zero": "naive", "constant": "naive"}
#: A kind with fewer backtest points than this takes the method chosen over all kinds.
MIN_POINTS = 20
#: A candidate replaces naive only when its pooled scaled error is lower than naive's by more
#: than this many standard errors of the paired difference (1: the one-standard-error rule).
MARGIN_SE = 1.0


def advantage(records: pd.DataFrame, method: str, /) -> tuple[float, float, int]:
    """How much ``method`` lowers the mean scaled error below naive's, on the points both were backtested on.

    Returns (mean of naive's minus the method's absolute scaled error, its standard error, points).
    The standard error is clustered by series (errors of one series at several origins and
    horizons are not independent): sqrt(G / (G - 1) * sum over series of the squared sum of
    centred differences) / points, for G series. Infinite with fewer than 2 series.
    """
    key = ["uid", "origin", "horizon"]
    r = records[records["method"].isin(["naive", method]) & np.isfinite(records["scale"])]
    ase = (r["actual"] - r["forecast"]).abs() / r["scale"]
    paired = ase.groupby([r[k] for k in key] + [r["method"]]).mean().unstack("method")
    if method not in paired or "naive" not in paired:
        return 0.0, float("inf"), 0
    d = (paired["naive"] - paired[method]).dropna()
    n = len(d)
    if n == 0:
        return 0.0, float("inf"), 0
    mean = float(d.mean())
    per_series = (d - mean).groupby(level="uid").sum()
    g = len(per_series)
    se = float(np.sqrt((per_series ** 2).sum() * g / (g - 1)) / n) if g > 1 else float("inf")
    return mean, se, n


def _pick(records: pd.DataFrame, /, *, margin: float) -> str:
    """Naive, unless a candidate beats it by more than ``margin`` standard errors (then the lowest-MASE such one)."""
    scores = summarize(records, by=("method",), levels=())
    for method in scores.sort_values(["mase", "method"])["method"]:
        if method == "naive":
            continue
        mean, se, _ = advantage(records, str(method))
        if mean - margin * se > 0:
            return str(method)
    return "naive"


def select(records: pd.DataFrame, /, *, min_points: int = MIN_POINTS, margin: float = MARGIN_SE) -> dict[str, str]:
    """Method per kind of history: naive unless a candidate beats it clearly on that kind's pooled backtest.

    "Clearly" is more than ``margin`` standard errors of the paired difference in mean
    scaled error (see :func:`advantage`); among the candidates that do, the lowest MASE wins.
    A kind with fewer than ``min_points`` backtest points per method takes the choice made
    on regular histories when that method was tried on it, else naive.
    """
    ok = records[np.isfinite(records["scale"])]
    base = ok[ok["kind"] == "regular"] if (ok["kind"] == "regular").any() else ok
    fallback = _pick(base, margin=margin) if len(base) else "naive"
    out: dict[str, str] = dict(FIXED)
    for kind, g in ok.groupby("kind"):
        if kind in FIXED:
            continue
        if g.groupby("method").size().max() < min_points:
            out[str(kind)] = fallback if fallback in set(g["method"]) else "naive"
        else:
            out[str(kind)] = _pick(g, margin=margin)
    out.setdefault("regular", fallback)
    out.setdefault("intermittent", "naive")
    out.setdefault("short", "naive")
    return out


def chosen_records(records: pd.DataFrame, selection: dict[str, str], /) -> pd.DataFrame:
    """The backtest rows of the method chosen for each row's kind."""
    want = records["kind"].map(lambda k: selection.get(k, "naive"))
    return records[records["method"] == want]


@dataclass
class Evaluation:
    """Everything a forecast needs from the backtest, and what to report about it.

    Attributes
    ----------
    records : all candidates' backtest rows.
    selection : method per kind of history, chosen on all series.
    conformal : pooled scaled errors of the chosen methods, for intervals.
    crossfit : the chosen methods' rows measured out of fold, with conformal (``lo_80``) and,
        where computed, model (``lo_80_model``) bounds.
    interval_method : ``conformal`` or ``model``: whichever covered closer to nominal out of fold.
    interval_reason : why.
    """

    records: pd.DataFrame
    selection: dict[str, str]
    conformal: Conformal
    crossfit: pd.DataFrame
    interval_method: str
    interval_reason: str
    levels: tuple[int, ...] = (80, 95)
    params: dict = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        """Accuracy per candidate (in-sample choice) and of the chosen method (cross-fitted), naive first."""
        cand = summarize(self.records, by=("method",), levels=())
        chosen = summarize(self.crossfit, by=(), levels=self.levels).drop(columns="_all")
        chosen.insert(0, "method", "chosen (cross-fitted)")
        if self.interval_method == "model":
            model_cov = summarize(self.crossfit, by=(), levels=self.levels, bounds="_model")
            for lv in self.levels:
                chosen[f"coverage_{lv}"] = model_cov[f"coverage_{lv}"]
        out = pd.concat([chosen, cand], ignore_index=True)
        order = {"chosen (cross-fitted)": 0, "naive": 1}
        return out.sort_values("method", key=lambda s: s.map(lambda m: order.get(m, 2))).reset_index(drop=True)

    def per_series(self) -> pd.DataFrame:
        """Per series: the chosen method's MASE (cross-fitted) and naive's, with coverage."""
        chosen = summarize(self.crossfit, by=("uid",), levels=self.levels)
        naive = summarize(self.records[self.records["method"] == "naive"], by=("uid",), levels=())
        methods = self.crossfit.groupby("uid")["method"].agg(lambda m: "/".join(sorted(set(m))))
        chosen["method"] = chosen["uid"].map(methods)
        return chosen.merge(naive[["uid", "mase", "smape"]].rename(columns={"mase": "naive_mase", "smape": "naive_smape"}),
                            on="uid", how="left")


def _model_bounds(series: Sequence[Series], rows: pd.DataFrame, *, levels: Sequence[int], season: int,
                  limit: int | None) -> pd.DataFrame:
    """Add the chosen models' own interval bounds to cross-fitted rows (for up to ``limit`` series)."""
    by_uid = {s.uid: s for s in series}
    uids = sorted(rows["uid"].unique())
    if limit is not None and len(uids) > limit:
        uids = [uids[i] for i in np.linspace(0, len(uids) - 1, limit).astype(int)]
    out = rows.copy()
    for lv in levels:
        out[f"lo_{lv}_model"] = np.nan
        out[f"hi_{lv}_model"] = np.nan
    sub = out[out["uid"].isin(set(uids))]
    for (uid, origin, method), g in sub.groupby(["uid", "origin", "method"]):
        s = by_uid[uid]
        o = s.labels.index(origin) + 1
        f = forecast_series(s.y[:o], h=int(g["horizon"].max()), method=method, levels=levels, season=season)
        j = g["horizon"].to_numpy() - 1
        for lv in levels:
            out.loc[g.index, f"lo_{lv}_model"] = f.lo[lv][j]
            out.loc[g.index, f"hi_{lv}_model"] = f.hi[lv][j]
    return out


def _coverage_gap(rows: pd.DataFrame, levels: Sequence[int], suffix: str) -> float:
    gap = 0.0
    for lv in levels:
        lo, hi = rows[f"lo_{lv}{suffix}"], rows[f"hi_{lv}{suffix}"]
        ok = lo.notna() & hi.notna()
        if ok.mean() < 0.9:
            return float("inf")
        inside = ((rows["actual"] >= lo - 1e-9) & (rows["actual"] <= hi + 1e-9))[ok]
        gap += abs(float(inside.mean()) - lv / 100)
    return gap


def evaluate(
    series: Sequence[Series], /, *, h: int, windows: int, step: int = 1, season: int = 1, arima: bool = False,
    levels: Sequence[int] = (80, 95), folds: int = 2, model_interval_series: int | None = 300, n_jobs: int = 1,
    records: pd.DataFrame | None = None,
) -> Evaluation:
    """Backtest ``series``, choose methods and intervals, and measure the choice out of fold.

    ``model_interval_series`` limits how many series get the (slower) model-based intervals
    recomputed for the comparison with conformal ones (``0`` skips the comparison).
    """
    levels = tuple(levels)
    if records is None:
        records = backtest(series, h=h, windows=windows, step=step, season=season, arima=arima, n_jobs=n_jobs)
    usable = records[np.isfinite(records["scale"])]
    parts = []
    for f in range(folds):
        train, test = usable[usable["fold"] != f], usable[usable["fold"] == f]
        if train.empty or test.empty:
            continue
        sel = select(train)
        cal = Conformal.fit(chosen_records(train, sel))
        parts.append(cal.apply(chosen_records(test, sel), levels))
    crossfit = pd.concat(parts) if parts else chosen_records(usable, select(usable)).assign(
        **{f"{b}_{lv}": np.nan for lv in levels for b in ("lo", "hi")})
    selection = select(usable) if len(usable) else {"regular": "naive", **FIXED}
    conformal = Conformal.fit(chosen_records(usable, selection))
    method, reason = "conformal", "model-based intervals were not compared (--no-compare)"
    if model_interval_series != 0 and len(crossfit):
        crossfit = _model_bounds(series, crossfit, levels=levels, season=season, limit=model_interval_series)
        compared = crossfit[crossfit[f"lo_{levels[0]}_model"].notna()] if model_interval_series else crossfit
        g_conf = _coverage_gap(compared, levels, "")
        g_model = _coverage_gap(compared, levels, "_model")
        if g_model < g_conf:
            method = "model"
        covs = ", ".join(
            f"{lv}%: conformal {_cov(compared, lv, ''):.0%} vs model {_cov(compared, lv, '_model'):.0%}" for lv in levels)
        reason = (f"out-of-fold coverage on {compared['uid'].nunique()} series ({covs}); "
                  f"{method} is closer to nominal")
    return Evaluation(records, selection, conformal, crossfit, method, reason, levels,
                      {"h": h, "windows": windows, "step": step, "season": season, "arima": arima, "folds": folds})


def _cov(rows: pd.DataFrame, lv: int, suffix: str) -> float:
    lo, hi = rows[f"lo_{lv}{suffix}"], rows[f"hi_{lv}{suffix}"]
    ok = lo.notna() & hi.notna()
    if not ok.any():
        return float("nan")
    return float(((rows["actual"] >= lo - 1e-9) & (rows["actual"] <= hi + 1e-9))[ok].mean())
