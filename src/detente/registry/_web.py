"""The registry's web page (``GET /``): server-rendered HTML, no JavaScript, every value escaped.

Shows the served checkpoint with its witness cosignatures, the namespaces, the latest
releases with their status (current / outdated / flagged / revoked, with the reasons), the
revocations, advisories and incident reports, a search by digest, and each entry with its
inclusion proof. It is a view of the log for
people; clients verify everything themselves and do not use it.
"""

from __future__ import annotations

import base64
import json
from html import escape
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse

from detente.errors import Error
from detente.registry._checkpoint import parse_checkpoint_body
from detente.registry._note import split_note
from detente.registry._policy import ServiceError, statement_of
from detente.registry._status import Status, VerifiedEntry, status_of

if TYPE_CHECKING:
    from detente.registry._service import LogService

__all__ = ["web_router"]

# Incident reports (detente.incidents, a package above this one) are logged as attestations
# with this predicate type; the page reads only their public, already-redacted fields.
INCIDENT_TYPE = "https://detente.dev/incident/v1"

_CSS = (
    "body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em;"
    "text-align:left;vertical-align:top}code{word-break:break-all}"
    ".revoked{color:#a00}.flagged{color:#a60}.outdated{color:#666}.current{color:#070}"
)


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{_e(title)}</title>"
        f"<style>{_CSS}</style></head><body><h1><a href=/>Détente registry</a></h1>{body}"
        "</body></html>"
    )


def _entries(service: LogService, indexes: list[int]) -> list[VerifiedEntry]:
    out = []
    for i, bundle in sorted(service.store.bodies(indexes).items()):
        try:
            st = statement_of(bundle)
        except Error:
            continue
        ns = st.predicate.get("namespace")
        if isinstance(ns, str):
            out.append(VerifiedEntry(i, ns, st))
    return out


def digest_status(service: LogService, digest: str) -> Status:
    """The status the log's own entries give ``digest`` (admission verified them)."""
    about = _entries(service, service.store.find(subject=digest, limit=1000))
    namespaces = {e.namespace for e in about if e.kind == "release"}
    lineage = [
        e
        for ns in sorted(namespaces)
        for e in _entries(
            service, service.store.find(namespace=ns, kinds=("release",), limit=10_000)
        )
    ]
    return status_of(digest, about + lineage, checkpoint_size=service.size())


def _checkpoint_html(service: LogService) -> str:
    note = service.checkpoint()
    text, lines = split_note(note)
    cp = parse_checkpoint_body(text)
    cosigners = [s.name for s in lines if s.name != service.key.name]
    wit = "".join(f"<li>{_e(n)}</li>" for n in cosigners) or "<li>none</li>"
    return (
        f"<h2>Checkpoint</h2><p>origin <code>{_e(cp.origin)}</code>, size <b>{cp.size}</b>, "
        f"root <code>{_e(base64.b64encode(cp.root).decode())}</code></p>"
        f"<p>log key <code>{_e(service.log_key())}</code></p><p>witness cosignatures:</p>"
        f"<ul>{wit}</ul><details><summary>signed note</summary><pre>{_e(note)}</pre></details>"
    )


def _status_cells(s: Status) -> str:
    reasons = "<br>".join(_e(r) for r in s.reasons)
    return f"<td class={_e(s.status)}>{_e(s.status)}</td><td>{reasons}</td>"


def _releases_html(service: LogService, limit: int = 100) -> str:
    idx = service.store.find(
        kinds=("release",), after=max(-1, service.size() - 100_000), limit=100_000
    )
    rows = []
    for e in reversed(_entries(service, idx[-limit:])):
        p = e.statement.predicate
        digest = p.get("root_digest")
        s = digest_status(service, digest) if isinstance(digest, str) else None
        rows.append(
            f"<tr><td>{_e(e.namespace)}</td><td>{_e(p.get('name'))}</td><td>{_e(p.get('version'))}"
            f"</td><td><code>{_e(digest)}</code></td>{_status_cells(s) if s else '<td></td><td></td>'}"
            f"<td><a href=/entry/{e.index}>{e.index}</a></td></tr>"
        )
    head = "<tr><th>namespace</th><th>model</th><th>version</th><th>digest</th><th>status</th><th>reasons</th><th>entry</th></tr>"
    return f"<h2>Releases</h2><table id=releases>{head}{''.join(rows)}</table>"


