"""Backtest table for docs/forecast.md: India -> Russia, HS4 headings of chapters 29, 30 and 90.

Every HS4 heading with non-zero exports to Russia in at least 5 fiscal years, in three setups:
``annual``: India's EIDB fiscal-year table (FY2017-18..FY2023-24, 7 years; origins: the last 3);
``annual-long``: fiscal years rolled up from India's monthly statistics (MEIDB), the longest
annual history loaded (FY2010-11..FY2023-24, 14 years; origins: the last 8, each with at least
6 years before it); ``monthly``: the monthly statistics themselves.
Usage: ``python scripts/backtest_report.py [WAREHOUSE]`` (a warehouse holding both files,
e.g. the one `medtrade demo` builds). tests/forecast/test_backtest_real.py asserts bounds on
the same computation.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

from medtrade.analysis import flows as fl
from medtrade.catalog.periods import roll_up
from medtrade.catalog.segments import Segment
from medtrade.forecast.select import Evaluation, advantage, evaluate
from medtrade.forecast.series import Series, bulk_series, complete_span
from medtrade.warehouse.store import Warehouse

CHAPTERS = Segment("ch29_30_90", "1", "HS chapters 29, 30, 90", "organic chemicals, pharmaceuticals, instruments",
                   include=("29", "30", "90"))
#: (dataset, period type, horizon, windows, step, season)
SETUPS = {"annual": ("in-eidb", "fy", 5, 3, 1, 1), "annual-long": ("in-monthly", "fy", 5, 8, 1, 1),
          "monthly": ("in-monthly", "month", 12, 12, 6, 12)}


def india_russia_series(wh: Warehouse, /, which: str) -> list[Series]:
    """HS4 x RUS series of chapters 29/30/90 with non-zero exports in >= 5 fiscal years (see :data:`SETUPS`)."""
    dataset, by, *_ = SETUPS[which]
    native = dataset == "in-eidb" or by == "month"  # else fiscal years are rolled up from months
    types = [by] if native else fl.TIME_KEYS[by]
    t = wh.table("trade_flows")
    anyp = fl.select(t, dataset=dataset, reporter="IND", flow="export", partners=["RUS"], period_types=types)
    labels, _ = complete_span(anyp, time_key=by, native=native)
    sel = fl.select(t, dataset=dataset, reporter="IND", flow="export", partners=["RUS"], segment=CHAPTERS,
                    period_types=types)
    series = bulk_series(sel, time_key=by, labels=labels, level="hs4", top_partners=None)
    fys = {s.uid: {roll_up(p, to="fy").label if by == "month" else p for p, v in zip(s.labels, s.y) if v != 0}
           for s in series}
    return [s for s in series if len(fys[s.uid]) >= 5]


def run(wh: Warehouse, /, which: str, *, n_jobs: int = 1) -> tuple[list[Series], Evaluation]:
    """The series and their evaluation (backtest, choice, calibration, out-of-fold accuracy)."""
    _, _, h, windows, step, season = SETUPS[which]
    series = india_russia_series(wh, which)
    return series, evaluate(series, h=h, windows=windows, step=step, season=season, n_jobs=n_jobs)


def markdown(which: str, series: list[Series], ev: Evaluation) -> str:
    """The accuracy table as Markdown."""
    table = ev.table()
    head = (f"**{which}** ({len(series)} series; rolling origin over the last {ev.params['windows']} periods"
            f"{', every ' + str(ev.params['step']) + ' months' if ev.params['step'] > 1 else ''}, horizon up to "
            f"{ev.params['h']}; chosen: {', '.join(f'{k} {v}' for k, v in sorted(ev.selection.items()))}; "
            f"intervals: {ev.interval_method})")
    lines = [head, "",
             "| method | series | points | MASE | sMAPE | 80% coverage | 95% coverage |", "|---|---|---|---|---|---|---|"]
    for r in table.to_dict("records"):
        cov = [f"{r[c]:.1%}" if r.get(c) == r.get(c) and r.get(c) is not None else "" for c in ("coverage_80", "coverage_95")]
        lines.append(f"| {r['method']} | {r['series']} | {r['points']} | {r['mase']:.3f} | {r['smape']:.1f} | "
                     f"{cov[0]} | {cov[1]} |")
    lines += ["", f"Interval choice: {ev.interval_method} ({ev.interval_reason})."]
    return "\n".join(lines)


def advantages(ev: Evaluation, kind: str = "regular") -> str:
    """Each candidate's advantage over naive on one kind of history (mean +/- series-clustered SE)."""
    r = ev.records[ev.records["kind"] == kind]
    cells = []
    for method in sorted(set(r["method"]) - {"naive"}):
        mean, se, n = advantage(r, method)
        cells.append(f"{method} {mean:+.3f} +/- {se:.3f}")
    return f"advantage over naive on {kind} histories ({r['uid'].nunique()} series): " + ", ".join(cells)


def sensitivity(wh: Warehouse, which: str, windows: Sequence[int], *, n_jobs: int = 1) -> str:
    """Chosen (cross-fitted) vs naive MASE and coverage for each number of origins, as Markdown."""
    _, by, h, _, step, season = SETUPS[which]
    series = india_russia_series(wh, which)
    lines = ["| origins | points | chosen MASE | naive MASE | chosen / naive | 80% coverage | 95% coverage |",
             "|---|---|---|---|---|---|---|"]
    for w in windows:
        table = evaluate(series, h=h, windows=w, step=step, season=season, n_jobs=n_jobs).table().set_index("method")
        c, nv = table.loc["chosen (cross-fitted)"], table.loc["naive"]
        lines.append(f"| {w} | {int(c['points'])} | {c['mase']:.3f} | {nv['mase']:.3f} | {c['mase'] / nv['mase']:.3f} | "
                     f"{c['coverage_80']:.1%} | {c['coverage_95']:.1%} |")
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    path = argv[1] if len(argv) > 1 else "medtrade.duckdb"
    with Warehouse(path, read_only=True) as wh:
        for which in SETUPS:
            t0 = time.perf_counter()
            series, ev = run(wh, which, n_jobs=2)
            print(markdown(which, series, ev))
            print(f"\n{advantages(ev)}\n\n({time.perf_counter() - t0:.1f} s)\n")
        print("annual-long by number of origins:\n")
        print(sensitivity(wh, "annual-long", range(3, 11), n_jobs=2))


if __name__ == "__main__":
    main(sys.argv)
