"""CLI verb `serve`: the HTTP API and dashboard (registered on the main app by :func:`register`)."""

from __future__ import annotations

from typing import Annotated

import typer

from medtrade.cli_common import WarehouseOpt, err


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port", min=1, max=65535)] = 8000,
    warehouse: WarehouseOpt = None,
) -> None:
    """Serve the JSON API (/api, OpenAPI at /docs) and the dashboard (/); keeps answering during loads.

    Read-only unless $MEDTRADE_API_TOKEN is set: then POST /api/load accepts files from callers
    sending that token (docs/serve.md).
    """
    from medtrade import config
    from medtrade.errors import MedtradeError

    try:
        from medtrade.api import create_app

        app = create_app(config.warehouse_path(warehouse))
    except MedtradeError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None
    import uvicorn

    err.print(f"medtrade serve: dashboard http://{host}:{port}/  API http://{host}:{port}/docs", highlight=False)
    if app.state.token:
        err.print("POST /api/load is on: callers need the token in $MEDTRADE_API_TOKEN", highlight=False)
    # Keep-alive longer than uvicorn's 5 s: a busy client reusing a connection the server is just closing gets
    # a reset instead of an answer.
    uvicorn.run(app, host=host, port=port, log_level="warning", timeout_keep_alive=75)


def register(app: typer.Typer) -> None:
    """Add `serve` to the main CLI."""
    app.command()(serve)


__all__ = ["register", "serve"]
