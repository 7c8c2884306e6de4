"""Load benchmark: the 2.48 M-row India EIDB file through medtrade, DuckDB, pandas and Polars.

Usage::

    python benchmarks/bench_load.py [--data DIR] [--repeat 3] [--out benchmarks/out/load.json]

The file ``DIR/trade/india_eidb/india_exports_hs8_by_partner_fy2017-18_to_2023-24.csv.gz``
is loaded as shipped (gzip) and decompressed once to plain CSV in a temp dir. Every
contender runs in a fresh process; its peak memory is that process's peak RSS
(``ru_maxrss`` from ``os.wait4`` on the child; Python children also report their own
``RUSAGE_SELF``, which agrees). This parent process stays small, since a child's
high-water mark starts at the parent's on exec; its own peak is recorded as the floor.
Runs are interleaved round-robin, the contender order rotating each round, so the
machine's noise is shared fairly; the timed span's CPU time is recorded beside its
wall time, being far less sensitive to other processes.

Contenders, per file:

``medtrade-lib``   ``Warehouse(new file).load(path)``; timed: ``load()`` only (imports and
                   warehouse creation reported apart).
``medtrade-cli``   ``medtrade load PATH -w NEW.duckdb --format json``; timed: the whole
                   command (start-up and imports included); the in-process load time from
                   its JSON report is kept too.
``duckdb-raw``     ``CREATE TABLE t AS SELECT * FROM read_csv(PATH, quote='"', escape='"')``
                   into a new DuckDB file: the limit. Timed: that statement.
``pandas``         ``pd.read_csv(path, dtype={'hs8': str})`` + ``df.to_parquet(...)``.
``polars``         ``pl.read_csv(path, schema_overrides={'hs8': pl.Utf8})`` + ``write_parquet``;
                   Polars reads the ``.gz`` itself (it decompresses into memory first).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.metadata
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
INDIA = Path("trade/india_eidb/india_exports_hs8_by_partner_fy2017-18_to_2023-24.csv.gz")
EXPECTED_ROWS = 2_478_935
CONTENDERS = ("medtrade-lib", "medtrade-cli", "duckdb-raw", "pandas", "polars")
BASELINE = "duckdb-raw"
TARGET_RATIO, TARGET_RSS_BYTES = 1.3, 1.5e9


# ------------------------------------------------------------------ child side
def _child(name: str, path: Path, work: Path) -> dict:
    """Run one contender in this (fresh) process; returns its measurements.

    ``cpu_seconds`` is the CPU time (all threads, user + system) of the timed span: less
    sensitive than wall time to other processes competing for the cores.
    """
    t0 = time.perf_counter()
    out: dict = {}
    cpu = 0.0
    if name == "medtrade-lib":
        from medtrade.warehouse.store import Warehouse

        t1 = time.perf_counter()
        wh = Warehouse(work / "w.duckdb")
        t2, c2 = time.perf_counter(), time.process_time()
        report = wh.load(path)
        t3, cpu = time.perf_counter(), time.process_time() - c2
        wh.close()
        out = {"seconds": t3 - t2, "import_seconds": t1 - t0, "open_seconds": t2 - t1,
               "close_seconds": time.perf_counter() - t3, "rows": report.rows_read,
               "rows_loaded": report.rows_loaded, "rows_rejected": report.rows_rejected}
    elif name == "duckdb-raw":
        import duckdb

        t1 = time.perf_counter()
        con = duckdb.connect(str(work / "raw.duckdb"))
        escaped = str(path).replace("'", "''")
        t2, c2 = time.perf_counter(), time.process_time()
        con.execute(f"""CREATE TABLE t AS SELECT * FROM read_csv('{escaped}', quote = '"', escape = '"')""")
        t3, cpu = time.perf_counter(), time.process_time() - c2
        rows = con.execute("SELECT count(*) FROM t").fetchone()[0]
        con.close()
        out = {"seconds": t3 - t2, "import_seconds": t1 - t0, "open_seconds": t2 - t1, "rows": rows}
    elif name == "pandas":
        import pandas as pd

        t1, c1 = time.perf_counter(), time.process_time()
        df = pd.read_csv(path, dtype={"hs8": str})
        t2 = time.perf_counter()
        df.to_parquet(work / "t.parquet")
        t3, cpu = time.perf_counter(), time.process_time() - c1
        out = {"seconds": t3 - t1, "import_seconds": t1 - t0, "read_seconds": t2 - t1,
               "write_seconds": t3 - t2, "rows": len(df)}
    elif name == "polars":
        import polars as pl

        t1, c1 = time.perf_counter(), time.process_time()
        df = pl.read_csv(path, schema_overrides={"hs8": pl.Utf8})
        t2 = time.perf_counter()
        df.write_parquet(work / "t.parquet")
        t3, cpu = time.perf_counter(), time.process_time() - c1
        out = {"seconds": t3 - t1, "import_seconds": t1 - t0, "read_seconds": t2 - t1,
               "write_seconds": t3 - t2, "rows": df.height}
    else:
        raise SystemExit(f"unknown contender `{name}`; valid: {', '.join(CONTENDERS)}")
    out["cpu_seconds"] = cpu
    out["self_peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


# ------------------------------------------------------------------ parent side
def _run(name: str, path: Path, tmp: Path) -> dict:
    """One contender on one file in a fresh process, in a fresh work dir."""
    work = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=tmp))
    if name == "medtrade-cli":
        cmd = [str(Path(sys.executable).with_name("medtrade")), "load", str(path),
               "-w", str(work / "w.duckdb"), "--format", "json"]
    else:
        cmd = [sys.executable, __file__, "--child", name, "--path", str(path), "--work", str(work)]
    out_file, err_file = work / "stdout", work / "stderr"
    with out_file.open("wb") as out, err_file.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=work)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, unlike RUSAGE_CHILDREN
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout, stderr = out_file.read_bytes(), err_file.read_bytes()
    shutil.rmtree(work, ignore_errors=True)
    result: dict = {"contender": name, "wall_seconds": wall, "returncode": proc.returncode}
    if proc.returncode != 0:
        result["error"] = stderr.decode(errors="replace").strip().splitlines()[-1:] or ["(no message)"]
        return result
    if name == "medtrade-cli":
        report = json.loads(stdout)[0]
        result.update(seconds=wall, load_seconds=report["seconds"], rows=report["rows_read"],
                      rows_loaded=report["rows_loaded"], rows_rejected=report["rows_rejected"])
    else:
        result.update(json.loads(stdout.decode().strip().splitlines()[-1]))
    result["peak_rss_mib"] = usage.ru_maxrss / 1024
    result["process_cpu_seconds"] = usage.ru_utime + usage.ru_stime  # whole process, start-up included
    if name == "medtrade-cli":
        result["cpu_seconds"] = result["process_cpu_seconds"]
    return result


def _summarise(runs: list[dict], variants: list[str], contenders: list[str]) -> list[dict]:
    rows = []
    for variant in variants:
        base = [r["seconds"] for r in runs if r["variant"] == variant and r["contender"] == BASELINE and "seconds" in r]
        base_median, base_min = (statistics.median(base), min(base)) if base else (None, None)
        for name in contenders:
            mine = [r for r in runs if r["variant"] == variant and r["contender"] == name and "seconds" in r]
            if not mine:
                rows.append({"variant": variant, "contender": name, "failed": True})
                continue
            secs = [r["seconds"] for r in mine]
            rss = [r["peak_rss_mib"] for r in mine]
            row = {"variant": variant, "contender": name, "n": len(mine), "median_s": statistics.median(secs),
                   "min_s": min(secs), "max_s": max(secs), "peak_rss_mib": max(rss),
                   "cpu_median_s": statistics.median(r["cpu_seconds"] for r in mine),
                   "rows_ok": all(r["rows"] == EXPECTED_ROWS for r in mine)}
            if base_median:
                row["ratio_median"] = row["median_s"] / base_median
                row["ratio_min"] = row["min_s"] / base_min
            if name == "medtrade-cli":
                row["load_median_s"] = statistics.median(r["load_seconds"] for r in mine)
                if base_median:
                    row["load_ratio_median"] = row["load_median_s"] / base_median
            if name.startswith("medtrade"):
                row["meets_time"] = row.get("ratio_median", 99) <= TARGET_RATIO
                row["meets_memory"] = row["peak_rss_mib"] * 2**20 < TARGET_RSS_BYTES
            rows.append(row)
    return rows


def _table(summary: list[dict]) -> str:
    lines = ["| file | contender | median s | min s | max s | CPU s (median) | peak RSS MiB "
             "| ratio to duckdb-raw (median / min) | rows ok |",
             "|---|---|---:|---:|---:|---:|---:|---:|:---:|"]
    for s in summary:
        if s.get("failed"):
            lines.append(f"| {s['variant']} | {s['contender']} | failed | | | | | | |")
            continue
        ratio = f"{s['ratio_median']:.2f}x / {s['ratio_min']:.2f}x" if "ratio_median" in s else ""
        name = s["contender"]
        if "load_median_s" in s:
            name += f" (in-process load {s['load_median_s']:.2f} s, {s.get('load_ratio_median', 0):.2f}x)"
        lines.append(f"| {s['variant']} | {name} | {s['median_s']:.2f} | {s['min_s']:.2f} | {s['max_s']:.2f} "
                     f"| {s['cpu_median_s']:.2f} | {s['peak_rss_mib']:,.0f} | {ratio} "
                     f"| {'yes' if s['rows_ok'] else 'NO'} |")
    return "\n".join(lines)


def _code_state() -> dict:
    """The commit and the uncommitted changes under src/ (the code measured)."""
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError):
            return ""

    diff = git("diff", "HEAD", "--", "src") + "".join(
        f"{name}\n{(REPO / name).read_text(errors='replace')}" for name in git(
            "ls-files", "--others", "--exclude-standard", "--", "src").split())
    return {"commit": git("rev-parse", "--short", "HEAD").strip(),
            "changed": git("status", "--porcelain", "--", "src").splitlines(),
            "uncommitted_sha256": hashlib.sha256(diff.encode()).hexdigest()[:16]}


def _shown(path: str) -> str:
    """A path relative to the repo root when inside it (for the recorded command)."""
    try:
        return str(Path(path).absolute().relative_to(REPO))
    except ValueError:
        return path


def _machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    mem_kib = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                    if line.startswith("MemTotal")), 0)
    versions = {pkg: importlib.metadata.version(pkg) for pkg in ("medtrade", "duckdb", "pandas", "polars", "pyarrow")}
    return {"nproc": os.cpu_count(), "cpus_usable": len(os.sched_getaffinity(0)), "cpu_model": model,
            "ram_gib": round(mem_kib / 2**20, 1), "python": platform.python_version(), **versions,
            "platform": platform.platform()}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status (1 when a run failed or miscounted rows)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_data = Path(os.environ.get("MEDTRADE_DATA") or REPO.parent / "shared" / "data")
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "out" / "load.json")
    parser.add_argument("--contenders", default=",".join(CONTENDERS), help="comma-separated subset")
    parser.add_argument("--variants", default="gzip,plain", help="gzip, plain or both")
    parser.add_argument("--tmp", type=Path, default=None, help="where the plain CSV and run outputs go")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--path", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child, args.path, args.work)))
        return 0

    source = args.data / INDIA
    if not source.is_file():
        parser.error(f"India file not found: `{source}`; pass --data DIR or set MEDTRADE_DATA")
    contenders = [c.strip() for c in args.contenders.split(",") if c.strip()]
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    if bad := [c for c in contenders if c not in CONTENDERS] + [v for v in variants if v not in ("gzip", "plain")]:
        parser.error(f"unknown contender/variant {bad}; valid: {', '.join(CONTENDERS)}; gzip, plain")

    tmp = Path(tempfile.mkdtemp(prefix="medtrade-bench-load-", dir=args.tmp))
    try:
        files = {"gzip": source}
        if "plain" in variants:
            files["plain"] = tmp / source.name.removesuffix(".gz")
            with gzip.open(source, "rb") as src, files["plain"].open("wb") as dst:  # also warms the page cache
                shutil.copyfileobj(src, dst, 1 << 20)
        meta = {"date_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": _machine(),
                "command": " ".join([_shown(sys.executable), _shown(sys.argv[0]), *sys.argv[1:]]),
                "repeat": args.repeat,
                "files": {v: {"path": str(p), "bytes": p.stat().st_size} for v, p in files.items() if v in variants},
                "code": _code_state(), "loadavg_before": os.getloadavg()}
        print(f"load average before: {meta['loadavg_before']}", file=sys.stderr)
        runs = []
        for rnd in range(args.repeat):
            order = contenders[rnd % len(contenders):] + contenders[:rnd % len(contenders)]
            for variant in variants:
                for name in order:
                    result = _run(name, files[variant], tmp)
                    result.update(variant=variant, round=rnd + 1, loadavg_1m_after=os.getloadavg()[0])
                    runs.append(result)
                    shown = (f"{result['seconds']:.2f} s, cpu {result['cpu_seconds']:.2f} s, "
                             f"{result['peak_rss_mib']:,.0f} MiB, {result['rows']:,} rows"
                             if "seconds" in result else f"FAILED: {result['error']}")
                    print(f"round {rnd + 1} {variant:5} {name:12} {shown}", file=sys.stderr)
        meta["loadavg_after"] = os.getloadavg()
        if (after := _code_state()) != meta["code"]:
            meta["code_after"] = after
            print("warning: src/ changed during the run (see meta.code_after)", file=sys.stderr)
        # A child's ru_maxrss starts at this process's peak (exec inherits the high-water
        # mark), so this process stays small; its peak is the floor of every child's.
        meta["parent_peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    summary = _summarise(runs, variants, contenders)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"meta": meta, "summary": summary, "runs": runs}, indent=2) + "\n")
    print(_table(summary))
    print(f"\nwritten: {args.out}", file=sys.stderr)
    bad_runs = [r for r in runs if "seconds" not in r or r["rows"] != EXPECTED_ROWS]
    return 1 if bad_runs else 0


if __name__ == "__main__":
    sys.exit(main())
