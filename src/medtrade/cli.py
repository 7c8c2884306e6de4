"""The `medtrade` command line: a thin layer over the library.

Library errors (:class:`~medtrade.errors.MedtradeError`) become one line on stderr and
exit code 2; nothing else is caught.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, Progress, TaskID, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from medtrade import __version__, config
from medtrade.cli_common import (
    ByTimeOpt,
    DatasetOpt,
    ExporterOpt,
    FormatOpt,
    ImporterOpt,
    MeasureOpt,
    ReporterOpt,
    SegmentOpt,
    UnitOpt,
    WarehouseOpt,
    answer,
    check_format,
    console,
    err,
    open_warehouse,
    user_errors,
)
from medtrade.errors import MedtradeError

app = typer.Typer(
    name="medtrade",
    help="Trade and registry intelligence for medicines and medical devices, from official files.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

class LoadProgress:
    """A Rich progress bar for one file; shows percent, rows and rows/s."""

    def __init__(self, progress: Progress, name: str, size: int) -> None:
        self.progress, self.name, self.size, self.started = progress, name, size, time.perf_counter()
        self.task: TaskID | None = None

    def __call__(self, fraction: float, rows: int | None) -> None:
        # The bar appears with the first report: a refused or already loaded file shows none.
        if self.task is None:
            if not self.progress.disable and not self.progress.live.is_started:
                self.progress.start()
            self.task = self.progress.add_task(self.name, total=1.0, rows="", rate="")
        elapsed = max(time.perf_counter() - self.started, 1e-6)
        if rows is not None:
            self.progress.update(self.task, completed=1.0, rows=f"{rows:,} rows", rate=f"{rows / elapsed:,.0f} rows/s")
        else:
            mb = fraction * self.size / 1e6
            self.progress.update(self.task, completed=fraction, rows=f"{mb:,.1f} MB", rate=f"{mb / elapsed:,.1f} MB/s")


def load_files(paths: list[Path], *, warehouse: Path | None, source: str | None, quiet: bool = False,
               on_report: Callable[[Any], None] | None = None) -> tuple[list, list[str]]:
    """Load files one by one (each its own transaction) with a progress bar each.

    A refused file does not stop the others. Returns (reports, error lines).
    """
    wh = open_warehouse(warehouse)
    reports, errors = [], []
    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
               TextColumn("{task.fields[rows]}"), TextColumn("{task.fields[rate]}"), TimeElapsedColumn())
    # Started by the first bar, so a refused file prints its error line and nothing else.
    progress = Progress(*columns, console=err, transient=False, disable=quiet)
    try:
        for path in paths:
            bar = LoadProgress(progress, path.name, path.stat().st_size if path.is_file() else 0)
            try:
                report = wh.load(path, source=source, progress=bar)
            except MedtradeError as exc:
                errors.append(str(exc))
                if progress.live.is_started:
                    progress.stop()
                err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
                continue
            reports.append(report)
            if on_report:
                on_report(report)
    finally:
        if progress.live.is_started:
            progress.stop()
        wh.close()
    return reports, errors


@app.callback(invoke_without_command=True)
def main(version: Annotated[bool, typer.Option("--version", help="Print the version and exit")] = False) -> None:
    """medtrade: answers about pharmaceutical and medical-device trade, with definitions and sources."""
    if version:
        console.print(f"medtrade {__version__}")
        raise typer.Exit()


@app.command()
@user_errors
def load(
    paths: Annotated[list[Path], typer.Argument(help="Files to load (format detected from the content)")],
    warehouse: WarehouseOpt = None,
    source: Annotated[str | None, typer.Option("--source", help="Force a reader (see `medtrade formats`)")] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Load official files into the warehouse: atomic, idempotent, every row accounted for."""
    check_format(fmt)
    def show(report: Any) -> None:
        if fmt == "table":
            console.print(str(report), highlight=False, soft_wrap=True)

    reports, errors = load_files(paths, warehouse=warehouse, source=source, quiet=fmt != "table", on_report=show)
    if fmt == "json" and reports:
        print(json.dumps([r.asdict() for r in reports], indent=2, ensure_ascii=False))
    if errors:
        raise typer.Exit(2)


@app.command()
@user_errors
def sources(warehouse: WarehouseOpt = None, fmt: FormatOpt = "table") -> None:
    """List loaded files with rows read, loaded and rejected."""
    from medtrade.results import Result

    check_format(fmt)
    with open_warehouse(warehouse, read_only=True) as wh:
        rows = wh.source_files()
    for row in rows:
        row["datasets"] = ", ".join(row["datasets"])
        row["seconds"] = round(row["seconds"], 2)
        if fmt == "table":
            row["sha256"] = row["sha256"][:12]
            for key in ("path", "release", "loaded_at", "seconds"):
                row.pop(key)
    Result(query={"verb": "sources"}, definition={"warehouse": str(config.warehouse_path(warehouse))},
           rows=rows, title="Loaded files").print(console, fmt=fmt)


