"""Backtest table for docs/forecast.md: India -> Russia, HS4 headings of chapters 29, 30 and 90.

Annual: India's EIDB fiscal-year table, every HS4 heading with non-zero exports to Russia in
at least 5 fiscal years. Monthly: the same rule on India's monthly statistics (MEIDB).
Usage: ``python scripts/backtest_report.py [WAREHOUSE]`` (a warehouse holding both files,
e.g. the one `medtrade demo` builds). tests/forecast/test_backtest_real.py asserts bounds on
the same computation.
"""

from __future__ import annotations

import sys
import time

from medtrade.analysis import flows as fl
from medtrade.catalog.periods import roll_up
from medtrade.catalog.segments import Segment
from medtrade.forecast.select import Evaluation, evaluate
from medtrade.forecast.series import Series, bulk_series, complete_span
from medtrade.warehouse.store import Warehouse

CHAPTERS = Segment("ch29_30_90", "1", "HS chapters 29, 30, 90", "organic chemicals, pharmaceuticals, instruments",
                   include=("29", "30", "90"))
#: (dataset, period type, horizon, windows, step, season)
SETUPS = {"annual": ("in-eidb", "fy", 5, 3, 1, 1), "monthly": ("in-monthly", "month", 12, 12, 6, 12)}


def india_russia_series(wh: Warehouse, /, which: str) -> list[Series]:
    """HS4 x RUS series of chapters 29/30/90 with non-zero exports in >= 5 fiscal years."""
    dataset, by, *_ = SETUPS[which]
    t = wh.table("trade_flows")
    anyp = fl.select(t, dataset=dataset, reporter="IND", flow="export", partners=["RUS"], period_types=[by])
    labels, _ = complete_span(anyp, time_key=by, native=True)
    sel = fl.select(t, dataset=dataset, reporter="IND", flow="export", partners=["RUS"], segment=CHAPTERS,
                    period_types=[by])
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


def main(argv: list[str]) -> None:
    path = argv[1] if len(argv) > 1 else "medtrade.duckdb"
    with Warehouse(path, read_only=True) as wh:
        for which in SETUPS:
            t0 = time.perf_counter()
            series, ev = run(wh, which, n_jobs=2)
            print(markdown(which, series, ev))
            print(f"\n({time.perf_counter() - t0:.1f} s)\n")


if __name__ == "__main__":
    main(sys.argv)
