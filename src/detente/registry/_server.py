"""The registry HTTP service (FastAPI). Verification happens before anything is appended.

Errors: malformed JSON 400, bad signature 422, wrong key for the namespace 403, body over the
configured limit 413, unknown entry 404. A duplicate append returns the existing entry (200).
No failed request changes state.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from detente import __version__
from detente.registry._policy import AdmissionError, admit, b64, canonical_bundle, namespace_keys
from detente.registry._store import LogStore, NewEntry

__all__ = ["create_app"]

MAX_INDEX = 2**62  # every index and size parameter is bounded (BIGINT columns)


def create_app(store: LogStore, *, max_body: int = 4 << 20) -> FastAPI:
    app = FastAPI(
        title="Détente registry",
        version=__version__,
        description="Append-only RFC 9162 transparency log of signed model attestations "
        "(releases, revocations, advisories, namespace claims and key rotations), with C2SP "
        "signed checkpoints.",
    )

    def history(namespace: str) -> list[Any]:
        from detente.registry._policy import statement_of

        idx = store.find(
            namespace=namespace, kinds=("namespace-claim", "key-rotation"), limit=10_000
        )
        bodies = store.bodies(idx)
        return [statement_of(bodies[i]) for i in idx]

    body_schema = {
        "type": "object",
        "required": ["bundle"],
        "properties": {
            "bundle": {"type": "object", "description": "Sigstore bundle v0.3 (DSSE, in-toto)"},
            "namespace": {"type": "string", "description": "when the statement names none"},
        },
    }

    @app.post(
        "/v1/entries",
        status_code=201,
        summary="Append a signed attestation bundle",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": body_schema}},
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
        hint = doc.get("namespace")
        if hint is not None and not isinstance(hint, str):
            raise HTTPException(400, "namespace must be a string")
        bundle = doc["bundle"]
        body = canonical_bundle(bundle)
        try:
            from detente.registry._merkle import leaf_hash

            existing = store.index_of(leaf_hash(body))
            if existing is not None:
                return JSONResponse(
                    {"index": existing, "leaf_hash": b64(leaf_hash(body)), "duplicate": True}, 200
                )
            from detente.registry._policy import statement_of

            st = statement_of(bundle)
            ns = (
                st.predicate.get("namespace")
                if isinstance(st.predicate.get("namespace"), str)
                else hint
            )
            keys = namespace_keys(history(ns)) if isinstance(ns, str) and ns else None
            adm = admit(bundle, hint, keys)
        except AdmissionError as exc:
            raise HTTPException(exc.status, str(exc)) from None
        except Exception as exc:  # any parse problem in a hostile bundle is the client's fault
            from detente.errors import Error

            if isinstance(exc, Error):
                raise HTTPException(400, f"malformed bundle: {exc}") from None
            raise
        (res,) = store.append([NewEntry(body, adm.kind, adm.namespace, adm.subjects)])
        status = 200 if res.duplicate else 201
        return JSONResponse(
            {"index": res.index, "leaf_hash": b64(res.leaf_hash), "duplicate": res.duplicate},
            status,
        )

    @app.get("/v1/log-key", response_class=PlainTextResponse, summary="The log's verifier key")
    def log_key() -> str:
        return store.key.vkey + "\n"

    @app.get("/v1/checkpoint", response_class=PlainTextResponse, summary="Latest signed checkpoint")
    def checkpoint() -> str:
        return store.checkpoint()

    @app.get(
        "/v1/checkpoint/{size}", response_class=PlainTextResponse, summary="Checkpoint at a size"
    )
    def checkpoint_at(size: int = Path(ge=0, le=MAX_INDEX)) -> str:
        if size > store.size():
            raise HTTPException(404, "no checkpoint for that size")
        try:
            return store.checkpoint(size)
        except KeyError:
            raise HTTPException(404, "no checkpoint for that size") from None

    @app.get("/v1/entries/{index}", summary="One entry")
    def entry(index: int = Path(ge=0, le=MAX_INDEX)) -> dict[str, Any]:
        e = store.entry(index) if index < store.size() else None
        if e is None:
            raise HTTPException(404, "no such entry")
        return {
            "index": e["index"],
            "leaf_hash": b64(e["leaf_hash"]),
            "kind": e["kind"],
            "namespace": e["namespace"],
            "bundle": json.loads(e["body"]),
        }

    @app.get("/v1/proof/inclusion", summary="Inclusion proof (RFC 9162 2.1.3)")
    def inclusion(
        index: int = Query(ge=0, le=MAX_INDEX), size: int = Query(ge=1, le=MAX_INDEX)
    ) -> dict[str, Any]:
        if index >= size or size > store.size():
            raise HTTPException(400, "need 0 <= index < size <= current tree size")
        return {
            "index": index,
            "size": size,
            "hashes": [b64(h) for h in store.inclusion(index, size)],
        }

    @app.get("/v1/proof/consistency", summary="Consistency proof (RFC 9162 2.1.4)")
    def consistency(
        first: int = Query(ge=0, le=MAX_INDEX), second: int = Query(ge=0, le=MAX_INDEX)
    ) -> dict[str, Any]:
        if first > second or second > store.size():
            raise HTTPException(400, "need 0 <= first <= second <= current tree size")
        return {
            "first": first,
            "second": second,
            "hashes": [b64(h) for h in store.consistency(first, second)],
        }

    @app.get("/v1/lookup", summary="Entries about a digest or in a namespace")
    def lookup(
        digest: str | None = None,
        namespace: str | None = None,
        after: int = Query(default=-1, ge=-1, le=MAX_INDEX),
        limit: int = Query(default=1000, ge=1, le=1000),
    ) -> dict[str, Any]:
        if not digest and not namespace:
            raise HTTPException(400, "give digest= or namespace=")
        if digest is not None and (":" not in digest or len(digest) > 200):
            raise HTTPException(400, "digest must look like sha256:<hex>")
        found = store.find(subject=digest, namespace=namespace, after=after, limit=limit)
        return {"indexes": found, "next": found[-1] if len(found) == limit else None}

    return app
