"""CLI verbs `claims check`, `events add|list|load` and `impact` (registered on the main app by :func:`register`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from medtrade.cli_common import FormatOpt, WarehouseOpt, answer, check_format, console, open_warehouse, user_errors


claims_app = typer.Typer(help="Check published claims (YAML) against the loaded data.", no_args_is_help=True)
events_app = typer.Typer(help="The corridor's timeline: agreements, MoUs, plants, shipments, sanctions, regulation.",
                         no_args_is_help=True)


@claims_app.command("check")
@user_errors
def claims_check(
    path: Annotated[Path, typer.Argument(help="Claim file (YAML; see docs/claims.md)")],
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Give each claim a verdict: supported, contradicted, not checkable with the loaded data, depends on definition."""
    from medtrade.claims import check_claims, read_claims
    from medtrade.results import Result

    check_format(fmt)
    claims = read_claims(path)  # a malformed file fails before the warehouse is opened
    with open_warehouse(warehouse, read_only=True) as wh:
        result = check_claims(wh, claims, name=path.name)
    if fmt != "table":
        result.print(console, fmt=fmt)
        return
    brief = [{"id": r["id"], "verdict": r["verdict"], "stated": r["stated"],
              "computed": _shown(r["computed"], r["computed_unit"])} for r in result.rows]
    Result(query=result.query, definition={}, rows=brief, title=result.title).print(console)
    for r in result.rows:
        console.print(f"[bold]{r['id']}[/bold] ({r['verdict']}): {r['explanation']}", highlight=False,
                          soft_wrap=True)
    for key, value in result.definition.items():
        console.print(f"[dim]{key}:[/dim] {value}", highlight=False)
    for src in result.sources:
        console.print(f"[dim]source:[/dim] {src.get('name')} ({src.get('dataset', '')}, "
                          f"sha256 {str(src.get('sha256', ''))[:12]})", highlight=False)
    for note in result.notes:
        console.print(f"[yellow]note:[/yellow] {note}", highlight=False)


def _shown(value: Any, unit: str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return f"{value:,.4g} {unit}" if abs(value) < 1000 else f"{value:,.2f} {unit}"


@events_app.command("load")
@user_errors
def events_load(
    path: Annotated[Path, typer.Argument(help="Events file (YAML; see docs/events.md)")],
    warehouse: WarehouseOpt = None,
) -> None:
    """Load an events file: all of it or nothing; events already stored are not added again."""
    from medtrade.verbs.events import load_events

    with open_warehouse(warehouse) as wh:
        report = load_events(wh, path)
    console.print(str(report), highlight=False)


@events_app.command("add")
@user_errors
def events_add(
    date: Annotated[str, typer.Option(help="2025-12-05, 2025-12 or 2025: as precise as the source")],
    corridor: Annotated[str, typer.Option(help="Two countries, e.g. IND-RUS (either order)")],
    kind: Annotated[str, typer.Option(help="agreement, mou, plant, working_group, shipment, sanction, regulation")],
    title: Annotated[str, typer.Option(help="What happened, in one line")],
    status: Annotated[str, typer.Option(help="announced, in_progress, done, postponed, cancelled")],
    source: Annotated[str, typer.Option(help="URL of the source")],
    warehouse: WarehouseOpt = None,
) -> None:
    """Add one event (an identical one already stored is not added again)."""
    from medtrade.verbs.events import add_event

    with open_warehouse(warehouse) as wh:
        report = add_event(wh, date=date, corridor=corridor, kind=kind, title=title, status=status, source=source)
    state = "added" if report.added else "updated" if report.updated else "already stored"
    console.print(f"event {report.ids[0]} {state}", highlight=False)


@events_app.command("list")
@user_errors
def events_list(
    exporter: Annotated[str | None, typer.Option(help="One country of the corridor")] = None,
    importer: Annotated[str | None, typer.Option(help="The other country (either order matches)")] = None,
    start: Annotated[str | None, typer.Option("--from", help="From this date or period (2022, FY2022-23, 2022-06-01)")] = None,
    end: Annotated[str | None, typer.Option("--to", help="To this date or period")] = None,
    kind: Annotated[str | None, typer.Option(help="Only this kind")] = None,
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """The events of a corridor and period, oldest first."""
    from medtrade.verbs.events import run_events

    answer(warehouse, fmt, lambda wh: run_events(wh, exporter=exporter, importer=importer, start=start,
                                                        end=end, kind=kind))


@user_errors
def impact(
    event: Annotated[int, typer.Option("--event", help="Event id (see `medtrade events list`)")],
    exporter: Annotated[str, typer.Option(help="Exporting country (ISO3 or any known name)")],
    importer: Annotated[str | None, typer.Option(help="Importing country; all partners when omitted")] = None,
    segment: Annotated[str, typer.Option(help="Segment preset, a YAML file, or an HS prefix such as 3004")] = "pharma",
    by: Annotated[str, typer.Option(help="month (default: the event's date needs it), fy or year")] = "month",
    unit: Annotated[str, typer.Option(help="usd, usd_mn, inr_crore, inr_lakh, rub")] = "usd_mn",
    reporter: Annotated[str, typer.Option(help="Whose statistics: exporter or importer")] = "exporter",
    dataset: Annotated[str | None, typer.Option(help="in-eidb, in-monthly, ru-fts, comtrade, baci")] = None,
    horizon: Annotated[int | None, typer.Option(help="Post-event periods to forecast [default: 24 months, 5 years]",
                                                min=1, max=60)] = None,
    warehouse: WarehouseOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """A flow before and after an event, against a forecast from pre-event data (association, not proof)."""
    from medtrade.verbs.impact import run_impact

    answer(warehouse, fmt, lambda wh: run_impact(wh, event=event, exporter=exporter, importer=importer,
                                                        segment=segment, by=by, unit=unit, reporter=reporter,
                                                        dataset=dataset, horizon=horizon))


def register(app: typer.Typer, /) -> None:
    """Add `claims`, `events` (sub-apps) and `impact` to the main app."""
    app.add_typer(claims_app, name="claims")
    app.add_typer(events_app, name="events")
    app.command()(impact)


__all__ = ["claims_app", "events_app", "impact", "register"]
