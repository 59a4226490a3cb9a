"""Registry client: publish entries, and check a model with proofs it verifies itself.

The client never takes the server's word: every checkpoint is verified with the pinned (or
trust-on-first-use) log key, every new checkpoint must be consistent with the last one this
client saw (kept on disk per log), every entry it relies on must be included in the verified
checkpoint, and every entry's signature is verified with the namespace keys that the log
itself proves.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.errors import InputError, VerificationError
from detente.registry._checkpoint import Checkpoint, LogKey, parse_checkpoint
from detente.registry._merkle import leaf_hash, verify_consistency, verify_inclusion
from detente.registry._policy import KINDS, canonical_bundle, namespace_keys, statement_of

__all__ = ["EXIT_CODES", "RegistryClient", "Verdict"]

# Verdict -> exit code (detente check). 1 stays "a check failed": the log misbehaved.
EXIT_CODES = {"current": 0, "unknown": 4, "outdated": 5, "flagged": 6, "revoked": 7}


class LogError(VerificationError):
    """The log contradicted itself: a bad proof, a fork, a rewritten history."""


@dataclass
class Verdict:
    status: str
    digest: str
    checkpoint_size: int
    reasons: list[str] = field(default_factory=list)
    release: dict[str, Any] | None = None
    latest_version: str | None = None
    entries: list[int] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "digest": self.digest,
            "checkpoint_size": self.checkpoint_size,
            "reasons": self.reasons,
            "release": self.release,
            "latest_version": self.latest_version,
            "entries": self.entries,
        }


def default_state_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("detente")) / "registry-client"


class RegistryClient:
    def __init__(
        self,
        url: str,
        *,
        log_key: LogKey | None = None,
        state_dir: Path | None = None,
        http: Any = None,
        state_key: str | None = None,
    ) -> None:
        """``http`` replaces the network client (the embedded registry passes an in-process
        ASGI client); ``state_key`` names the trust state kept for this log (default: URL)."""
        import httpx

        self.url = url.rstrip("/")
        self.http = http or httpx.Client(base_url=self.url, timeout=30.0)
        key = state_key or self.url
        self.state = (state_dir or default_state_dir()) / hashlib.sha256(key.encode()).hexdigest()[
            :16
        ]
        self.log_key = log_key or self._tofu_key()

    # -- trust state ------------------------------------------------------------------------
    def _state_file(self) -> Path:
        return self.state / "state.json"

    def _load_state(self) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads(self._state_file().read_text())
            return data
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise InputError(f"unreadable client state: {exc}", self._state_file()) from None

    def _save_state(self, data: dict[str, Any]) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        tmp = self._state_file().with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        tmp.replace(self._state_file())

    def _tofu_key(self) -> LogKey:
        state = self._load_state()
        served = self._get("/v1/log-key").text.strip()
        if "vkey" in state:
            if state["vkey"] != served:
                raise LogError(
                    "the registry now presents a different log key than the one trusted on first "
                    f"use ({state['vkey'][:40]}…); refusing"
                )
        else:
            state["vkey"] = served
            self._save_state(state)
        return LogKey.from_vkey(served)

    # -- HTTP -----------------------------------------------------------------------------
    def _get(self, path: str, **params: Any) -> Any:
        import httpx

        try:
            r = self.http.get(path, params=params or None)
        except httpx.HTTPError as exc:
            raise InputError(f"registry {self.url} unreachable: {exc}") from None
        if r.status_code != 200:
            raise InputError(f"registry {self.url}{path}: HTTP {r.status_code}: {r.text[:200]}")
        return r

    def lookup(self, **params: Any) -> list[int]:
        """Every index the server lists for a query, following its pagination."""
        out: list[int] = []
        after = -1
        while True:
            page = self._get("/v1/lookup", after=after, **params).json()
            out += [int(i) for i in page["indexes"]]
            if page.get("next") is None:
                return out
            after = int(page["next"])

    def publish(self, bundle: dict[str, Any], namespace: str | None = None) -> dict[str, Any]:
        import httpx

        try:
            r = self.http.post("/v1/entries", json={"bundle": bundle, "namespace": namespace})
        except httpx.HTTPError as exc:
            raise InputError(f"registry {self.url} unreachable: {exc}") from None
        if r.status_code not in (200, 201):
            try:
                detail = r.json().get("detail", r.text)
            except ValueError:
                detail = r.text
            raise InputError(f"registry refused the entry (HTTP {r.status_code}): {detail}")
        out: dict[str, Any] = r.json()
        # Check the acknowledgement: the entry must be in a checkpoint we verify.
        cp = self.checkpoint()
        self.verified_statement(
            int(out["index"]), cp, expect_leaf=leaf_hash(canonical_bundle(bundle))
        )
        out["checkpoint_size"] = cp.size
        return out

    # -- verified reads ---------------------------------------------------------------------
    def checkpoint(self) -> Checkpoint:
        cp = parse_checkpoint(self._get("/v1/checkpoint").text, self.log_key)
        state = self._load_state()
        last_size = int(state.get("size", 0))
        last_root = base64.b64decode(state["root"]) if "root" in state else None
        if last_root is not None:
            if cp.size < last_size:
                raise LogError(f"the log shrank from {last_size} to {cp.size} entries (rollback)")
            proof = [
                base64.b64decode(h)
                for h in self._get("/v1/proof/consistency", first=last_size, second=cp.size).json()[
                    "hashes"
                ]
            ]
            if not verify_consistency(last_size, cp.size, last_root, cp.root, proof):
                raise LogError(
                    f"checkpoint {cp.size} is not consistent with checkpoint {last_size} seen "
                    "earlier: the log rewrote its history or forked"
                )
        state.update({"size": cp.size, "root": base64.b64encode(cp.root).decode()})
        self._save_state(state)
        return cp

    def verified_statement(
        self, index: int, cp: Checkpoint, expect_leaf: bytes | None = None
    ) -> tuple[Any, dict[str, Any]]:
        e = self._get(f"/v1/entries/{index}").json()
        leaf = leaf_hash(canonical_bundle(e["bundle"]))
        if expect_leaf is not None and leaf != expect_leaf:
            raise LogError(f"entry {index} is not the entry that was published")
        proof = [
            base64.b64decode(h)
            for h in self._get("/v1/proof/inclusion", index=index, size=cp.size).json()["hashes"]
        ]
        if not verify_inclusion(leaf, index, cp.size, proof, cp.root):
            raise LogError(
                f"entry {index} is not included in the verified checkpoint of size {cp.size}"
            )
        return statement_of(e["bundle"]), e

    def _namespace_keys(self, ns: str, cp: Checkpoint) -> list[Any] | None:
        history = []
        for i in self.lookup(namespace=ns):
            if i >= cp.size:
                continue
            st, _ = self.verified_statement(i, cp)
            if KINDS.get(st.predicate_type) in ("namespace-claim", "key-rotation"):
                history.append((i, st))
        # Verify the claim/rotation signatures in order, as the server did.
        from detente.registry._policy import AdmissionError, admit

        keys = None
        for i, _st in history:
            e = self._get(f"/v1/entries/{i}").json()
            try:
                admit(e["bundle"], ns, keys)
            except AdmissionError as exc:
                raise LogError(f"log entry {i} should not have been admitted: {exc}") from None
            keys = namespace_keys([s for j, s in history if j <= i])
        return keys

    def check_digest(self, digest: str) -> Verdict:
        from detente.attest import verify_bundle
        from detente.errors import Error

        cp = self.checkpoint()
        indexes = [i for i in self.lookup(digest=digest) if i < cp.size]
        verdict = Verdict("unknown", digest, cp.size, entries=indexes)
        found: list[tuple[int, str, str, Any]] = []
        keys_cache: dict[str, Any] = {}
        for i in indexes:
            _st, e = self.verified_statement(i, cp)
            ns = e["namespace"]
            if ns not in keys_cache:
                keys_cache[ns] = self._namespace_keys(ns, cp)
            keys = keys_cache[ns] or []
            st = None
            for k in keys:
                try:
                    st = verify_bundle(e["bundle"], k)
                    break
                except Error:
                    continue
            if st is None:
                raise LogError(f"entry {i} is not signed by a key of namespace {ns!r}")
            found.append((i, KINDS.get(st.predicate_type, "attestation"), ns, st))
        releases = [(i, ns, st) for i, kind, ns, st in found if kind == "release"]
        for i, kind, _ns, st in found:
            p = st.predicate
            if kind == "revocation" and p.get("digest") == digest:
                verdict.status = "revoked"
                verdict.reasons.append(
                    f"revoked (entry {i}, severity {p.get('severity')}): {p.get('reason')}"
                )
        if verdict.status != "revoked":
            for i, kind, _ns, st in found:
                if kind == "advisory" and digest in (st.predicate.get("affected") or []):
                    verdict.status = "flagged"
                    p = st.predicate
                    verdict.reasons.append(
                        f"advisory (entry {i}, severity {p.get('severity')}): {p.get('summary')}; "
                        f"fixed in {p.get('fixed_version')}"
                    )
        if releases:
            i, ns, st = releases[0]
            verdict.release = {
                "index": i,
                "namespace": ns,
                **{k: st.predicate.get(k) for k in ("name", "version")},
            }
            latest = self._latest_release(
                ns, st.predicate.get("name"), cp, keys_cache.get(ns) or []
            )
            if verdict.status == "unknown":
                if (
                    latest is not None
                    and latest[0] > i
                    and latest[1] != st.predicate.get("version")
                ):
                    verdict.status = "outdated"
                    verdict.latest_version = latest[1]
                    verdict.reasons.append(
                        f"a newer release {latest[1]} is in the log (entry {latest[0]})"
                    )
                else:
                    verdict.status = "current"
                    verdict.reasons.append(
                        f"release {st.predicate.get('version')} of {ns}/{st.predicate.get('name')} (entry {i})"
                    )
        elif verdict.status == "unknown":
            verdict.reasons.append("no release in the log names this digest")
        return verdict

    def _latest_release(
        self, ns: str, name: Any, cp: Checkpoint, keys: list[Any]
    ) -> tuple[int, str] | None:
        from detente.attest import verify_bundle
        from detente.errors import Error

        latest = None
        for i in self.lookup(namespace=ns):
            if i >= cp.size:
                continue
            st, e = self.verified_statement(i, cp)
            if KINDS.get(st.predicate_type) != "release" or st.predicate.get("name") != name:
                continue
            if not any(_verifies(verify_bundle, e["bundle"], k, Error) for k in keys):
                raise LogError(f"release entry {i} is not signed by a key of namespace {ns!r}")
            latest = (i, str(st.predicate.get("version")))
        return latest


def _verifies(fn: Any, bundle: Any, key: Any, err: type[Exception]) -> bool:
    try:
        fn(bundle, key)
    except err:
        return False
    return True