@app.command()
@user_errors
def rejects(
    file_id: Annotated[int | None, typer.Option("--file", help="Only this file id (see `medtrade sources`)")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows")] = 50,
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Show rejected rows with their row number, reason and raw text."""
    from medtrade.results import Result

    check_format(fmt)
    with open_warehouse(warehouse, read_only=True) as wh:
        sql = "SELECT r.file_id, f.name, r.row_number, r.reason, r.raw FROM rejects r JOIN source_files f USING (file_id)"
        params: list[Any] = []
        if file_id is not None:
            sql += " WHERE r.file_id = ?"
            params.append(file_id)
        cur = wh.con.execute(sql + " ORDER BY r.file_id, r.row_number LIMIT ?", [*params, limit])
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r)) for r in cur.fetchall()]
    Result(query={"verb": "rejects", "file": file_id}, definition={}, rows=rows, title="Rejected rows").print(console, fmt=fmt)


@app.command("export-flows")
@user_errors
def export_flows(
    directory: Annotated[Path, typer.Argument(help="Folder to write (local, or mounted HDFS/S3 path)")],
    warehouse: WarehouseOpt = None,
) -> None:
    """Write trade_flows as Parquet (a folder per dataset) for the Spark engine.

    Then set MEDTRADE_SPARK_FLOWS to that folder (and MEDTRADE_SPARK_MASTER to the cluster)
    and every analytic verb scans the flows on Spark.
    """
    from medtrade.warehouse import spark

    with open_warehouse(warehouse, read_only=True) as wh:
        started = time.perf_counter()
        spark.export_flows(wh, directory)
    console.print(f"wrote {directory} in {time.perf_counter() - started:.1f} s", highlight=False)


rates_app = typer.Typer(help="Exchange rates: ECB reference rates plus your own files (e.g. central-bank RUB).",
                        no_args_is_help=True)
app.add_typer(rates_app, name="rates")


@rates_app.command("add")
@user_errors
def rates_add(
    path: Annotated[Path, typer.Argument(help="CSV with columns date,currency,per_usd (units of currency per 1 USD)")],
    warehouse: WarehouseOpt = None,
) -> None:
    """Add daily rates to the warehouse; they override ECB rates on the same day."""
    with open_warehouse(warehouse) as wh:
        n = wh.add_rates(path)
    console.print(f"{path.name}: {n:,} daily rates added")


@rates_app.command("show")
@user_errors
def rates_show(
    currency_code: Annotated[str, typer.Argument(metavar="CURRENCY", help="e.g. INR, RUB, EUR")],
    period_type: Annotated[str, typer.Option("--by", help="month, year or fy")] = "fy",
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Average rates per period (units per USD), with the number of daily fixings behind each."""
    from medtrade.catalog import currency
    from medtrade.results import Result

    check_format(fmt)
    if config.warehouse_path(warehouse).exists():
        open_warehouse(warehouse, read_only=True).close()  # merges stored user rates
    if period_type not in ("month", "year", "fy"):
        from medtrade.errors import InputError

        raise InputError(f"unknown --by `{period_type}`; valid: month, year, fy")
    table = currency.rates_table((currency_code.upper(),))
    rows = table[table.period_type == period_type].drop(columns=["period_type"]).to_dict("records")
    Result(query={"verb": "rates show", "currency": currency_code, "by": period_type},
           definition={"rate": "simple mean of daily ECB reference fixings (cross via EUR), user rates override"},
           rows=rows, title=f"{currency_code.upper()} per USD").print(console, fmt=fmt)


@app.command()
def formats() -> None:
    """List the file formats medtrade reads."""
    from medtrade.sources import READERS

    table = Table("name", "what")
    for module in READERS:
        table.add_row(module.NAME, (module.__doc__ or "").strip().splitlines()[0])
    console.print(table)


@app.command()
@user_errors
def segments(fmt: FormatOpt = "table") -> None:
    """List segment presets with their HS codes and descriptions."""
    from medtrade.catalog.segments import describe_segment, presets
    from medtrade.results import Result

    check_format(fmt)
    rows = [
        {"segment": seg.name, "version": seg.version, "code": row["prefix"], "role": row["role"],
         "description": (row["description"] or "")[:90]}
        for seg in presets() for row in describe_segment(seg)
    ]
    Result(query={"verb": "segments"}, definition={"files": "medtrade/catalog/segments/*.yaml; --segment PATH.yaml for your own"},
           rows=rows, title="Segment presets").print(console, fmt=fmt)


@app.command()
@user_errors
def flows(
    exporter: ExporterOpt,
    importer: ImporterOpt = None,
    segment: SegmentOpt = "pharma",
    by: Annotated[str, typer.Option(help="Keys, comma-separated: fy|year|month, hs2|hs4|hs6|product, partner")] = "fy",
    unit: UnitOpt = "usd_mn",
    measure: MeasureOpt = "value",
    reporter: ReporterOpt = "exporter",
    dataset: DatasetOpt = None,
    period: Annotated[str | None, typer.Option(help="Only this period: FY2022-23, 2022 or 2022-06")] = None,
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Trade between two countries in a segment, over time or by product."""
    from medtrade.verbs.flows import run_flows

    answer(warehouse, fmt, lambda wh: run_flows(wh, exporter=exporter, importer=importer, segment=segment, by=by,
                                                unit=unit, measure=measure, reporter=reporter, dataset=dataset,
                                                period=period))


@app.command()
@user_errors
def top(
    period: Annotated[str, typer.Option(help="FY2022-23, 2022 or 2022-06")],
    exporter: Annotated[str | None, typer.Option(help="Rank this exporter's destinations")] = None,
    importer: Annotated[str | None, typer.Option(help="Rank this importer's suppliers")] = None,
    segment: SegmentOpt = "pharma",
    n: Annotated[int, typer.Option("--n", help="How many partners", min=1, max=500)] = 10,
    measure: MeasureOpt = "value",
    unit: UnitOpt = "usd_mn",
    dataset: DatasetOpt = None,
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Top partners of an exporter (destinations) or an importer (suppliers), with shares and ranks."""
    from medtrade.verbs.rankings import run_top

    answer(warehouse, fmt, lambda wh: run_top(wh, exporter=exporter, importer=importer, segment=segment,
                                              period=period, n=n, measure=measure, unit=unit, dataset=dataset))


@app.command()
@user_errors
def share(
    exporter: ExporterOpt,
    partner: Annotated[str, typer.Option(help="The partner whose share is asked")],
    period: Annotated[str, typer.Option(help="FY2021-22, 2021 or 2021-06")],
    of_group: Annotated[str | None, typer.Option("--of-group", help="Share of a group (CIS, EAEU, EU27, BRICS...) instead of the total")] = None,
    segment: SegmentOpt = "pharma",
    measure: MeasureOpt = "value",
    unit: UnitOpt = "usd_mn",
    dataset: DatasetOpt = None,
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """A partner's share of an exporter's total, or of a country group's, with membership as of the period."""
    from medtrade.verbs.rankings import run_share

    answer(warehouse, fmt, lambda wh: run_share(wh, exporter=exporter, partner=partner, of_group=of_group,
                                                segment=segment, period=period, measure=measure, unit=unit,
                                                dataset=dataset))


@app.command()
@user_errors
def concentration(
    exporter: Annotated[str | None, typer.Option(help="Concentration of this exporter's destinations")] = None,
    importer: Annotated[str | None, typer.Option(help="Concentration of this importer's suppliers")] = None,
    segment: SegmentOpt = "pharma",
    by: ByTimeOpt = "fy",
    n: Annotated[int, typer.Option("--n", help="Top-N share to report", min=1, max=100)] = 5,
    period: Annotated[str | None, typer.Option(help="Only this period")] = None,
    unit: UnitOpt = "usd_mn",
    dataset: DatasetOpt = None,
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """HHI and top-N share of destinations or suppliers, per period."""
    from medtrade.verbs.rankings import run_concentration

    answer(warehouse, fmt, lambda wh: run_concentration(wh, exporter=exporter, importer=importer, segment=segment,
                                                        by=by, n=n, unit=unit, dataset=dataset, period=period))


@app.command()
@user_errors
def growth(
    exporter: ExporterOpt,
    importer: ImporterOpt = None,
    segment: SegmentOpt = "pharma",
    by: ByTimeOpt = "fy",
    start: Annotated[str | None, typer.Option(help="First period of the CAGR, e.g. FY2017-18")] = None,
    end: Annotated[str | None, typer.Option(help="Last period of the CAGR, e.g. FY2023-24")] = None,
    unit: UnitOpt = "usd_mn",
    reporter: ReporterOpt = "exporter",
    dataset: DatasetOpt = None,
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Year-on-year change and CAGR of a flow."""
    from medtrade.verbs.growth import run_growth

    answer(warehouse, fmt, lambda wh: run_growth(wh, exporter=exporter, importer=importer, segment=segment, by=by,
                                                 start=start, end=end, unit=unit, dataset=dataset, reporter=reporter))


@app.command()
@user_errors
def drivers(
    exporter: ExporterOpt,
    start: Annotated[str, typer.Option(help="Base period, e.g. FY2021-22")],
    end: Annotated[str, typer.Option(help="Later period, e.g. FY2023-24")],
    importer: ImporterOpt = None,
    segment: SegmentOpt = "pharma",
    level: Annotated[str, typer.Option(help="hs4, hs6 or product (the code as published)")] = "hs4",
    unit: UnitOpt = "usd_mn",
    reporter: ReporterOpt = "exporter",
    dataset: DatasetOpt = None,
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Each product's contribution to the change of a flow between two periods (sums to the total)."""
    from medtrade.verbs.growth import run_drivers

    answer(warehouse, fmt, lambda wh: run_drivers(wh, exporter=exporter, importer=importer, segment=segment,
                                                  start=start, end=end, level=level, unit=unit, dataset=dataset,
                                                  reporter=reporter))


@app.command()
@user_errors
def mirror(
    exporter: ExporterOpt,
    importer: Annotated[str, typer.Option(help="Importing country")],
    period: Annotated[str, typer.Option(help="FY2022-23, 2021 or 2021-06")],
    segment: SegmentOpt = "pharma",
    level: Annotated[str, typer.Option(help="hs6, hs4 or hs2")] = "hs6",
    unit: UnitOpt = "usd_mn",
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """The same flow as each side reports it: exporter's exports vs importer's imports, per product."""
    from medtrade.verbs.mirror import run_mirror

    answer(warehouse, fmt, lambda wh: run_mirror(wh, exporter=exporter, importer=importer, segment=segment,
                                                 period=period, level=level, unit=unit))


@app.command()
@user_errors
def potential(
    exporter: ExporterOpt,
    target: Annotated[str, typer.Option(help="Target market")],
    period: Annotated[str, typer.Option(help="FY2023-24, 2023...")],
    segment: SegmentOpt = "medical_devices",
    level: Annotated[str, typer.Option(help="hs4, hs6 or product")] = "hs6",
    n: Annotated[int, typer.Option("--n", help="How many products", min=1, max=500)] = 20,
    peers: Annotated[str | None, typer.Option(help="Comparable markets, e.g. KAZ,BLR,UZB [default: the target's groups]")] = None,
    dataset: DatasetOpt = None,
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Products strong in the exporter's sales but below what comparable markets buy (see docs/potential.md)."""
    from medtrade.verbs.potential import run_potential

    answer(warehouse, fmt, lambda wh: run_potential(wh, exporter=exporter, target=target, segment=segment,
                                                    period=period, level=level, n=n, dataset=dataset, peers=peers))


@app.command()
@user_errors
def demo(
    data: Annotated[Path | None, typer.Option("--data", help="Sample data [default: $MEDTRADE_DATA or ../shared/data]")] = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Build the warehouse from the shared data and print India -> Russia exports per segment."""
    from medtrade.verbs.demo import demo_files, demo_tables

    files = demo_files(config.data_dir(data))
    err.print(f"loading {len(files)} trade files from {config.data_dir(data)}")
    _, errors = load_files(files, warehouse=warehouse, source=None,
                           on_report=lambda r: console.print(str(r), highlight=False, soft_wrap=True))
    if errors:
        raise typer.Exit(2)
    from medtrade.verbs.demo import demo_events

    with open_warehouse(warehouse) as wh:  # the corridor's events, for charts and `medtrade impact`
        console.print(demo_events(wh), highlight=False)
    with open_warehouse(warehouse, read_only=True) as wh:
        for result in demo_tables(wh):
            result.print(console, fmt="table")
    from medtrade.cli_report import demo_report

    demo_report(warehouse)  # ends with the India -> Russia report next to the warehouse, and its path


# Sub-apps, one module per stage (each imports its shared parts from cli_common).
from medtrade.cli_registry import registry_app

app.add_typer(registry_app, name="registry")
from medtrade.cli_fetch import fetch_app

app.add_typer(fetch_app, name="fetch")
from medtrade.cli_forecast import register as register_forecast

register_forecast(app)  # top-level verbs: forecast, backtest, target
from medtrade.cli_serve import register as register_serve

register_serve(app)  # medtrade serve: HTTP API and dashboard
from medtrade.cli_claims import register as register_claims

register_claims(app)  # claims check, events add|list|load, impact
from medtrade.cli_report import register as register_report

register_report(app)  # medtrade report: the corridor report (HTML, Excel)

if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
