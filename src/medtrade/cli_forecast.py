"""CLI verbs `forecast`, `backtest` and `target` (registered on the main app by importing this module)."""

from __future__ import annotations

from typing import Annotated

import typer

from medtrade.cli_common import (
    ByTimeOpt,
    DatasetOpt,
    ExporterOpt,
    FormatOpt,
    ImporterOpt,
    ReporterOpt,
    SegmentOpt,
    UnitOpt,
    WarehouseOpt,
    answer,
    user_errors,
)


HorizonOpt = Annotated[int | None, typer.Option(help="Periods ahead [default: 5 for fy/year, 12 for month]", min=1, max=60)]
WindowsOpt = Annotated[int | None, typer.Option(help="Backtest origins: the last k periods [default: 3 annual, 12 monthly]", min=1, max=60)]
ByProductOpt = Annotated[str | None, typer.Option("--by-product", help="Bulk: every product x partner series at hs2, hs4, hs6 or product level")]
TopPartnersOpt = Annotated[int, typer.Option("--top-partners", help="Bulk: the largest N partners when no --importer", min=1, max=300)]
ArimaOpt = Annotated[str, typer.Option(help="AutoARIMA as a candidate: auto (only for small selections), yes, no")]


@user_errors
def forecast(
    exporter: ExporterOpt,
    importer: ImporterOpt = None,
    segment: SegmentOpt = "pharma",
    by: ByTimeOpt = "fy",
    horizon: HorizonOpt = None,
    unit: UnitOpt = "usd_mn",
    reporter: ReporterOpt = "exporter",
    dataset: DatasetOpt = None,
    windows: WindowsOpt = None,
    by_product: ByProductOpt = None,
    top_partners: TopPartnersOpt = 30,
    share: Annotated[bool, typer.Option("--share", help="Forecast the importer's share of the exporter's total (in [0, 1])")] = False,
    arima: ArimaOpt = "auto",
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Forecast a flow with 80%/95% intervals: which model made each forecast, why, and its backtest accuracy."""
    from medtrade.verbs.forecast import run_forecast

    answer(warehouse, fmt, lambda wh: run_forecast(
        wh, exporter=exporter, importer=importer, segment=segment, by=by, horizon=horizon, unit=unit,
        reporter=reporter, dataset=dataset, windows=windows, by_product=by_product, top_partners=top_partners,
        share=share, arima=arima))


@user_errors
def backtest(
    exporter: ExporterOpt,
    importer: ImporterOpt = None,
    segment: SegmentOpt = "pharma",
    by: ByTimeOpt = "fy",
    horizon: HorizonOpt = None,
    unit: UnitOpt = "usd_mn",
    reporter: ReporterOpt = "exporter",
    dataset: DatasetOpt = None,
    windows: WindowsOpt = None,
    by_product: ByProductOpt = None,
    top_partners: TopPartnersOpt = 30,
    per_series: Annotated[bool, typer.Option("--per-series", help="Add one row per series")] = False,
    arima: ArimaOpt = "auto",
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Rolling-origin backtest: MASE, sMAPE and interval coverage per candidate and for the chosen methods vs naive."""
    from medtrade.verbs.forecast import run_backtest

    answer(warehouse, fmt, lambda wh: run_backtest(
        wh, exporter=exporter, importer=importer, segment=segment, by=by, horizon=horizon, unit=unit,
        reporter=reporter, dataset=dataset, windows=windows, by_product=by_product, top_partners=top_partners,
        per_series=per_series, arima=arima))


@user_errors
def target(
    exporter: ExporterOpt,
    base: Annotated[str, typer.Option(help="Base period, e.g. FY2022-23 or 2022")],
    years: Annotated[int, typer.Option(help="Years from the base period to the target", min=1, max=30)],
    importer: ImporterOpt = None,
    segment: SegmentOpt = "pharma",
    multiple: Annotated[float | None, typer.Option(help="Target as a multiple of the base value, e.g. 3")] = None,
    level: Annotated[float | None, typer.Option(help="Target as a level in --unit, e.g. 2000 with --unit inr_crore")] = None,
    unit: UnitOpt = "usd_mn",
    reporter: ReporterOpt = "exporter",
    dataset: DatasetOpt = None,
    windows: WindowsOpt = None,
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Can a flow reach a target? Required CAGR, the forecast's probability, the path needed, and the base rate."""
    from medtrade.verbs.forecast import run_target

    answer(warehouse, fmt, lambda wh: run_target(
        wh, exporter=exporter, importer=importer, segment=segment, base=base, years=years, multiple=multiple,
        level=level, unit=unit, reporter=reporter, dataset=dataset, windows=windows))


def register(app: typer.Typer, /) -> None:
    """Add `forecast`, `backtest` and `target` to the main app."""
    for command in (forecast, backtest, target):
        app.command()(command)


__all__ = ["backtest", "forecast", "register", "target"]
