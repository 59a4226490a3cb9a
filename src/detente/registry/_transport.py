"""How a client reaches a log: over HTTP, or in-process through the service layer.

Both transports answer the same questions with unverified data (the client verifies every
byte it relies on); neither holds trust state. The in-process one calls :class:`LogService`
directly, so the embedded registry runs exactly the code a served registry runs.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any, Protocol

from detente.errors import InputError
from detente.registry._policy import ServiceError

if TYPE_CHECKING:
    import httpx

    from detente.registry._service import LogService

__all__ = ["HttpTransport", "ServiceTransport", "Transport"]


class Transport(Protocol):
    """Unverified reads and the append request of one log."""

    name: str  # where the log is, for messages ("https://…", "embedded")

    def log_key(self) -> str: ...
    def checkpoint(self) -> str: ...
    def entry(self, index: int) -> dict[str, Any]: ...
    def inclusion(self, index: int, size: int) -> list[bytes]: ...
    def consistency(self, first: int, second: int) -> list[bytes]: ...
    def lookup(self, *, digest: str | None = None, namespace: str | None = None) -> list[int]: ...
    def append(self, bundle: dict[str, Any], namespace: str | None) -> dict[str, Any]: ...


def _hashes(doc: Any) -> list[bytes]:
    try:
        return [base64.b64decode(h, validate=True) for h in doc["hashes"]]
    except (KeyError, TypeError, ValueError):
        raise InputError("the registry sent a malformed proof") from None


class HttpTransport:
    """The registry's HTTP API (``_server.py``)."""

    def __init__(self, url: str, http: httpx.Client | None = None) -> None:
        import httpx

        self.name = url.rstrip("/")
        self.http = http or httpx.Client(base_url=self.name, timeout=30.0)

    def _get(self, path: str, **params: Any) -> httpx.Response:
        import httpx

        try:
            r = self.http.get(path, params=params or None)
        except httpx.HTTPError as exc:
            raise InputError(f"registry {self.name} unreachable: {exc}") from None
        if r.status_code != 200:
            raise InputError(f"registry {self.name}{path}: HTTP {r.status_code}: {r.text[:200]}")
        return r

    def _json(self, path: str, **params: Any) -> Any:
        try:
            return self._get(path, **params).json()
        except ValueError:
            raise InputError(f"registry {self.name}{path}: the answer is not JSON") from None

    def log_key(self) -> str:
        return self._get("/v1/log-key").text.strip()

    def checkpoint(self) -> str:
        return self._get("/v1/checkpoint").text

    def entry(self, index: int) -> dict[str, Any]:
        doc = self._json(f"/v1/entries/{index}")
        if not isinstance(doc, dict):
            raise InputError(f"registry {self.name}: entry {index} is not an object")
        return doc

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return _hashes(self._json("/v1/proof/inclusion", index=index, size=size))

    def consistency(self, first: int, second: int) -> list[bytes]:
        return _hashes(self._json("/v1/proof/consistency", first=first, second=second))

    def lookup(self, *, digest: str | None = None, namespace: str | None = None) -> list[int]:
        """Every index the server lists for a query, following its pagination."""
        params = {k: v for k, v in (("digest", digest), ("namespace", namespace)) if v is not None}
        out: list[int] = []
        after = -1
        while True:
            page = self._json("/v1/lookup", after=after, **params)
            out += [int(i) for i in page["indexes"]]
            if page.get("next") is None:
                return out
            after = int(page["next"])

    def append(self, bundle: dict[str, Any], namespace: str | None) -> dict[str, Any]:
        import httpx

        try:
            r = self.http.post("/v1/entries", json={"bundle": bundle, "namespace": namespace})
        except httpx.HTTPError as exc:
            raise InputError(f"registry {self.name} unreachable: {exc}") from None
        if r.status_code not in (200, 201):
            try:
                detail = r.json().get("detail", r.text)
            except ValueError:
                detail = r.text
            raise InputError(f"registry refused the entry (HTTP {r.status_code}): {detail}")
        out: dict[str, Any] = r.json()
        return out


class ServiceTransport:
    """The embedded registry: the same service, called in-process (no HTTP, no test client)."""

    def __init__(self, service: LogService, name: str = "embedded") -> None:
        self.service = service
        self.name = name

    def log_key(self) -> str:
        return self.service.log_key()

    def checkpoint(self) -> str:
        return self.service.checkpoint()

    def entry(self, index: int) -> dict[str, Any]:
        try:
            return self.service.entry(index)
        except ServiceError as exc:
            raise InputError(f"registry {self.name}: entry {index}: {exc.problem}") from None

    def inclusion(self, index: int, size: int) -> list[bytes]:
        return self.service.inclusion(index, size)

    def consistency(self, first: int, second: int) -> list[bytes]:
        return self.service.consistency(first, second)

    def lookup(self, *, digest: str | None = None, namespace: str | None = None) -> list[int]:
        out: list[int] = []
        after = -1
        while True:
            page = self.service.lookup(digest=digest, namespace=namespace, after=after)
            out += page.indexes
            if page.next is None:
                return out
            after = page.next

    def append(self, bundle: dict[str, Any], namespace: str | None) -> dict[str, Any]:
        try:
            return self.service.append(bundle, namespace)
        except ServiceError as exc:
            raise InputError(
                f"registry refused the entry (HTTP {exc.status}): {exc.problem}"
            ) from None
