"""A TAXII 2.1 server (OASIS Standard, 10 June 2021) as an ASGI app.

Endpoints (§4, §5): discovery ``/taxii2/``, the API root, status, collections, one collection,
manifest, objects (GET and POST), one object, and an object's versions. Every response is
``application/taxii+json;version=2.1`` (§1.6.8); an unacceptable ``Accept`` is 406, a POST
in another media type 415, a body over ``max_content_length`` 413 (§4.2). Errors carry the
error-message resource (§3.6.1). Authentication is HTTP Basic (§1.6.9: the server MUST support
it over TLS — terminate TLS in front of it): no or wrong credentials 401, a collection the
user may not read or write 403. A TLP:RED object is visible only to its named recipients.

Standalone: ``DETENTE_TAXII_DB=sqlite:///taxii.sqlite3 DETENTE_TAXII_USERS=users.toml
uvicorn --factory detente.incidents:taxii_app_from_env``.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from detente.incidents._taxii_auth import (
    Authenticator,
    Collection,
    TaxiiConfig,
    TaxiiUser,
    load_taxii_config,
    may,
)
from detente.incidents._taxii_query import Query, QueryError, format_timestamp, parse_query
from detente.incidents._taxii_store import Row, TaxiiStore

__all__ = ["MEDIA_TYPE", "taxii_app"]

MEDIA_TYPE = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE = "application/stix+json;version=2.1"


class _Fail(Exception):
    def __init__(self, status: int, title: str, description: str = "") -> None:
        super().__init__(title)
        self.status, self.title, self.description = status, title, description


def _respond(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return Response(text.encode(), status, headers=headers, media_type=MEDIA_TYPE)


def _error(fail: _Fail) -> Response:
    body: dict[str, str] = {"title": fail.title, "http_status": str(fail.status)}
    if fail.description:
        body["description"] = fail.description
    headers = {"WWW-Authenticate": 'Basic realm="TAXII", charset="UTF-8"'}
    return _respond(body, fail.status, headers if fail.status == 401 else None)


def _media_ok(value: str, *, wildcard: bool) -> bool:
    """Is ``value`` (one media range) TAXII 2.1 JSON? (§1.6.8: version absent means latest)."""
    parts = [p.strip().lower() for p in value.split(";")]
    if wildcard and parts[0] in ("*/*", "application/*"):
        return True
    if parts[0] != "application/taxii+json":
        return False
    params = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
    return params.get("version", "2.1").strip('"') == "2.1"


def _check_accept(request: Request) -> None:
    accept = request.headers.get("accept")
    if accept and not any(_media_ok(v, wildcard=True) for v in accept.split(",")):
        raise _Fail(406, "Not Acceptable", f"this server speaks {MEDIA_TYPE}")


def _page_headers(rows: list[Row]) -> dict[str, str]:
    if not rows:
        return {}
    return {
        "X-TAXII-Date-Added-First": format_timestamp(rows[0].date_added),
        "X-TAXII-Date-Added-Last": format_timestamp(rows[-1].date_added),
    }


class _Taxii:
    def __init__(self, store: TaxiiStore, config: TaxiiConfig) -> None:
        self.store, self.config = store, config
        self.auth = Authenticator(config.users)

    # -- plumbing --------------------------------------------------------------------------

    async def _user(self, request: Request) -> TaxiiUser:
        header = request.headers.get("authorization", "")
        scheme, _, cred = header.partition(" ")
        if scheme.lower() != "basic" or not cred:
            raise _Fail(401, "Authentication required", "use HTTP Basic authentication")
        try:
            name, sep, password = base64.b64decode(cred, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise _Fail(401, "Malformed credentials") from None
        user = await run_in_threadpool(self.auth.check, name, password) if sep else None
        if user is None:
            raise _Fail(401, "Invalid credentials")
        return user

    def _root(self, request: Request) -> None:
        if request.path_params["root"] != self.config.api_root:
            raise _Fail(404, "Unknown API root")

    def _collection(self, request: Request, user: TaxiiUser, action: str) -> Collection:
        self._root(request)
        col = self.config.collection(request.path_params["cid"])
        if col is None:
            raise _Fail(404, "Unknown collection")
        if not may(user, col, "write" if action == "write" else "read"):
            raise _Fail(403, "Forbidden", f"you may not {action} this collection")
        return col

    def _col_resource(self, c: Collection, user: TaxiiUser) -> dict[str, Any]:
        out: dict[str, Any] = {"id": c.id, "title": c.title}
        if c.description:
            out["description"] = c.description
        if c.alias:
            out["alias"] = c.alias
        out["can_read"] = may(user, c, "read")
        out["can_write"] = may(user, c, "write")
        out["media_types"] = [STIX_MEDIA_TYPE]
        return out

    @staticmethod
    def _query(request: Request) -> Query:
        try:
            return parse_query({k: request.query_params.getlist(k) for k in request.query_params})
        except QueryError as exc:
            raise _Fail(400, "Bad request", str(exc)) from None

    # -- endpoints -------------------------------------------------------------------------

    async def discovery(self, request: Request, user: TaxiiUser) -> Response:
        base = str(request.url.replace(query="")).rstrip("/")
        root = f"{base}/{self.config.api_root}/"
        return _respond({"title": self.config.title, "default": root, "api_roots": [root]})

    async def api_root(self, request: Request, user: TaxiiUser) -> Response:
        self._root(request)
        return _respond(
            {
                "title": self.config.title,
                "versions": [MEDIA_TYPE],
                "max_content_length": self.config.max_content_length,
            }
        )

    async def status(self, request: Request, user: TaxiiUser) -> Response:
        self._root(request)
        body = await run_in_threadpool(self.store.status, request.path_params["sid"], user.name)
        if body is None:
            raise _Fail(404, "Unknown status")
        return _respond(body)

    async def collections(self, request: Request, user: TaxiiUser) -> Response:
        self._root(request)
        cols = [
            self._col_resource(c, user)
            for c in self.config.collections
            if may(user, c, "read") or may(user, c, "write")
        ]
        return _respond({"collections": cols} if cols else {})

    async def collection(self, request: Request, user: TaxiiUser) -> Response:
        self._root(request)
        col = self.config.collection(request.path_params["cid"])
        if col is None:
            raise _Fail(404, "Unknown collection")
        if not (may(user, col, "read") or may(user, col, "write")):
            raise _Fail(403, "Forbidden", "you have no access to this collection")
        return _respond(self._col_resource(col, user))

    async def manifest(self, request: Request, user: TaxiiUser) -> Response:
        col = self._collection(request, user, "read")
        q = self._query(request)
        rows, more = await run_in_threadpool(self.store.page, col.id, q, user.principals)
        items = [
            {
                "id": r.object_id,
                "date_added": format_timestamp(r.date_added),
                "version": r.version,
                "media_type": f"application/stix+json;version={r.spec_version}",
            }
            for r in rows
        ]
        # §5.3: the manifest resource has `more` but no `next`; clients resume with
        # added_after = X-TAXII-Date-Added-Last (oasis-tcs/cti-taxii2#110).
        body = {"more": more, "objects": items} if items else {}
        return _respond(body, headers=_page_headers(rows))

    def _envelope(self, rows: list[Row], more: bool) -> Response:
        if not rows:
            return _respond({})
        head = f'{{"more":true,"next":"{rows[-1].date_added}",' if more else '{"more":false,'
        # Stored bodies are already canonical JSON text: splice, don't re-serialise.
        text = head + '"objects":[' + ",".join(r.body for r in rows) + "]}"
        return _respond(text, headers=_page_headers(rows))

    async def objects(self, request: Request, user: TaxiiUser) -> Response:
        if request.method == "POST":
            return await self.add_objects(request, user)
        col = self._collection(request, user, "read")
        q = self._query(request)
        rows, more = await run_in_threadpool(self.store.page, col.id, q, user.principals)
        return self._envelope(rows, more)

    async def add_objects(self, request: Request, user: TaxiiUser) -> Response:
        col = self._collection(request, user, "write")
        if not _media_ok(request.headers.get("content-type", ""), wildcard=False):
            raise _Fail(415, "Unsupported Media Type", f"POST {MEDIA_TYPE}")
        limit = self.config.max_content_length
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _Fail(413, "Request too large", f"max_content_length is {limit}")
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > limit:
                raise _Fail(413, "Request too large", f"max_content_length is {limit}")
        try:
            env = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise _Fail(400, "Bad request", "the body is not JSON") from None
        if not isinstance(env, dict) or not isinstance(env.get("objects"), list):
            raise _Fail(400, "Bad request", "the body must be an envelope with objects")
        when = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        added = await run_in_threadpool(self.store.add, col.id, env["objects"])

        def details(items: tuple[tuple[str, str, str], ...]) -> list[dict[str, str]]:
            return [{"id": i, "version": v, "message": m} for i, v, m in items]

        status = {
            "id": self.store.new_status_id(),
            "status": "complete",
            "request_timestamp": when,
            "total_count": len(added.successes) + len(added.failures),
            "success_count": len(added.successes),
            "successes": details(added.successes),
            "failure_count": len(added.failures),
            "failures": details(added.failures),
            "pending_count": 0,
        }
        await run_in_threadpool(self.store.put_status, user.name, status)
        return _respond(status, 202)

    async def get_object(self, request: Request, user: TaxiiUser) -> Response:
        if request.method == "DELETE":
            return await self.delete_object(request, user)
        col = self._collection(request, user, "read")
        q, oid = self._query(request), request.path_params["oid"]
        rows, more = await run_in_threadpool(
            lambda: self.store.page(col.id, q, user.principals, object_id=oid)
        )
        if not rows and not await run_in_threadpool(
            self.store.has_object, col.id, oid, user.principals
        ):
            raise _Fail(404, "Unknown object")
        return self._envelope(rows, more)

    async def delete_object(self, request: Request, user: TaxiiUser) -> Response:
        # §5.7: deleting needs write access; what the user cannot see stays untouched (404).
        col = self._collection(request, user, "write")
        q, oid = self._query(request), request.path_params["oid"]
        n = await run_in_threadpool(self.store.delete, col.id, oid, q, user.principals)
        if n == 0:
            raise _Fail(404, "Unknown object")
        return Response(b"", 200, media_type=MEDIA_TYPE)

    async def versions(self, request: Request, user: TaxiiUser) -> Response:
        col = self._collection(request, user, "read")
        q, oid = self._query(request), request.path_params["oid"]
        rows, more = await run_in_threadpool(
            lambda: self.store.page(
                col.id, q, user.principals, object_id=oid, default_version="all"
            )
        )
        if not rows and not await run_in_threadpool(
            self.store.has_object, col.id, oid, user.principals
        ):
            raise _Fail(404, "Unknown object")
        body = {"more": more, "versions": [r.version for r in rows]} if rows else {}
        return _respond(body, headers=_page_headers(rows))


Handler = Callable[[Request, TaxiiUser], Awaitable[Response]]


def _guard(t: _Taxii, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            _check_accept(request)
            return await handler(request, await t._user(request))
        except _Fail as fail:
            return _error(fail)

    return endpoint


def _routes(t: _Taxii) -> list[BaseRoute]:
    col = "/{root}/collections/{cid}"
    return [
        Route("/", _guard(t, t.discovery)),
        Route("/{root}/", _guard(t, t.api_root)),
        Route("/{root}/status/{sid}/", _guard(t, t.status)),
        Route("/{root}/collections/", _guard(t, t.collections)),
        Route(col + "/", _guard(t, t.collection)),
        Route(col + "/manifest/", _guard(t, t.manifest)),
        Route(col + "/objects/", _guard(t, t.objects), methods=["GET", "POST"]),
        Route(col + "/objects/{oid}/", _guard(t, t.get_object), methods=["GET", "DELETE"]),
        Route(col + "/objects/{oid}/versions/", _guard(t, t.versions)),
    ]


def taxii_app(
    db_url: str,
    users_config: str | os.PathLike[str] | TaxiiConfig,
    *,
    prefix: str = "/taxii2",
    table_prefix: str = "taxii_",
) -> Starlette:
    """The TAXII 2.1 server over the database at ``db_url`` (SQLAlchemy URL, SQLite or
    PostgreSQL; tables created if missing). Mount it elsewhere with ``prefix=""``."""
    config = (
        users_config if isinstance(users_config, TaxiiConfig) else load_taxii_config(users_config)
    )
    store = TaxiiStore(db_url, prefix=table_prefix)
    store.ensure_collections(c.id for c in config.collections)
    routes = _routes(_Taxii(store, config))
    handlers = {404: _http_error, 405: _http_error}
    return Starlette(
        routes=[Mount(prefix, routes=routes)] if prefix else routes,
        exception_handlers=handlers,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods answer with the TAXII error resource too (§3.6.1)."""
    status = getattr(exc, "status_code", 500)
    title = {404: "Not Found", 405: "Method Not Allowed"}.get(status, "Error")
    return _error(_Fail(status, title))
