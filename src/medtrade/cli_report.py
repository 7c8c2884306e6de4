"""CLI verb `report`: the corridor report as one HTML file (and optionally an Excel workbook).

Registered on the main app by two lines at the bottom of cli.py; `medtrade demo` calls
:func:`demo_report` to end with the report.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from medtrade.cli_common import WarehouseOpt, console, err, user_errors


#: Where `medtrade demo` writes the report: next to the demo warehouse.
DEMO_HTML, DEMO_XLSX = "india-russia.html", "india-russia.xlsx"


def _summary(report: Any, html: Path, xlsx: Path | None, seconds: float) -> dict[str, Any]:
    return {
        "html": str(html), "html_bytes": html.stat().st_size, "xlsx": str(xlsx) if xlsx else None,
        "seconds": round(seconds, 2), "timings": {k: round(v, 2) for k, v in report.seconds.items()},
        "sections": [{"id": s.id, "title": s.title, "tables": len(s.tables), "charts": len(s.figures),
                      "notes": s.notes} for s in report.sections],
    }


def write_report(*, warehouse: Path | None, exporter: str, importer: str, output: Path, xlsx: Path | None = None,
                 segments: list[str] | None = None, focus: str | None = None, multiple: float = 3.0, years: int = 5,
                 base: str | None = None, claims: Path | None = None, workers: int | None = None) -> dict[str, Any]:
    """Build the report from the warehouse, write the file(s), return a summary (paths, sizes, seconds)."""
    from medtrade import config
    from medtrade.errors import InputError
    from medtrade.report import ReportSpec, build_report, write_html, write_xlsx

    for path, what in ((output, "-o"), (xlsx, "--xlsx")):
        if path is not None and not path.parent.resolve().is_dir():
            raise InputError(f"{what} `{path}`: folder `{path.parent}` does not exist")
    if output.suffix.lower() not in (".html", ".htm"):
        raise InputError(f"-o `{output}` must end in .html (the report is one HTML file)")
    if xlsx is not None and xlsx.suffix.lower() != ".xlsx":
        raise InputError(f"--xlsx `{xlsx}` must end in .xlsx")
    if claims is not None and not claims.is_file():
        raise InputError(f"--claims `{claims}` is not a file")
    started = time.perf_counter()
    spec = ReportSpec(exporter=exporter, importer=importer, segments=tuple(segments or ()), focus=focus,
                      multiple=multiple, years=years, target_base=base, claims=claims)
    report = build_report(config.warehouse_path(warehouse), spec=spec, workers=workers)
    write_html(report, output)
    if xlsx is not None:
        write_xlsx(report, xlsx)
    return _summary(report, output, xlsx, time.perf_counter() - started)


@user_errors
def report(
    exporter: Annotated[str, typer.Option(help="Exporting country (ISO3 or any known name)")],
    importer: Annotated[str, typer.Option(help="Importing country")],
    output: Annotated[Path, typer.Option("--output", "-o", help="HTML file to write (self-contained, works offline)")],
    xlsx: Annotated[Path | None, typer.Option("--xlsx", help="Also write the tables as an Excel workbook")] = None,
    segment: Annotated[list[str] | None, typer.Option(
        "--segment", help="Segment preset, YAML file or HS prefix; repeat for several [default: every preset]")] = None,
    focus: Annotated[str | None, typer.Option(
        help="Segment of the detailed charts and the target [default: medical_devices if reported]")] = None,
    multiple: Annotated[float, typer.Option(help="Target: this multiple of the base value", min=0.01)] = 3.0,
    years: Annotated[int, typer.Option(help="Target: years from the base period", min=1, max=30)] = 5,
    base: Annotated[str | None, typer.Option(help="Target base period, e.g. FY2022-23 [default: the latest]")] = None,
    claims: Annotated[Path | None, typer.Option(
        help="Claims YAML to check [default: examples/claims/india_russia.yaml if present]")] = None,
    workers: Annotated[int | None, typer.Option(help="Processes for the analyses [default: CPUs, at most 2]",
                                                min=1, max=16)] = None,
    warehouse: WarehouseOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Summary printed: table or json")] = "table",
) -> None:
    """Write the corridor report: trade by segment, both sides, top partners, shares, drivers, concentration,
    registry shares, forecasts with the target, claims and events; definitions and sources beside every table."""
    from medtrade.errors import InputError

    if fmt not in ("table", "json"):
        raise InputError(f"unknown --format `{fmt}` for report; valid: table, json")
    summary = write_report(warehouse=warehouse, exporter=exporter, importer=importer, output=output, xlsx=xlsx,
                           segments=segment, focus=focus, multiple=multiple, years=years, base=base, claims=claims,
                           workers=workers)
    if fmt == "json":
        print(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    _print(console, summary)


def _print(console: Any, summary: dict[str, Any]) -> None:
    tables = sum(s["tables"] for s in summary["sections"])
    charts = sum(s["charts"] for s in summary["sections"])
    console.print(f"wrote {summary['html']} ({summary['html_bytes'] / 1e6:,.1f} MB, {len(summary['sections'])} "
                  f"sections, {tables} tables, {charts} charts) in {summary['seconds']:.1f} s", highlight=False,
                  soft_wrap=True)
    if summary["xlsx"]:
        console.print(f"wrote {summary['xlsx']} ({tables} sheets + About)", highlight=False, soft_wrap=True)
    for s in summary["sections"]:
        for n in s["notes"]:
            console.print(f"[yellow]note[/yellow] ({s['title']}): {n}", highlight=False, soft_wrap=True)


def demo_report(warehouse: Path | None, /) -> dict[str, Any] | None:
    """`medtrade demo`'s last step: India -> Russia report (HTML + workbook) next to the demo warehouse.

    Data that cannot make the report (a demo run on a partial data folder) is one line on
    stderr, not a failed demo: the loads and tables above stand on their own.
    """
    from medtrade import config
    from medtrade.errors import MedtradeError

    folder = config.warehouse_path(warehouse).resolve().parent
    try:
        summary = write_report(warehouse=warehouse, exporter="IND", importer="RUS", output=folder / DEMO_HTML,
                               xlsx=folder / DEMO_XLSX)
    except MedtradeError as exc:
        err.print(f"[yellow]report not written:[/yellow] {exc}", highlight=False, soft_wrap=True)
        return None
    _print(console, summary)
    console.print(f"report: {summary['html']}", highlight=False, soft_wrap=True)
    return summary


def register(app: typer.Typer, /) -> None:
    """Add `report` to the main app."""
    app.command()(report)


__all__ = ["demo_report", "register", "report", "write_report"]
