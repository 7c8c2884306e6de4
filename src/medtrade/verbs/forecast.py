"""`medtrade forecast`, `medtrade backtest` and `medtrade target`: calibrated forecasts of any flow.

The flow is the one `medtrade flows` would show (same exporter, importer, segment, period
type, unit, dataset). Methods are chosen and intervals calibrated on a pool of series:
the flow itself plus the segment's HS4 x partner flows of the same dataset (see
docs/forecast.md); the reported accuracy is measured out of fold.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from medtrade.analysis import flows as fl
from medtrade.catalog import countries
from medtrade.catalog.periods import fy, parse_period, period_range, year
from medtrade.errors import InputError
from medtrade.forecast.backtest import scale_of
from medtrade.forecast.models import METHODS, classify, forecast_series
from medtrade.forecast.select import Evaluation, evaluate
from medtrade.forecast.series import (
    SEASON,
    Series,
    bulk_series,
    complete_span,
    regular_series,
)
from medtrade.forecast.share import forecast_share, share_series
from medtrade.forecast.target import base_rate, needed_path, required_cagr
from medtrade.results import Result
from medtrade.verbs.common import (
    DATASET_NAMES,
    available,
    choose_dataset,
    rates_for,
    sources_of,
)
from medtrade.verbs.flows import flow_spec, run_flows
from medtrade.verbs.growth import as_segment, period_types_for
from medtrade.warehouse.store import Warehouse

__all__ = ["run_backtest", "run_forecast", "run_target"]

#: Default (horizon, backtest windows, step between origins) per period type.
DEFAULTS = {"fy": (5, 3, 1), "year": (5, 3, 1), "month": (12, 12, 6)}
LEVELS = (80, 95)
#: AutoARIMA costs ~85 ms a fit: a candidate only when the backtest needs at most this many fits.
ARIMA_FITS = 60


@dataclass
class Setup:
    """The series to forecast, the calibration pool, and the provenance of both."""

    by: str
    unit: str
    dataset: str
    labels: list[str]
    dropped: list[str]
    targets: list[Series]
    pool: list[Series]
    sources: list[dict]
    definition: dict
    notes: list[str] = field(default_factory=list)
    what: str = ""


def _next_labels(last: str, h: int, /) -> list[str]:
    p = parse_period(last)
    if p.type == "fy":
        return [fy(p.start.year + i).label for i in range(1, h + 1)]
    if p.type == "year":
        return [year(p.start.year + i).label for i in range(1, h + 1)]
    y, m = p.start.year, p.start.month
    out = []
    for _ in range(h):
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        out.append(f"{y}-{m:02d}")
    return out


def _setup(wh: Warehouse, *, exporter: str, importer: str | None, segment: str, by: str, unit: str, reporter: str,
           dataset: str | None, by_product: str | None, top_partners: int, pool_partners: int) -> Setup:
    if by not in fl.TIME_KEYS:
        raise InputError(f"unknown --by `{by}` for a forecast; valid: {', '.join(fl.TIME_KEYS)}")
    if unit not in fl.DIVISORS:
        raise InputError(f"unknown unit `{unit}`; valid: {', '.join(fl.DIVISORS)}")
    seg = as_segment(segment)
    rep, flow, partners = flow_spec(exporter, importer, reporter)
    what = f"{rep} {flow}s" + (f" with {', '.join(partners)}" if partners else "")
    found = available(wh, reporter=rep, flow=flow, partners=partners)
    chosen = choose_dataset(found, time_key=by, requested=dataset, what=what)
    types = period_types_for(found[chosen], by)
    t = wh.table("trade_flows")
    anyp = fl.select(t, dataset=chosen, reporter=rep, flow=flow, partners=partners, period_types=types)
    labels, dropped = complete_span(anyp, time_key=by, native=by in found[chosen])
    every = fl.select(t, dataset=chosen, reporter=rep, flow=flow, period_types=types)
    periods = [(r["period_type"], r["period"]) for r in every.select("period_type", "period").distinct().to_pyarrow().to_pylist()]
    rates = rates_for(unit, periods)
    pool_sel = fl.select(t, dataset=chosen, reporter=rep, flow=flow, segment=seg, period_types=types)
    notes: list[str] = []
    if dropped:
        notes.append(f"left out as incomplete (fewer than 12 months): {', '.join(dropped)}")
    if dataset is None:
        notes += _longer_history(wh, found, chosen=chosen, labels=labels, by=by, rep=rep, flow=flow, partners=partners,
                                 what=what)
    if by_product:
        sel = fl.select(t, dataset=chosen, reporter=rep, flow=flow, partners=partners, segment=seg, period_types=types)
        targets = bulk_series(sel, time_key=by, labels=labels, level=by_product, unit=unit, rates=rates,
                              top_partners=None if partners else top_partners)
        if not targets:
            raise InputError(f"dataset {chosen} has no {what} in segment {seg.name}")
        pool = targets
        sources = sources_of(wh, sel)
        definition = {"segment": seg.definition(), "dataset": f"{chosen}: {DATASET_NAMES.get(chosen, chosen)}",
                      "reporter": rep, "flow": flow,
                      "series": f"every {by_product} x partner flow" + (f" with {', '.join(partners)}" if partners
                                                                         else f" to the top {top_partners} partners"),
                      "period_type": by, "unit": unit}
    else:
        res = run_flows(wh, exporter=exporter, importer=importer, segment=seg, by=by, unit=unit, reporter=reporter,
                        dataset=chosen)
        name = f"value_{unit}"
        target = regular_series({r[by]: r[name] for r in res.rows}, labels=labels, uid="flow",
                                keys={"flow": f"{exporter}->{importer or 'world'}"})
        if not np.any(target.y):
            raise InputError(f"dataset {chosen} has no {what} in segment {seg.name} in {labels[0]}..{labels[-1]}")
        targets = [target]
        pool = [target, *bulk_series(pool_sel, time_key=by, labels=labels, level="hs4", unit=unit, rates=rates,
                                     top_partners=pool_partners, partners=partners, min_nonzero=2)]
        sources, definition = res.sources, dict(res.definition)
        notes += [n for n in res.notes if not n.startswith("incomplete periods")]
    return Setup(by, unit, chosen, labels, dropped, targets, pool, sources, definition, notes, what)


def _longer_history(wh: Warehouse, found: dict[str, set[str]], *, chosen: str, labels: list[str], by: str, rep: str,
                    flow: str, partners: list[str] | None, what: str) -> list[str]:
    """A note when another loaded dataset has more complete periods of the flow (e.g. fiscal years from months)."""
    t = wh.table("trade_flows")
    notes = []
    for other in sorted(set(found) - {chosen}):
        if not set(found[other]) & set(fl.TIME_KEYS[by]):
            continue
        sel = fl.select(t, dataset=other, reporter=rep, flow=flow, partners=partners,
                        period_types=period_types_for(found[other], by))
        try:
            longer, _ = complete_span(sel, time_key=by, native=by in found[other])
        except InputError:
            continue
        if len(longer) > len(labels):
            notes.append(f"dataset {other} has {len(longer)} complete {by} periods of {what} "
                         f"({longer[0]}..{longer[-1]}) against {len(labels)} in {chosen}: a longer history gives "
                         f"the backtest more to choose on (docs/forecast.md); rerun with --dataset {other}")
    return notes


def _evaluate(setup: Setup, *, horizon: int, windows: int | None, arima: str) -> Evaluation:
    _, w_default, step = DEFAULTS[setup.by]
    w = windows or w_default
    if w < 1:
        raise InputError(f"--windows must be at least 1 (got {w})")
    use_arima = arima == "yes" or (arima == "auto" and len(setup.pool) * w <= ARIMA_FITS)
    if arima not in ("auto", "yes", "no"):
        raise InputError(f"unknown --arima `{arima}`; valid: auto, yes, no")
    jobs = 2 if len(setup.pool) * w > 600 else 1
    return evaluate(setup.pool, h=horizon, windows=w, step=step if w > step else 1, season=SEASON[setup.by],
                    arima=use_arima, levels=LEVELS, n_jobs=jobs)


def _forecast(s: Series, ev: Evaluation, *, h: int, season: int) -> dict:
    kind, why = classify(s.y)
    method = ev.selection.get(kind, "naive")
    f = forecast_series(s.y, h=h, method=method, levels=LEVELS, season=season)
    scale = scale_of(s.y)
    bounds: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    how = ev.interval_method
    for lv in LEVELS:
        own = (f.lo[lv], f.hi[lv])
        if how == "model" and np.all(np.isfinite(own[0])) and np.all(np.isfinite(own[1])):
            bounds[lv] = own
        elif math.isfinite(scale):
            bounds[lv] = ev.conformal.interval(f.mean, scale, kind, lv)
            how = "conformal"
        else:
            bounds[lv] = (np.zeros(h), np.zeros(h))
            how = "none (no non-zero history)"
    if kind in ("zero", "constant"):
        reason = f"{kind} history ({why}): fallback to naive, nothing to choose"
    else:
        reason = f"{kind} history ({why}): {method} had the lowest backtest MASE for {kind} series"
    if f.fallback:
        reason += f"; fallback: {f.fallback}"
    return {"kind": kind, "method": method, "model": f.model, "why": reason, "mean": f.mean, "bounds": bounds,
            "intervals": how, "scale": scale}


def _accuracy_notes(ev: Evaluation, setup: Setup) -> list[str]:
    table = ev.table()
    chosen = table.iloc[0]
    naive = table[table["method"] == "naive"].iloc[0]
    p = ev.params
    pool = (f"{len(setup.pool)} series" + ("" if len(setup.targets) > 1 else
            " (this flow plus the segment's HS4 x partner flows of the same dataset)"))
    notes = [
        (f"backtest: rolling origin over the last {p['windows']} {setup.by} periods of {pool}; "
        f"chosen methods {', '.join(f'{k}: {v}' for k, v in sorted(ev.selection.items()))}; "
        f"out of fold the chosen methods scored MASE {chosen['mase']:.2f} vs naive {naive['mase']:.2f} "
        f"(sMAPE {chosen['smape']:.1f} vs {naive['smape']:.1f}) with 80% intervals covering "
        f"{chosen['coverage_80']:.0%} and 95% covering {chosen['coverage_95']:.0%} of {int(chosen['points'])} "
        "held-back values (`medtrade backtest` for the full table)"),
        f"intervals: {ev.interval_method} ({ev.interval_reason})",
    ]
    if chosen["mase"] >= naive["mase"]:
        notes.append("no method beat the naive forecast (last value) in this backtest: treat the forecast as "
                     "'no change expected' with the stated uncertainty")
    ets = ev.records[ev.records["method"] == "ets"]
    if len(ets) and (ets["model"] != "AutoETS").mean() > 0.5:
        notes.append("in the backtest AutoETS mostly fell back to SES (statsforecast's AutoETS needs 7 points; "
                     "the training windows were shorter), so `ets` was judged by its fallback")
    return notes


def _query(verb: str, **kw: object) -> dict:
    return {"verb": verb, **kw}


def run_forecast(
    wh: Warehouse, /, *, exporter: str, importer: str | None = None, segment: str = "pharma", by: str = "fy",
    horizon: int | None = None, unit: str = "usd_mn", reporter: str = "exporter", dataset: str | None = None,
    windows: int | None = None, by_product: str | None = None, top_partners: int = 30, pool_partners: int = 10,
    share: bool = False, arima: str = "auto",
) -> Result:
    """Point forecasts with 80%/95% intervals per future period, the model that made each, and why.

    One flow (as `medtrade flows` shows it), or with ``by_product`` (``hs4``, ``hs6``,
    ``product``) every product x partner flow of the selection (to the top
    ``top_partners`` partners when no importer is given). ``share`` forecasts the importer's
    share of the exporter's total in the segment instead, bounded in [0, 1].

    Examples
    --------
    >>> run_forecast(wh, exporter="IND", importer="RUS", segment="medical_devices", by="fy",
    ...              horizon=5).rows[-1]                                    # doctest: +SKIP
    """
    h = horizon or DEFAULTS.get(by, (5,))[0]
    if h < 1 or h > 60:
        raise InputError(f"--horizon must be between 1 and 60 (got {h})")
    if share:
        return _run_share(wh, exporter=exporter, importer=importer, segment=segment, by=by, h=h, unit=unit,
                          dataset=dataset, windows=windows)
    setup = _setup(wh, exporter=exporter, importer=importer, segment=segment, by=by, unit=unit, reporter=reporter,
                   dataset=dataset, by_product=by_product, top_partners=top_partners, pool_partners=pool_partners)
    ev = _evaluate(setup, horizon=h, windows=windows, arima=arima)
    name = f"value_{unit}"
    rows: list[dict] = []
    for s in setup.targets:
        fc = _forecast(s, ev, h=h, season=SEASON[by])
        keys = {} if not by_product else dict(s.keys)
        if not by_product:
            rows += [{"period": p, "type": "actual", name: float(v), **{f"{b}_{lv}": None for lv in LEVELS
                      for b in ("lo", "hi")}, "method": None, "model": None, "why": None}
                     for p, v in zip(s.labels, s.y)]
        for j, p in enumerate(_next_labels(s.labels[-1], h)):
            rows.append({**keys, "period": p, "type": "forecast", name: float(fc["mean"][j]),
                         **{f"{b}_{lv}": float(fc["bounds"][lv][i][j]) for lv in LEVELS for i, b in enumerate(("lo", "hi"))},
                         "method": fc["method"], "model": fc["model"],
                         "why": fc["why"] + f"; intervals {fc['intervals']}"})
    definition = {**setup.definition, "horizon": f"{h} {by} periods after {setup.labels[-1]}",
                  "methods": "; ".join(f"{k}: {v}" for k, v in METHODS.items()),
                  "intervals": "80% and 95% central intervals; conformal = forecast + pooled scaled backtest errors "
                               "by horizon x the series' mean absolute one-period change"}
    title_flow = f"{countries.resolve(exporter)} -> {countries.resolve(importer) if importer else 'world'}"
    return Result(
        title=f"Forecast of {title_flow}: {as_segment(segment).name}, {h} {by} periods"
              + (f", every {by_product} x partner" if by_product else ""),
        query=_query("forecast", exporter=exporter, importer=importer, segment=as_segment(segment).name, by=by,
                     horizon=h, unit=unit, reporter=reporter, dataset=dataset, windows=windows, by_product=by_product,
                     top_partners=top_partners, share=share, arima=arima),
        definition=definition, rows=rows, sources=setup.sources,
        notes=setup.notes + _accuracy_notes(ev, setup),
    )


def run_backtest(
    wh: Warehouse, /, *, exporter: str, importer: str | None = None, segment: str = "pharma", by: str = "fy",
    horizon: int | None = None, unit: str = "usd_mn", reporter: str = "exporter", dataset: str | None = None,
    windows: int | None = None, by_product: str | None = None, top_partners: int = 30, pool_partners: int = 10,
    per_series: bool = False, arima: str = "auto",
) -> Result:
    """Rolling-origin backtest: MASE, sMAPE and interval coverage per candidate and for the chosen methods.

    The first row is the chosen methods measured out of fold (choice and calibration made
    on the other half of the series); then naive and the other candidates. With
    ``per_series`` one row per series follows (chosen vs naive MASE, coverage).
    """
    h = horizon or DEFAULTS.get(by, (5,))[0]
    setup = _setup(wh, exporter=exporter, importer=importer, segment=segment, by=by, unit=unit, reporter=reporter,
                   dataset=dataset, by_product=by_product, top_partners=top_partners, pool_partners=pool_partners)
    ev = _evaluate(setup, horizon=h, windows=windows, arima=arima)
    table = ev.table()
    rows = [{"series": "ALL", **_clean_row(r)} for r in table.to_dict("records")]
    if per_series:
        for r in ev.per_series().to_dict("records"):
            rows.append({"series": r.pop("uid"), **_clean_row(r)})
        keys = list(dict.fromkeys(k for r in rows for k in r))
        rows = [{k: r.get(k) for k in keys} for r in rows]
    return Result(
        title=f"Backtest of {setup.what}: {as_segment(segment).name}, last {ev.params['windows']} {by} origins",
        query=_query("backtest", exporter=exporter, importer=importer, segment=as_segment(segment).name, by=by,
                     horizon=h, unit=unit, reporter=reporter, dataset=dataset, windows=windows, by_product=by_product,
                     top_partners=top_partners, per_series=per_series, arima=arima),
        definition={**setup.definition,
                    "mase": "mean over held-back values of |actual - forecast| / the series' mean absolute "
                            "one-period change before the origin",
                    "smape": "mean of 200 |actual - forecast| / (|actual| + |forecast|), 0 when both are 0",
                    "coverage": "share of held-back values inside the 80% / 95% intervals",
                    "chosen (cross-fitted)": "method per kind of history and conformal calibration chosen on one "
                                             "half of the series, measured on the other half, both ways"},
        rows=rows, sources=setup.sources, notes=setup.notes + _accuracy_notes(ev, setup),
    )


def _clean_row(r: dict) -> dict:
    out = {}
    for k, v in r.items():
        if isinstance(v, (np.floating, float)):
            out[k] = None if not np.isfinite(v) else round(float(v), 4)
        elif isinstance(v, np.integer):
            out[k] = int(v)
        else:
            out[k] = v
    return out


def _run_share(wh: Warehouse, *, exporter: str, importer: str | None, segment: str, by: str, h: int, unit: str,
               dataset: str | None, windows: int | None) -> Result:
    if not importer:
        raise InputError("--share needs --importer: the share of that partner in the exporter's total is forecast")
    part = run_flows(wh, exporter=exporter, importer=importer, segment=as_segment(segment), by=by, unit="usd",
                     dataset=dataset)
    whole = run_flows(wh, exporter=exporter, importer=None, segment=as_segment(segment), by=by, unit="usd",
                      dataset=part.definition["dataset"].split(":")[0])
    labels = [r[by] for r in whole.rows]
    num = regular_series({r[by]: r["value_usd"] for r in part.rows}, labels=labels, trim_leading=False)
    den = regular_series({r[by]: r["value_usd"] for r in whole.rows}, labels=labels, trim_leading=False)
    s = share_series(num, den)
    w = windows or DEFAULTS[by][1]
    f = forecast_share(s, h=h, windows=w, levels=LEVELS, season=SEASON[by])
    rows = [{"period": p, "type": "actual", "share": float(v), **{f"{b}_{lv}": None for lv in LEVELS
             for b in ("lo", "hi")}, "method": None, "model": None} for p, v in zip(s.labels, s.y)]
    for j, p in enumerate(_next_labels(s.labels[-1], h)):
        rows.append({"period": p, "type": "forecast", "share": float(f.mean[j]),
                     **{f"{b}_{lv}": float((f.lo if b == "lo" else f.hi)[lv][j]) for lv in LEVELS for b in ("lo", "hi")},
                     "method": f.method, "model": f.model})
    scores = "; ".join(f"{r['method']} MASE {r['mase']:.2f}" for r in f.scores if r.get("mase") == r.get("mase"))
    return Result(
        title=f"Forecast of {countries.resolve(importer)}'s share of {countries.resolve(exporter)}'s "
              f"{as_segment(segment).name} exports",
        query=_query("forecast", exporter=exporter, importer=importer, segment=as_segment(segment).name, by=by,
                     horizon=h, dataset=dataset, share=True),
        definition={**part.definition, "share": f"value to {importer} / value to all partners (USD), per {by}",
                    "model": "forecast on the logit scale and transformed back, so forecast and bounds stay in (0, 1); "
                             "method chosen by this series' own backtest; intervals are the model's own (logit scale)"},
        rows=rows, sources=whole.sources,
        notes=[f"backtest on this series (logit scale, last {w} origins): {scores or 'too short to backtest'}; "
               f"chosen {f.method}" + (f" (fallback: {f.fallback})" if f.fallback else ""),
               ("share intervals are model-based and not calibrated across series: with annual data they rest on "
                "few points")] + [n for n in part.notes if n.startswith("answered")],
    )


def run_target(
    wh: Warehouse, /, *, exporter: str, importer: str | None = None, segment: str = "pharma", base: str,
    years: int, multiple: float | None = None, level: float | None = None, unit: str = "usd_mn",
    reporter: str = "exporter", dataset: str | None = None, windows: int | None = None, pool_partners: int = 10,
) -> Result:
    """Can a flow reach ``multiple`` x its ``base`` value (or ``level``) ``years`` later?

    Rows: the path needed (base x (1 + CAGR)^t) against the forecast with its 80% interval,
    and the probability of being at or above the needed value in each year; the summary row
    holds the required CAGR, the probability at the target period and the base rate of
    flows of similar size that grew as fast.

    Examples
    --------
    >>> run_target(wh, exporter="IND", importer="RUS", segment="medical_devices",
    ...            base="FY2022-23", multiple=3, years=5).rows[-1]["required_cagr_pct"]   # doctest: +SKIP
    24.57
    """
    if (multiple is None) == (level is None):
        raise InputError("give exactly one of --multiple (e.g. 3) or --level (e.g. 2000, in --unit)")
    if years < 1 or years > 30:
        raise InputError(f"--years must be between 1 and 30 (got {years})")
    if (multiple is not None and multiple <= 0) or (level is not None and level <= 0):
        raise InputError("--multiple and --level must be positive")
    p0 = parse_period(base)
    by = p0.type
    if by == "month":
        raise InputError(f"--base `{base}` is a month: give a fiscal year (FY2022-23) or a calendar year (2022)")
    setup = _setup(wh, exporter=exporter, importer=importer, segment=segment, by=by, unit=unit, reporter=reporter,
                   dataset=dataset, by_product=None, top_partners=30, pool_partners=pool_partners)
    s = setup.targets[0]
    full = dict(zip(s.labels, s.y))
    if p0.label not in setup.labels:
        raise InputError(f"--base `{base}` is outside the data ({setup.labels[0]}..{setup.labels[-1]} in {setup.dataset})")
    base_value = float(full.get(p0.label, 0.0))
    if base_value <= 0:
        raise InputError(f"the flow is zero in {p0}: a multiple of it means nothing; give --level instead")
    goal = base_value * multiple if multiple is not None else float(level)  # type: ignore[arg-type]
    mult = goal / base_value
    cagr = required_cagr(mult, years)
    path_labels = [p.label for p in period_range(p0, fy(p0.start.year + years) if by == "fy" else year(p0.start.year + years))]
    last, goal_period = setup.labels[-1], path_labels[-1]
    h = len(period_range(last, goal_period)) - 1 if parse_period(goal_period).start > parse_period(last).start else 0
    need = needed_path(base_value, cagr, years)
    rows: list[dict] = []
    notes = list(setup.notes)
    fc = None
    if h > 0:
        ev = _evaluate(setup, horizon=h, windows=windows, arima="auto")
        fc = _forecast(s, ev, h=h, season=1)
        notes += _accuracy_notes(ev, setup)
    future = _next_labels(last, h) if h > 0 else []
    for t, (p, nv) in enumerate(zip(path_labels, need)):
        row = {"period": p, "needed": nv, "actual": float(full[p]) if p in full else None, "forecast": None, "lo_80": None, "hi_80": None,
               "p_at_or_above_needed": None}
        if p in future and fc is not None:
            j = future.index(p)
            row.update(forecast=float(fc["mean"][j]), lo_80=float(fc["bounds"][80][0][j]),
                       hi_80=float(fc["bounds"][80][1][j]))
            row["p_at_or_above_needed"] = _prob(ev, fc, j + 1, nv)
        elif p in full:
            row["p_at_or_above_needed"] = float(full[p] >= nv - 1e-12)
        rows.append(row)
    prob = rows[-1]["p_at_or_above_needed"]
    rep, flow, _ = flow_spec(exporter, importer, reporter)
    types = period_types_for(available(wh, reporter=rep, flow=flow, partners=None)[setup.dataset], by)
    all_flows = fl.select(wh.table("trade_flows"), dataset=setup.dataset, reporter=rep, flow=flow, period_types=types)
    periods = [(r["period_type"], r["period"]) for r in
               all_flows.select("period_type", "period").distinct().to_pyarrow().to_pylist()]
    every = bulk_series(all_flows, time_key=by, labels=setup.labels, level="hs4", unit=unit,
                        rates=rates_for(unit, periods), top_partners=None)
    panel = pd.DataFrame([np.concatenate([np.zeros(len(setup.labels) - len(x.y)), x.y]) for x in every])
    br = base_rate(panel, base_value=base_value, cagr=cagr, years=years,
                   what=f"HS4 x partner flows of {setup.dataset} ({len(every):,} flows)")
    rows.append({"period": f"{p0}..{path_labels[-1]}", "needed": goal, "actual": None,
                 "forecast": rows[-1]["forecast"], "lo_80": rows[-1]["lo_80"], "hi_80": rows[-1]["hi_80"],
                 "p_at_or_above_needed": prob, "multiple": round(mult, 4), "required_cagr_pct": round(100 * cagr, 2),
                 "base_value": base_value, "base_rate_pct": None if math.isnan(br.share) else round(100 * br.share, 2),
                 "base_rate_cases": br.flows})
    for r in rows[:-1]:
        r.update(multiple=None, required_cagr_pct=None, base_value=None, base_rate_pct=None, base_rate_cases=None)
    notes.append(f"required growth: x{mult:.3g} in {years} years = {100 * cagr:.1f}% a year "
                 f"(({goal:,.2f} / {base_value:,.2f})^(1/{years}) - 1)")
    if prob is not None and fc is not None:
        notes.append(f"probability of being at or above {goal:,.2f} in {path_labels[-1]}: {prob:.0%} "
                     f"(forecast {fc['mean'][-1]:,.2f} by {fc['model']}, {fc['intervals']} predictive distribution)")
    notes.append(f"base rate: of {br.flows:,} cases of {br.what} worth {br.low:,.2f}-{br.high:,.2f} at the start of a "
                 f"{br.window}-year window, {br.reached:,} grew at least {100 * cagr:.1f}% a year"
                 + (f" ({br.share:.1%})" if br.flows else "")
                 + ("" if br.window == years else f"; the data span allows {br.window}-year windows, not {years}"))
    return Result(
        title=f"Target: {setup.what}, {as_segment(segment).name}: x{mult:.3g} of {p0} by {path_labels[-1]}",
        query=_query("target", exporter=exporter, importer=importer, segment=as_segment(segment).name, base=base,
                     years=years, multiple=multiple, level=level, unit=unit, reporter=reporter, dataset=dataset),
        definition={**setup.definition, "unit": unit,
                    "needed": "base value x (1 + required CAGR)^t",
                    "p_at_or_above_needed": "share of the calibrated predictive distribution at or above the needed "
                                            "value in that period (1/0 for observed periods)",
                    "base_rate": "share of flows within a factor 2 of the base value at a window's start whose "
                                 "CAGR over the window reached the required CAGR"},
        rows=rows, sources=setup.sources, notes=notes,
    )


def _prob(ev: Evaluation, fc: dict, horizon: int, threshold: float) -> float:
    """P(value >= threshold) at a horizon, from the distribution the intervals came from."""
    point, scale = float(fc["mean"][horizon - 1]), fc["scale"]
    if fc["intervals"] == "model":
        lo, hi = fc["bounds"][95][0][horizon - 1], fc["bounds"][95][1][horizon - 1]
        sigma = (hi - lo) / (2 * 1.959964)
        if sigma <= 0:
            return float(point >= threshold)
        return float(0.5 * math.erfc((threshold - point) / (sigma * math.sqrt(2))))
    if not math.isfinite(scale):
        return float(point >= threshold)
    p, _ = ev.conformal.prob_at_least(point, scale, fc["kind"], horizon, threshold)
    return p
