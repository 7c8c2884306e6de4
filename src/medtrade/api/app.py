"""The FastAPI application: JSON endpoints under ``/api``, the dashboard at ``/``.

The app answers from a private copy of the warehouse that follows the loads other
processes make (:mod:`medtrade.warehouse.snapshots`, docs/serve.md). It writes only
through ``POST /api/load``, which is off unless a token is configured.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from medtrade import __version__
from medtrade.errors import MedtradeError

TOKEN_ENV = "MEDTRADE_API_TOKEN"


def create_app(warehouse_path: str | Path, *, token: str | None = None) -> FastAPI:
    """The medtrade HTTP API and dashboard over one warehouse file.

    Parameters
    ----------
    warehouse_path : the DuckDB warehouse; it must exist (``medtrade load`` creates it).
        The app copies it and follows later loads by other processes.
    token : enables ``POST /api/load`` for callers sending ``Authorization: Bearer <token>``
        (default: ``$MEDTRADE_API_TOKEN``); without a token the app is read-only.

    Returns
    -------
    FastAPI : serve it with uvicorn (``medtrade serve``) or call it in-process.

    Raises
    ------
    WarehouseError : the warehouse does not exist or cannot be read.

    Examples
    --------
    >>> import uvicorn                                              # doctest: +SKIP
    >>> uvicorn.run(create_app("medtrade.duckdb"), port=8000)       # doctest: +SKIP
    """
    from medtrade.api.load import router as load_router
    from medtrade.api.routes import prewarm, router
    from medtrade.warehouse.snapshots import SnapshotReader

    reader = SnapshotReader(warehouse_path, prepare=prewarm)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        reader.reopen()  # a no-op the first time: create_app took the first copy
        try:
            yield
        finally:
            reader.close()  # deletes this process's copies

    app = FastAPI(
        title="medtrade",
        version=__version__,
        description="Pharmaceutical and medical-device trade between countries, from the official files. Every "
                    "endpoint mirrors a `medtrade` CLI verb: same parameter names, same JSON as `--format json` "
                    "(query, definition, rows, sources, notes).",
        lifespan=lifespan,
    )
    app.state.reader = reader
    app.state.pending = {}  # (copy, question) -> the computation in flight
    app.state.slots = None  # asyncio.Semaphore of routes.COMPUTE_SLOTS, made on the server's event loop
    app.state.token = token or os.environ.get(TOKEN_ENV) or None
    app.include_router(router)
    app.include_router(load_router)
    app.add_middleware(RepeatedQuestions, reader=reader)

    @app.exception_handler(MedtradeError)
    async def refused(_: Request, exc: MedtradeError) -> JSONResponse:
        # A question the catalogs or the data refuse: the caller's to fix, one line like the CLI's.
        return JSONResponse({"detail": str(exc)}, status_code=400)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> HTMLResponse:
        return HTMLResponse(_page("dashboard.html"))

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        # plotly.js from the installed plotly package: the dashboard works offline, no CDN.
        return Response(_plotly(), media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/static/dashboard.js", include_in_schema=False)
    def dashboard_js() -> Response:
        return Response(_static("dashboard.js"), media_type="text/javascript")

    @app.get("/healthz", include_in_schema=False)
    def health() -> dict[str, object]:
        with reader.lease() as snap:  # like any request, notices a newer warehouse file
            return {"status": "ok" if reader.error is None else "stale", "snapshot": snap.generation,
                    "copied_at": snap.copied_at, "error": reader.error}

    return app


class RepeatedQuestions:
    """ASGI middleware: a URL answered before on the current copy is answered again without FastAPI.

    The answer to a ``GET /api/...`` is a function of the URL and of the warehouse copy (the
    copy never changes), so the bytes of a 200 answer are kept with the copy and sent again
    as they are: routing, parameter validation and dependency solving (about 1 ms of CPU, most
    of a cached answer's cost) are skipped. An answer computed on another copy than the one
    this request started on (a swap in between) is not kept.
    """

    MAX_BODY = 1 << 20  # larger answers are rendered again from the answer cache

    def __init__(self, app: Any, *, reader: Any) -> None:
        self.app, self.reader = app, reader

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        from medtrade.api.routes import recall, remember

        with self.reader.lease() as snap:
            key = ("url", scope["path"], scope["query_string"])
            if (hit := recall(snap, key)) is not None:
                headers, body = hit
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            start: dict = {}
            parts: list[bytes] = []

            async def capture(message: dict) -> None:
                if message["type"] == "http.response.start":
                    start.update(message)
                elif message["type"] == "http.response.body":
                    parts.append(message.get("body", b""))
                await send(message)

            await self.app(scope, receive, capture)
            headers = [(k, v) for k, v in start.get("headers", []) if k != b"x-medtrade-cache"]
            body = b"".join(parts)
            if (start.get("status") == 200 and (b"x-medtrade-snapshot", str(snap.generation).encode()) in headers
                    and len(body) <= self.MAX_BODY):
                remember(snap, key, ([*headers, (b"x-medtrade-cache", b"hit")], body), None)


@lru_cache(maxsize=1)
def _plotly() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _static(name: str) -> str:
    return (resources.files("medtrade.api") / "static" / name).read_text(encoding="utf-8")


@lru_cache(maxsize=4)
def _page(name: str) -> str:
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("medtrade.api", "templates"), autoescape=True)
    return env.get_template(name).render(version=__version__)
