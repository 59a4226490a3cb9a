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
    from starlette.types import ASGIApp, Receive, Scope, Send

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
    app = _RegistryApp(
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


class _Appender:
    """``POST /v1/entries``: one implementation behind the FastAPI route (the documented API)
    and the ASGI fast path :class:`_RegistryApp` takes for it."""

    def __init__(self, service: LogService, max_body: int) -> None:
        self.service = service
        self.max_body = max_body
        # Appends run in their own pool: an append mostly *waits* (for the group commit and
        # the cosigning round), and the default 40 threads capped the requests in flight,
        # hence the batch size, hence the witnessed rate under load. A plain executor, not
        # anyio's ``to_thread`` with a CapacityLimiter, whose cancel scopes cost a tenth of
        # the server's CPU per append.
        self.pool = ThreadPoolExecutor(APPEND_THREADS, thread_name_prefix="append")

    def too_long(self, length: str | None) -> bool:
        return length is not None and (not length.isdigit() or int(length) > self.max_body)

    async def respond(self, raw: bytes) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON document) for one request body; errors as FastAPI writes them."""
        if len(raw) > self.max_body:
            return 413, {"detail": f"body over {self.max_body} bytes"}
        try:
            doc = json.loads(raw)
        except (ValueError, RecursionError):
            return 400, {"detail": "body is not JSON"}
        if not isinstance(doc, dict) or not isinstance(doc.get("bundle"), dict):
            return 400, {"detail": 'body must be {"bundle": {...}, "namespace": optional}'}
        try:
            # In a worker thread: with witnesses the append waits for its cosigning round,
            # and other appends must keep arriving meanwhile (they join the next round).
            call = partial(self.service.append, doc["bundle"], doc.get("namespace"))
            out = await asyncio.get_running_loop().run_in_executor(self.pool, call)
        except ServiceError as exc:
            return exc.status, {"detail": exc.problem}
        return 200 if out["duplicate"] else 201, out

    async def asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The same request as plain ASGI, past the framework's middleware and routing
        (about 0.5 ms less server CPU per request, measured: docs/registry.md)."""
        length = dict(scope["headers"]).get(b"content-length")
        status, doc = 413, {"detail": f"body over {self.max_body} bytes"}
        if not self.too_long(None if length is None else length.decode("latin-1")):
            chunks: list[bytes] = []
            total, more = 0, True
            while more and total <= self.max_body:
                msg = await receive()
                if msg["type"] == "http.disconnect":
                    return
                chunks.append(msg.get("body", b""))
                total += len(chunks[-1])
                more = msg.get("more_body", False)
            status, doc = await self.respond(b"".join(chunks))
        body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class _RegistryApp(FastAPI):
    """The registry app; ``POST /v1/entries`` at the root skips the framework (appends are
    the hot path). Mounted under a prefix, the documented route serves it as usual."""

    appender: _Appender | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Only while no middleware was added (``app.add_middleware``: auth, limits, logging
        # in an embedding): the fast path must never let an append past it.
        if (
            self.appender is not None
            and not self.user_middleware
            and scope["type"] == "http"
            and scope["path"] == "/v1/entries"
            and scope["method"] == "POST"
            and not scope.get("root_path")
        ):
            await self.appender.asgi(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _routes(app: _RegistryApp, service: LogService, max_body: int) -> None:
    appender = app.appender = _Appender(service, max_body)

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
        if appender.too_long(request.headers.get("content-length")):
            raise HTTPException(413, f"body over {max_body} bytes")
        status, doc = await appender.respond(await request.body())
        if status >= 400:
            raise HTTPException(status, doc["detail"])
        return JSONResponse(doc, status)

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
