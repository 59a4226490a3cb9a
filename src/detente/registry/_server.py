"""The registry HTTP API (FastAPI): a thin skin over :class:`LogService`.

Errors: malformed JSON 400, bad signature 422, wrong key for the namespace 403, body over the
configured limit 413, unknown entry 404. A duplicate append returns the existing entry (200).
No failed request changes state.

``create_app`` is composable: other packages' apps (e.g. TAXII) are added with ``mounts``
(path → ASGI app) or ``routers`` (FastAPI ``APIRouter``) without touching this module.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from detente import __version__
from detente.registry._policy import ServiceError, b64
from detente.registry._service import MAX_INDEX, LogService
from detente.registry._store import LogStore

if TYPE_CHECKING:
    from fastapi import APIRouter
    from starlette.types import ASGIApp

__all__ = ["create_app"]

APPEND_THREADS = 256  # appends in progress at once (each holds a thread while it waits)

_BODY_SCHEMA = {
    "type": "object",
    "required": ["bundle"],
    "properties": {
        "bundle": {"type": "object", "description": "Sigstore bundle v0.3 (DSSE, in-toto)"},
        "namespace": {"type": "string", "description": "when the statement names none"},
    },
}


def _http(exc: ServiceError) -> HTTPException:
    return HTTPException(exc.status, exc.problem)


def create_app(
    log: LogStore | LogService,
    *,
    max_body: int = 4 << 20,
    routers: Sequence[APIRouter] = (),
    mounts: Mapping[str, ASGIApp] = {},
) -> FastAPI:
    """The registry's FastAPI app over ``log``; ``routers`` and ``mounts`` add other apps."""
    service = log if isinstance(log, LogService) else LogService(log)
    app = FastAPI(
        title="Détente registry",
        version=__version__,
        description="Append-only RFC 9162 transparency log of signed model attestations "
        "(releases, revocations, advisories, namespace claims and key rotations), with C2SP "
        "signed checkpoints.",
    )
    app.state.service = service
    _routes(app, service, max_body)
    from detente.registry._web import web_router

    app.include_router(web_router(service))
    for router in routers:
        app.include_router(router)
    for path, sub in mounts.items():
        app.mount(path, sub)
    return app


def _routes(app: FastAPI, service: LogService, max_body: int) -> None:
    # Appends run in their own pool: an append mostly *waits* (for the group commit and the
    # cosigning round), and the default 40 threads capped the requests in flight, hence the
    # batch size, hence the witnessed rate under load. A plain executor, not anyio's
    # ``to_thread`` with a CapacityLimiter, whose cancel scopes cost a tenth of the server's
    # CPU per append.
    pool = ThreadPoolExecutor(APPEND_THREADS, thread_name_prefix="append")

    @app.post(
        "/v1/entries",
        status_code=201,
        summary="Append a signed attestation bundle",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _BODY_SCHEMA}},
            }
        },
    )
    async def append(request: Request) -> JSONResponse:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > max_body):
            raise HTTPException(413, f"body over {max_body} bytes")
        raw = await request.body()
        if len(raw) > max_body:
            raise HTTPException(413, f"body over {max_body} bytes")
        try:
            doc = json.loads(raw)
        except (ValueError, RecursionError):
            raise HTTPException(400, "body is not JSON") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("bundle"), dict):
            raise HTTPException(400, 'body must be {"bundle": {...}, "namespace": optional}')
        try:
            # In a worker thread: with witnesses the append waits for its cosigning round,
            # and other appends must keep arriving meanwhile (they join the next round).
            call = partial(service.append, doc["bundle"], doc.get("namespace"))
            out = await asyncio.get_running_loop().run_in_executor(pool, call)
        except ServiceError as exc:
            raise _http(exc) from None
        return JSONResponse(out, 200 if out["duplicate"] else 201)

    @app.get("/v1/log-key", response_class=PlainTextResponse, summary="The log's verifier key")
    def log_key() -> str:
        return service.log_key() + "\n"

    @app.get("/v1/checkpoint", response_class=PlainTextResponse, summary="Latest signed checkpoint")
    def checkpoint() -> str:
        return service.checkpoint()

    @app.get(
        "/v1/checkpoint/{size}", response_class=PlainTextResponse, summary="Checkpoint at a size"
    )
    def checkpoint_at(size: int = Path(ge=0, le=MAX_INDEX)) -> str:
        try:
            return service.checkpoint(size)
        except ServiceError as exc:
            raise _http(exc) from None

    @app.get("/v1/entries/{index}", summary="One entry")
    def entry(index: int = Path(ge=0, le=MAX_INDEX)) -> dict[str, Any]:
        try:
            return service.entry(index)
        except ServiceError as exc:
            raise _http(exc) from None

    @app.get("/v1/proof/inclusion", summary="Inclusion proof (RFC 9162 2.1.3)")
    def inclusion(
        index: int = Query(ge=0, le=MAX_INDEX), size: int = Query(ge=1, le=MAX_INDEX)
    ) -> dict[str, Any]:
        try:
            hashes = service.inclusion(index, size)
        except ServiceError as exc:
            raise _http(exc) from None
        return {"index": index, "size": size, "hashes": [b64(h) for h in hashes]}

    @app.get("/v1/proof/consistency", summary="Consistency proof (RFC 9162 2.1.4)")
    def consistency(
        first: int = Query(ge=0, le=MAX_INDEX), second: int = Query(ge=0, le=MAX_INDEX)
    ) -> dict[str, Any]:
        try:
            hashes = service.consistency(first, second)
        except ServiceError as exc:
            raise _http(exc) from None
        return {"first": first, "second": second, "hashes": [b64(h) for h in hashes]}

    @app.get("/v1/lookup", summary="Entries about a digest or in a namespace")
    def lookup(
        digest: str | None = None,
        namespace: str | None = None,
        after: int = Query(default=-1, ge=-1, le=MAX_INDEX),
        limit: int = Query(default=1000, ge=1, le=1000),
    ) -> dict[str, Any]:
        try:
            page = service.lookup(digest=digest, namespace=namespace, after=after, limit=limit)
        except ServiceError as exc:
            raise _http(exc) from None
        return page.to_dict()