def _kind_html(service: LogService, kind: str, title: str, fields: tuple[str, ...]) -> str:
    items = []
    for e in reversed(_entries(service, service.store.find(kinds=(kind,), limit=100_000)[-100:])):
        p = e.statement.predicate
        detail = "; ".join(f"{f}: {_e(p.get(f))}" for f in fields if p.get(f) is not None)
        items.append(
            f"<li><a href=/entry/{e.index}>entry {e.index}</a> {_e(e.namespace)}: {detail}</li>"
        )
    return f"<h2>{_e(title)}</h2><ul id={_e(kind)}>{''.join(items) or '<li>none</li>'}</ul>"


def _incidents_html(service: LogService, limit: int = 50, scan: int = 2000) -> str:
    idx = service.store.find(kinds=("attestation",), after=max(-1, service.size() - 100_000),
                             limit=100_000)[-scan:]  # fmt: skip
    items = []
    bodies = service.store.bodies(idx)
    for i in sorted(bodies, reverse=True):
        try:
            st = statement_of(bodies[i])
        except Error:
            continue
        if st.predicate_type != INCIDENT_TYPE:
            continue
        p = st.predicate
        models = p.get("affected_models")
        digests = [m.get("root_digest") for m in models if isinstance(m, dict)] if isinstance(
            models, list) else []  # fmt: skip
        ns = service.entry(i)["namespace"]
        items.append(
            f"<li><a href=/entry/{i}>entry {i}</a> {_e(ns)}: <b>{_e(p.get('title'))}</b>; "
            f"severity: {_e(p.get('severity'))}; determination: {_e(p.get('determination'))}; "
            f"status: {_e(p.get('investigation_status'))}"
            + "".join(f"; model <code>{_e(d)}</code>" for d in digests if isinstance(d, str))
            + "</li>"
        )
        if len(items) == limit:
            break
    return f"<h2>Incidents</h2><ul id=incidents>{''.join(items) or '<li>none</li>'}</ul>"


def _index_html(service: LogService, digest: str | None) -> str:
    search = (
        "<form method=get action=/><label>Search by digest <input name=digest size=80 "
        f'value="{_e(digest or "")}"></label> <button>check</button></form>'
    )
    if digest:
        try:
            s = digest_status(service, digest)
            search += f"<table id=result><tr><td><code>{_e(digest)}</code></td>{_status_cells(s)}</tr></table>"
        except Error as exc:
            search += f"<p>{_e(exc)}</p>"
    namespaces = service.store.find(kinds=("namespace-claim",), limit=100_000)
    ns_items = "".join(f"<li>{_e(e.namespace)}</li>" for e in _entries(service, namespaces))
    return (
        search
        + _checkpoint_html(service)
        + f"<h2>Namespaces</h2><ul id=namespaces>{ns_items or '<li>none</li>'}</ul>"
        + _releases_html(service)
        + _kind_html(service, "revocation", "Revocations", ("digest", "severity", "reason"))
        + _kind_html(
            service, "advisory", "Advisories", ("affected", "severity", "summary", "fixed_version")
        )
        + _incidents_html(service)
    )


def _entry_html(service: LogService, index: int) -> str:
    e: dict[str, Any] = service.entry(index)
    size = service.size()
    proof = service.inclusion(index, size)
    hashes = "".join(f"<li><code>{_e(base64.b64encode(h).decode())}</code></li>" for h in proof)
    return (
        f"<h2>Entry {index}</h2><p>kind {_e(e['kind'])}, namespace {_e(e['namespace'])}, "
        f"leaf hash <code>{_e(e['leaf_hash'])}</code></p>"
        f"<h3>Inclusion proof in the tree of size {size} (RFC 9162 §2.1.3)</h3><ol>{hashes}</ol>"
        f"<h3>Signed bundle</h3><pre>{_e(json.dumps(e['bundle'], indent=2, ensure_ascii=False))}</pre>"
    )


def web_router(service: LogService) -> APIRouter:
    """``GET /`` and ``GET /entry/{index}`` (not in the OpenAPI schema)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/", response_class=HTMLResponse)
    def index(digest: str | None = Query(default=None, max_length=200)) -> str:
        return _page("Détente registry", _index_html(service, digest))

    @router.get("/entry/{index}", response_class=HTMLResponse)
    def entry(index: int = Path(ge=0, le=2**62)) -> HTMLResponse:
        try:
            return HTMLResponse(_page(f"Entry {index}", _entry_html(service, index)))
        except ServiceError as exc:
            return HTMLResponse(_page("Not found", f"<p>{_e(exc.problem)}</p>"), exc.status)

    return router
