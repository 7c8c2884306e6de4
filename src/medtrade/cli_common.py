"""What every `medtrade` command shares: consoles, option aliases, one-line errors, the answer printer.

The main CLI (:mod:`medtrade.cli`) and each sub-app module (``cli_<stage>.py``) import from
here, so no sub-app has to import the half-built main module.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from medtrade import config
from medtrade.errors import InputError, MedtradeError

console = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

WarehouseOpt = Annotated[
    Path | None, typer.Option("--warehouse", "-w", help="Warehouse file [default: $MEDTRADE_WAREHOUSE or ./medtrade.duckdb]")
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="Output format: table, json or csv")]
SegmentOpt = Annotated[str, typer.Option(help="Segment preset, a YAML file, or an HS prefix such as 3004")]
DatasetOpt = Annotated[str | None, typer.Option(help="in-eidb, in-monthly, ru-fts, comtrade, baci")]
UnitOpt = Annotated[str, typer.Option(help="usd, usd_mn, inr_crore, inr_lakh, rub")]
ExporterOpt = Annotated[str, typer.Option(help="Exporting country (ISO3 or any known name)")]
ImporterOpt = Annotated[str | None, typer.Option(help="Importing country; all partners when omitted")]
MeasureOpt = Annotated[str, typer.Option(help="value, quantity or net_weight_kg")]
ReporterOpt = Annotated[str, typer.Option(help="Whose statistics: exporter or importer")]
ByTimeOpt = Annotated[str, typer.Option(help="fy, year or month")]


def user_errors(func: F) -> F:
    """Turn a MedtradeError into one line on stderr and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except MedtradeError as exc:
            err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def check_format(fmt: str) -> str:
    if fmt not in ("table", "json", "csv"):
        raise InputError(f"unknown --format `{fmt}`; valid: table, json, csv")
    return fmt


def open_warehouse(path: Path | None, *, read_only: bool = False):  # noqa: ANN201
    from medtrade.warehouse.store import Warehouse

    if not read_only:  # writers wait for each other and for a server copying the file (docs/serve.md)
        from medtrade.warehouse.snapshots import open_for_writing

        return open_for_writing(config.warehouse_path(path))
    return Warehouse(config.warehouse_path(path), read_only=read_only)


def answer(warehouse: Path | None, fmt: str, run: Callable[[Any], Any]) -> None:
    """Open the warehouse read-only, run a verb, print its Result."""
    check_format(fmt)
    with open_warehouse(warehouse, read_only=True) as wh:
        engine = _engine_from_env(wh)
        result = run(wh)
    if engine:
        result.notes.append(f"flow queries ran on {engine} (MEDTRADE_SPARK_FLOWS); catalogue and provenance on DuckDB")
    result.print(console, fmt=fmt)


def _engine_from_env(wh: Any) -> str | None:
    """Attach Spark when ``$MEDTRADE_SPARK_FLOWS`` names the Parquet written by ``medtrade export-flows``."""
    import os

    parquet = os.environ.get("MEDTRADE_SPARK_FLOWS")
    if not parquet:
        return None
    from medtrade.warehouse import spark

    backend = spark.attach(wh, spark.spark_session(), parquet)
    return spark.describe(backend)


