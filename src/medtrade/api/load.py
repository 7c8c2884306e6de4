"""``POST /api/load``: load an uploaded file, only for a caller holding the server's token.

Off unless the server was given a token (``create_app(..., token=...)`` or
``$MEDTRADE_API_TOKEN``). The file travels in the request body; its name is a name, never a
path: it is written to a private temporary folder and loaded from there exactly as
``medtrade load`` would (the writer lock, one atomic transaction), then deleted.
"""

from __future__ import annotations

import hmac
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from medtrade.api.models import ErrorOut

# The largest upload accepted ($MEDTRADE_API_MAX_UPLOAD bytes); the India CSV is 23 MB gzip, 211 MB plain.
MAX_UPLOAD = int(os.environ.get("MEDTRADE_API_MAX_UPLOAD", str(512 << 20)))

router = APIRouter(prefix="/api")


class LoadOut(BaseModel):
    """What the load did, as ``medtrade load --format json`` prints it for one file."""

    model_config = ConfigDict(extra="allow")

    status: str


def _refused(status: int, detail: str, **headers: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers or None)


@router.post(
    "/load",
    summary="Load an uploaded file (needs the server's token)",
    responses={200: {"model": LoadOut}, 400: {"model": ErrorOut}, 401: {"model": ErrorOut},
               403: {"model": ErrorOut}, 413: {"model": ErrorOut}},
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}},
)
async def load(
    request: Request,
    filename: Annotated[str, Query(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                                   description="The file's name (not a path), e.g. india_exports.csv.gz")],
    authorization: Annotated[str | None, Header(description="Bearer TOKEN")] = None,
) -> Any:
    """The body is the file, as is (gzip or plain). Answers with the load report; 400 when refused."""
    token = request.app.state.token
    if not token:
        return _refused(403, "loading through the API is off: start the server with $MEDTRADE_API_TOKEN set")
    given = (authorization or "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        return _refused(401, "a valid `Authorization: Bearer TOKEN` header is required", **{"WWW-Authenticate": "Bearer"})
    folder = Path(tempfile.mkdtemp(prefix="medtrade-upload-"))
    try:
        path = folder / filename
        size = 0
        with path.open("wb") as out:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_UPLOAD:
                    return _refused(413, f"the file is larger than {MAX_UPLOAD:,} bytes ($MEDTRADE_API_MAX_UPLOAD)")
                out.write(chunk)
        report = await run_in_threadpool(_load, request.app.state.reader.path, path)  # MedtradeError -> 400
        return JSONResponse(report)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _load(warehouse: Path, path: Path) -> dict[str, Any]:
    from medtrade.results import Result
    from medtrade.warehouse.snapshots import open_for_writing

    with open_for_writing(warehouse) as wh:
        report = wh.load(path).asdict()
    report["path"] = path.name  # the server's temporary folder is not the caller's business
    # JSON-safe as the CLI prints it (dates as text, no NaN).
    return json.loads(Result(query={}, definition={}, rows=[report]).to_json())["rows"][0]
