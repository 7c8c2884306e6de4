"""`medtrade fetch ...`: download official data into the cache and load it (see docs/fetch.md).

Kept apart from cli.py, which registers :data:`fetch_app` with one ``add_typer`` line.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from medtrade.cli_common import WarehouseOpt, console, err, open_warehouse, user_errors
from medtrade.errors import InputError

fetch_app = typer.Typer(
    help="Download official data (UN Comtrade, CEPII BACI, ECB rates) into a cache and load it; "
         "resumable, rate-limited. India's EIDB: the manual path.",
    no_args_is_help=True,
)

CacheOpt = Annotated[Path | None, typer.Option("--cache", help="Download cache [default: $MEDTRADE_CACHE or ~/.cache/medtrade]")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="Output format: table or json")]
MaxCallsOpt = Annotated[int | None, typer.Option("--max-calls", min=1, help="Stop after this many HTTP calls (retries included); rerun to resume")]
MaxWaitOpt = Annotated[float, typer.Option("--max-wait", min=0, help="Longest Retry-After to wait, seconds; longer = quota error")]
DelayOpt = Annotated[float, typer.Option("--retry-delay", min=0, help="First backoff after a failure, seconds (doubles, with jitter)")]
TimeoutOpt = Annotated[float, typer.Option("--timeout", min=0.1, help="Seconds without data before a call counts as failed")]


def _format(fmt: str) -> str:
    if fmt not in ("table", "json"):
        raise InputError(f"unknown --format `{fmt}`; valid: table, json")
    return fmt


def _policy(max_wait: float, retry_delay: float, timeout: float):
    from medtrade.fetch.http import RetryPolicy

    return RetryPolicy(base_delay=retry_delay, max_wait=max_wait, timeout=timeout)


def _print(report: Any, fmt: str) -> None:
    if fmt == "json":
        print(json.dumps(report.asdict(), indent=2, ensure_ascii=False))
    else:
        console.print(str(report), highlight=False, soft_wrap=True)


@fetch_app.command("comtrade")
@user_errors
def comtrade(
    reporter: Annotated[str, typer.Option(help="Reporting country or countries: ISO3, name or Comtrade code (RUS, 699)")],
    hs: Annotated[str, typer.Option(help="HS codes and ranges: 30,2941,9018-9022 (or TOTAL)")],
    period: Annotated[str, typer.Option(help="Years 2019-2023 or 2019,2021; with --freq M also 2023-01:2023-06")],
    partner: Annotated[str, typer.Option(help="Partner countries, or all")] = "all",
    flow: Annotated[str, typer.Option(help="import, export, re-import, re-export (comma-separated) or all")] = "import",
    freq: Annotated[str, typer.Option(help="A (annual) or M (monthly)")] = "A",
    key_env: Annotated[str, typer.Option("--key-env", help="Environment variable holding the Comtrade subscription key")] = "COMTRADE_KEY",
    tier: Annotated[str, typer.Option(help="Key type, for the limits: free or premium")] = "free",
    records_per_call: Annotated[int | None, typer.Option(min=1, help="Override the records-per-call limit of --tier")] = None,
    calls_per_day: Annotated[int | None, typer.Option(min=1, help="Override the calls-per-day limit of --tier")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the planned calls and exit")] = False,
    base_url: Annotated[str | None, typer.Option("--base-url", help="API base [default: $MEDTRADE_COMTRADE_URL or https://comtradeapi.un.org/data/v1/get]")] = None,
    max_calls: MaxCallsOpt = None,
    max_wait: MaxWaitOpt = 900.0,
    retry_delay: DelayOpt = 1.0,
    timeout: TimeoutOpt = 120.0,
    cache: CacheOpt = None,
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """UN Comtrade API: split into calls within the key's limits, resume, cache, load (dataset comtrade)."""
    from medtrade.fetch import comtrade as ct
    from medtrade.fetch.cache import cache_root

    _format(fmt)
    if tier not in ct.LIMITS:
        raise InputError(f"--tier `{tier}` is not valid: free or premium")
    limits = ct.LIMITS[tier]
    overrides = {k: v for k, v in (("records_per_call", records_per_call), ("calls_per_day", calls_per_day)) if v}
    limits = dataclasses.replace(limits, **overrides)
    request = ct.parse_request(reporter=reporter, partner=partner, flow=flow, hs=hs, period=period, freq=freq)
    if dry_run:
        for line in ct.dry_run_lines(request, limits, base_url):
            console.print(line, highlight=False, soft_wrap=True)
        return
    key = os.environ.get(key_env, "").strip()
    if not key:
        raise InputError(f"${key_env} is empty: put your Comtrade subscription key in it (free at "
                         "https://comtradedeveloper.un.org) or name another variable with --key-env")
    quiet = fmt != "table"
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("chunks"),
               TextColumn("{task.fields[rows]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=err, disable=quiet, transient=True) as bar, open_warehouse(warehouse) as wh:
        task = bar.add_task("comtrade", total=None, rows="")
        rows = 0

        def progress(job: Any, chunk: Any) -> None:
            nonlocal rows
            live = [c for c in job.chunks if c.status != "split"]
            if chunk is not None:
                rows += chunk.rows_loaded or 0
            bar.update(task, total=len(live), completed=len(job.done()), rows=f"{rows:,} rows")

        report = ct.fetch(request, warehouse=wh, root=cache_root(cache), key=key, key_env=key_env, limits=limits,
                          base=base_url, policy=_policy(max_wait, retry_delay, timeout), max_calls=max_calls,
                          on_wait=lambda msg: bar.console.print(f"  {msg}", highlight=False, soft_wrap=True),
                          progress=progress)
    _print(report, fmt)


@fetch_app.command("baci")
@user_errors
def baci(
    release: Annotated[str, typer.Option(help="BACI release, YYYYMM (e.g. 202501)")],
    hs: Annotated[str, typer.Option(help="HS edition: HS92, HS96, HS02, HS07, HS12, HS17 or HS22")] = "HS17",
    years: Annotated[str | None, typer.Option(help="Only these years, e.g. 2019-2023 [default: all in the archive]")] = None,
    sha256: Annotated[str | None, typer.Option("--sha256", help="Expected SHA-256 of the archive, if you know it")] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="Folder URL [default: $MEDTRADE_BACI_URL or CEPII's]")] = None,
    max_calls: MaxCallsOpt = None,
    max_wait: MaxWaitOpt = 900.0,
    retry_delay: DelayOpt = 1.0,
    timeout: TimeoutOpt = 120.0,
    cache: CacheOpt = None,
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """CEPII BACI release: streamed download with resume, checksum, unpack, load (dataset baci)."""
    from medtrade.fetch import baci as bc
    from medtrade.fetch.cache import cache_root
    from medtrade.fetch.http import CallBudget, Client

    _format(fmt)
    wanted = bc.parse_years(years)
    bc.archive_name(hs, release)  # refuse bad options before any download
    quiet = fmt != "table"
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), DownloadColumn(),
               TransferSpeedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=err, disable=quiet, transient=True) as bar, open_warehouse(warehouse) as wh:
        task = bar.add_task("download", total=None)

        def on_bytes(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        def on_load(path: Path) -> Callable[[float, int | None], None]:
            load_task = bar.add_task(f"load {path.name}", total=path.stat().st_size)

            def update(fraction: float, rows: int | None) -> None:
                bar.update(load_task, completed=fraction * path.stat().st_size)

            return update

        client = Client(policy=_policy(max_wait, retry_delay, timeout), budget=CallBudget(max_calls),
                        on_wait=lambda msg: bar.console.print(f"  {msg}", highlight=False, soft_wrap=True))
        with client:
            report = bc.fetch(hs, release, warehouse=wh, root=cache_root(cache), client=client, base=base_url,
                              sha256=sha256, years=wanted, bytes_progress=on_bytes, load_progress=on_load)
    _print(report, fmt)


@fetch_app.command("ecb")
@user_errors
def ecb(
    base_url: Annotated[str | None, typer.Option("--base-url", help="URL of eurofxref-hist.zip [default: $MEDTRADE_ECB_URL or the ECB's]")] = None,
    max_wait: MaxWaitOpt = 900.0,
    retry_delay: DelayOpt = 1.0,
    timeout: TimeoutOpt = 120.0,
    cache: CacheOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """ECB daily reference rates (eurofxref-hist.zip), newer than the bundled copy; RUB: see `rates add`."""
    from medtrade.fetch import ecb as ecb_module
    from medtrade.fetch.cache import cache_root
    from medtrade.fetch.http import Client

    _format(fmt)
    with Client(policy=_policy(max_wait, retry_delay, timeout)) as client:
        report = ecb_module.fetch(client=client, root=cache_root(cache), base=base_url)
    _print(report, fmt)


@fetch_app.command("india-eidb")
@user_errors
def india_eidb(
    hs8: Annotated[str, typer.Option("--hs8", help="ITC-HS 8-digit codes, comma-separated (e.g. 30049099)")],
    fy: Annotated[str, typer.Option("--fy", help="Indian fiscal years, e.g. FY2022-23,FY2023-24")],
    out: Annotated[str, typer.Option("--out", help="Name of the CSV to save the table in")] = "eidb_exports.csv",
    warehouse: WarehouseOpt = None,
) -> None:
    """India's EIDB: no documented machine interface, so print the manual download steps and the load command."""
    from medtrade.fetch import india

    steps = india.manual_steps(india.parse_hs8(hs8), india.parse_fys(fy), out=out,
                               warehouse=str(warehouse) if warehouse else None)
    for line in steps:
        console.print(line, highlight=False, soft_wrap=True)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(fetch_app())
