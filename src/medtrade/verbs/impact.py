"""`medtrade impact`: a flow before and after an event, against a forecast made from pre-event data only.

An interrupted-time-series view: the flow is split at the event (periods that overlap the
date the source states are "during" and belong to neither side); a forecast is fitted to
the pre-event periods alone (method chosen by rolling-origin backtest on that history, as
`medtrade forecast` does) and compared with what happened after. A gap outside the
forecast's 80 %/95 % interval says the flow left its pre-event course; it does not say
the event moved it (association, not proof: other events, prices and definitions change too).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from medtrade.catalog.periods import parse_period, period_range
from medtrade.errors import InputError
from medtrade.forecast.models import classify, forecast_series
from medtrade.forecast.select import evaluate
from medtrade.forecast.series import SEASON, Series, regular_series
from medtrade.results import Result
from medtrade.sources.events_yaml import date_end
from medtrade.verbs.common import available
from medtrade.verbs.flows import complete_periods, run_flows
from medtrade.warehouse.store import Warehouse

__all__ = ["run_impact"]

#: Default (most post-event periods forecast, backtest windows, pre-event periods shown) per period type.
DEFAULTS = {"month": (24, 12, 24), "fy": (5, 3, 7), "year": (5, 3, 7)}
#: Fewer pre-event periods than this: no forecast (a model fitted on less says nothing).
MIN_PRE = {"month": 24, "fy": 5, "year": 5}
LEVELS = (80, 95)


def _event(wh: Warehouse, event_id: int) -> dict:
    cur = wh.con.execute("SELECT event_id, date, date_precision, corridor, kind, title, status, source_url FROM events"
                         " WHERE event_id = ?", [int(event_id)])
    row = cur.fetchone()
    if row is None:
        n = wh.con.execute("SELECT count(*), min(event_id), max(event_id) FROM events").fetchone()
        hint = f"ids {n[1]}..{n[2]}" if n[0] else "none loaded: `medtrade events load FILE`"
        raise InputError(f"no event with id {event_id} ({hint}; list them with `medtrade events list`)")
    return dict(zip([d[0] for d in cur.description], row))


def _trend(y: np.ndarray) -> float | None:
    """Least-squares slope per period (None for fewer than 3 points)."""
    if len(y) < 3:
        return None
    return float(np.polyfit(np.arange(len(y)), y, 1)[0])


def _forecast(pre: Series, *, h: int, season: int, windows: int) -> dict:
    """Point forecast and 80/95 % bounds from pre-event data only, with how they were made."""
    kind, why = classify(pre.y)
    bt_h = min(h, max(1, len(pre.y) // 4))
    try:
        ev = evaluate([pre], h=bt_h, windows=min(windows, max(1, len(pre.y) - 2 * bt_h)), season=season,
                      levels=LEVELS, model_interval_series=1)
        method = ev.selection.get(kind, "naive")
    except (ValueError, IndexError, KeyError) as exc:  # too short to backtest: the simplest honest model
        ev, method = None, "naive"
        why += f"; no backtest possible ({type(exc).__name__}), naive used"
    f = forecast_series(pre.y, h=h, method=method, levels=LEVELS, season=season)
    bounds, how = {}, "model"
    for lv in LEVELS:
        lo, hi = f.lo[lv], f.hi[lv]
        if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))) and ev is not None:
            scale = float(np.mean(np.abs(np.diff(pre.y)))) if len(pre.y) > 1 else float("nan")
            if np.isfinite(scale) and scale > 0:
                lo, hi = ev.conformal.interval(f.mean, scale, kind, lv)
                how = "conformal (pooled scaled backtest errors)"
        bounds[lv] = (np.asarray(lo, dtype=float), np.asarray(hi, dtype=float))
    return {"mean": f.mean, "bounds": bounds, "method": method, "model": f.model, "kind": kind, "why": why,
            "intervals": how, "fallback": f.fallback}


def run_impact(wh: Warehouse, /, *, event: int, exporter: str, importer: str | None = None,
               segment: str = "pharma", by: str = "month", unit: str = "usd_mn", reporter: str = "exporter",
               dataset: str | None = None, horizon: int | None = None) -> Result:
    """The flow before and after event ``event``, and after it against a pre-event forecast.

    Rows: one per period, ``phase`` pre / during / post; post rows carry the forecast, its
    80 %/95 % bounds, the gap (actual - forecast) and whether the actual is outside each
    interval; two ``summary`` rows compare the mean level and trend just before and after.

    Examples
    --------
    >>> run_impact(wh, event=3, exporter="IND", importer="RUS", segment="medical_devices").notes[0]  # doctest: +SKIP
    """
    if by not in DEFAULTS:
        raise InputError(f"unknown --by `{by}` for impact; valid: month, fy, year")
    ev = _event(wh, event)
    start, end = ev["date"], date_end(ev["date"], ev["date_precision"])
    flows = run_flows(wh, exporter=exporter, importer=importer, segment=segment, by=by, unit=unit, reporter=reporter,
                      dataset=dataset)
    value = f"value_{unit}"
    # A fiscal year rolled up from a few months would look like a collapse: keep complete periods only.
    chosen, partners = flows.definition["dataset"].split(":")[0], flows.definition["partners"]
    partners = partners if isinstance(partners, list) else None
    rep, flow = flows.definition["reporter"], flows.definition["flow"]
    counts = complete_periods(wh, dataset=chosen, rep=rep, flow=flow, partners=partners, time_key=by)
    native = by in available(wh, reporter=rep, flow=flow, partners=partners).get(chosen, set())
    whole = 1 if native else 12  # source periods that make a whole one: itself, or its 12 months
    complete = {r[by]: r[value] for r in flows.rows if counts.get(r[by], 0) >= whole}
    dropped = sorted({r[by] for r in flows.rows} - set(complete))
    if not complete:
        raise InputError(f"no {by} data for this flow: see `medtrade flows` with the same options")
    labels = [p.label for p in period_range(min(complete), max(complete))]
    series = regular_series(complete, labels=labels, trim_leading=False)
    periods = [parse_period(lbl) for lbl in series.labels]
    phase = ["pre" if p.end < start else "post" if p.start > end else "during" for p in periods]
    pre_idx = [i for i, ph in enumerate(phase) if ph == "pre"]
    post_idx = [i for i, ph in enumerate(phase) if ph == "post"]
    h_max, windows, shown = DEFAULTS[by]
    when = f"{ev['date'].isoformat()[: {'day': 10, 'month': 7, 'year': 4}[ev['date_precision']]]}"
    notes = [f"event {ev['event_id']}: {when} {ev['kind']} ({ev['status']}): {ev['title']} (source: {ev['source_url']})"]
    if dropped:
        notes.append(f"left out as incomplete: {', '.join(dropped)}")
    if not pre_idx:
        raise InputError(f"the data start after the event ({series.labels[0]} vs {when}): nothing before it to compare")
    if not post_idx:
        raise InputError(f"no {by} data after the event ({when}); the data end in {series.labels[-1]}: "
                         "load a later release to see what followed")
    h = min(len(post_idx), horizon or h_max)
    # The forecast runs from the last pre-event period through the "during" ones into the post-event ones:
    # step s of the forecast is period pre_end + s, whatever its phase.
    n_during = post_idx[0] - pre_idx[-1] - 1
    steps = n_during + h
    pre = Series("pre", {}, [series.labels[i] for i in pre_idx], series.y[pre_idx])
    fc = None
    if len(pre.y) >= MIN_PRE[by]:
        fc = _forecast(pre, h=steps, season=SEASON[by], windows=windows)
    else:
        notes.append(f"only {len(pre.y)} pre-event {by} periods (fewer than {MIN_PRE[by]}): levels and trends only, "
                     "no forecast; try --by month")
    rows = []
    for i in pre_idx[-shown:] + [i for i, ph in enumerate(phase) if ph == "during"] + post_idx:
        row = {"period": series.labels[i], "phase": phase[i], "actual": float(series.y[i]), "forecast": None,
               "lo_80": None, "hi_80": None, "lo_95": None, "hi_95": None, "gap": None, "outside_80": None,
               "outside_95": None}
        j = i - pre_idx[-1] - 1
        if fc is not None and 0 <= j < steps:
            row["forecast"] = float(fc["mean"][j])
            row["gap"] = row["actual"] - row["forecast"]
            for lv in LEVELS:
                lo, hi = float(fc["bounds"][lv][0][j]), float(fc["bounds"][lv][1][j])
                row[f"lo_{lv}"], row[f"hi_{lv}"] = lo, hi
                row[f"outside_{lv}"] = bool(row["actual"] < lo or row["actual"] > hi)
        rows.append(row)
    k = min(len(pre_idx), len(post_idx), h)
    before, after = series.y[pre_idx[-k:]], series.y[post_idx[:k]]
    expected_after = float(np.mean(fc["mean"][n_during:n_during + k])) if fc is not None else None
    for label, ys, ph in ((f"last {k} pre", before, "summary_pre"), (f"first {k} post", after, "summary_post")):
        mean_fc = expected_after if ph == "summary_post" else None
        rows.append({"period": label, "phase": ph, "actual": float(np.mean(ys)), "forecast": mean_fc,
                     "lo_80": None, "hi_80": None, "lo_95": None, "hi_95": None,
                     "gap": None if mean_fc is None else float(np.mean(ys)) - mean_fc,
                     "outside_80": None, "outside_95": None, "trend_per_period": _trend(ys)})
    for r in rows:
        r.setdefault("trend_per_period", None)
    change = (after.mean() / before.mean() - 1) if before.mean() else float("nan")
    notes.append(f"mean level {unit}: {before.mean():,.3f} in the last {k} {by} periods before, {after.mean():,.3f} in "
                 f"the first {k} after ({change:+.1%})" + (f"; trend {_fmt(_trend(before))} -> {_fmt(_trend(after))} "
                                                           f"per {by}" if k >= 3 else ""))
    if fc is not None:
        post_rows = [r for r in rows if r["phase"] == "post" and r["forecast"] is not None]
        out80 = sum(bool(r["outside_80"]) for r in post_rows)
        out95 = sum(bool(r["outside_95"]) for r in post_rows)
        total_gap = sum(r["gap"] for r in post_rows)
        total_fc = sum(r["forecast"] for r in post_rows)
        notes.append(f"after the event: actual - forecast summed over {len(post_rows)} {by} periods = {total_gap:+,.3f} "
                     f"{unit}" + (f" ({total_gap / total_fc:+.1%} of the forecast)" if total_fc else "")
                     + f"; outside the 80% interval in {out80}, outside the 95% interval in {out95}")
        notes.append(f"forecast from {len(pre.y)} pre-event periods ({pre.labels[0]}..{pre.labels[-1]}) only: "
                     f"{fc['model']} ({fc['why']}; method {fc['method']}), intervals: {fc['intervals']}"
                     + (f"; fallback: {fc['fallback']}" if fc["fallback"] else ""))
    notes.append("association, not proof: a flow leaving its pre-event course after an event does not show that the "
                 "event caused it (other events, prices, rates and reporting changes act at the same time)")
    notes += flows.notes
    return Result(
        title=f"Impact of event {ev['event_id']} on {flows.title or 'the flow'}",
        query={"verb": "impact", "event": event, "exporter": exporter, "importer": importer, "segment": segment,
               "by": by, "unit": unit, "reporter": reporter, "dataset": dataset, "horizon": horizon},
        definition={**flows.definition, "event": {k: (str(v) if isinstance(v, date) else v) for k, v in ev.items()},
                    "phases": "pre: periods ending before the stated date (its day, month or year); during: periods "
                              "overlapping it (in neither side); post: periods starting after it",
                    "forecast": "fitted on pre-event periods only; method chosen by rolling-origin backtest on that "
                                "history (medtrade.forecast), 80%/95% intervals; it runs from the last pre-event period "
                                "through the during periods (shown too) into the post-event ones",
                    "gap": "actual - forecast; outside_80/95: the actual lies outside that interval"},
        rows=rows, sources=flows.sources, notes=notes,
    )


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:+,.3f}"
