"""The corridor report's wall time: `build_report` + HTML + workbook, with 1 and 2 worker processes.

    python benchmarks/bench_report.py WAREHOUSE [--repeat 3] [--workers 1,2]

WAREHOUSE is a warehouse built by `medtrade demo` (every shared file loaded). Prints, per
worker count, the wall time of each run (plan, verbs, assembly, HTML, workbook) and the
summed time of the tasks (what one process would need), then the ten slowest tasks of the
last run, and the machine's load average (the 2-core machine is shared: note it with the
numbers).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import tempfile
import time
from pathlib import Path


def _cpu() -> float:
    """CPU seconds (user + system) of this process and of its finished children (the workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("warehouse", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", default="2,1", help="comma-separated worker counts")
    args = ap.parse_args()

    from medtrade.report import ReportSpec, build_report, write_html, write_xlsx
    from medtrade.report import build as b
    from medtrade.report.tasks import run_tasks
    from medtrade.warehouse.store import Warehouse

    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average {os.getloadavg()}")
    out = Path(tempfile.mkdtemp(prefix="bench_report_"))
    for workers in (int(w) for w in args.workers.split(",")):
        walls = []
        for i in range(args.repeat):
            started, cpu0 = time.perf_counter(), _cpu()
            report = build_report(args.warehouse, spec=ReportSpec(exporter="IND", importer="RUS"), workers=workers)
            write_html(report, out / "r.html")
            write_xlsx(report, out / "r.xlsx")
            wall, cpu = time.perf_counter() - started, _cpu() - cpu0
            walls.append(wall)
            s = report.seconds
            print(f"workers={workers} run {i + 1}: {wall:.1f} s (plan {s['plan']:.1f}, verbs {s['verbs']:.1f}, "
                  f"assemble {s['assemble']:.1f}; tasks summed {s['verbs_serial']:.1f} s wall, {s['verbs_cpu']:.1f} s "
                  f"CPU); CPU of this process and its workers {cpu:.1f} s; load {os.getloadavg()[0]:.1f}")
        print(f"workers={workers}: median {statistics.median(walls):.1f} s, min {min(walls):.1f} s "
              f"over {args.repeat} runs; html {(out / 'r.html').stat().st_size / 1e6:.1f} MB")
    with Warehouse(args.warehouse, read_only=True) as wh:
        plan = b._plan(wh, ReportSpec(exporter="IND", importer="RUS"))
        outcomes = run_tasks(plan.tasks, warehouse=args.warehouse, workers=1, wh=wh)
    print("slowest tasks (one process):")
    for key, o in sorted(outcomes.items(), key=lambda kv: -kv[1].seconds)[:10]:
        print(f"  {o.seconds:6.2f} s  {key}")


if __name__ == "__main__":
    main()
