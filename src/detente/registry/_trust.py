"""What a client trusts about one log: its key (pinned or first-use) and the last checkpoint
it verified. The rules are pure (:meth:`TrustState.accept_key`, :meth:`TrustState.advance`);
:class:`TrustStore` only reads and writes the state file.

A new checkpoint is accepted only if it does not shrink the log and a consistency proof
(RFC 9162 §2.1.4.2) links it to the last verified one: a log that rewrites or forks its
history is caught by any client that saw the earlier view.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from detente.errors import FormatError, InputError, VerificationError
from detente.registry._checkpoint import Checkpoint, LogKey
from detente.registry._merkle import EMPTY_ROOT, verify_consistency

__all__ = ["LogError", "TrustState", "TrustStore", "default_state_dir"]

SCHEMA = "detente.registry-trust/v1"


class LogError(VerificationError):
    """The log contradicted itself: a bad proof, a fork, a rewritten history."""


@dataclass(frozen=True)
class TrustState:
    """The trust-on-first-use verifier key and the last verified checkpoint of one log."""

    vkey: str | None = None
    size: int = 0
    root: bytes | None = None

    def accept_key(self, served_vkey: str, pinned: LogKey | None) -> tuple[LogKey, TrustState]:
        """The key to verify checkpoints with: the pinned one, else the one first seen.
        A log presenting a different key than the one trusted on first use is refused."""
        if pinned is not None:
            return pinned, self
        if self.vkey is None:
            return LogKey.from_vkey(served_vkey), replace(self, vkey=served_vkey)
        if self.vkey != served_vkey:
            raise LogError(
                "the registry now presents a different log key than the one trusted on first "
                f"use ({self.vkey[:40]}…); refusing"
            )
        return LogKey.from_vkey(self.vkey), self

    def needs_proof(self, cp: Checkpoint) -> bool:
        """Whether accepting ``cp`` needs a consistency proof from the last verified size."""
        return self.root is not None and 0 < self.size <= cp.size

    def advance(self, cp: Checkpoint, proof: Sequence[bytes]) -> TrustState:
        """Accept the verified checkpoint ``cp`` if ``proof`` links it to the last one."""
        if self.root is not None:
            if cp.size < self.size:
                raise LogError(f"the log shrank from {self.size} to {cp.size} entries (rollback)")
            if self.size == 0:  # every tree extends the empty tree, whose root is fixed
                ok = hmac.compare_digest(self.root, EMPTY_ROOT) and (
                    cp.size > 0 or hmac.compare_digest(cp.root, EMPTY_ROOT)
                )
            else:
                ok = verify_consistency(self.size, cp.size, self.root, cp.root, proof)
            if not ok:
                raise LogError(
                    f"checkpoint {cp.size} is not consistent with checkpoint {self.size} seen "
                    "earlier: the log rewrote its history or forked"
                )
        return replace(self, size=cp.size, root=cp.root)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"schema": SCHEMA, "size": self.size}
        if self.vkey is not None:
            out["vkey"] = self.vkey
        if self.root is not None:
            out["root"] = base64.b64encode(self.root).decode()
        return out

    @classmethod
    def from_dict(cls, data: Any) -> TrustState:
        """Read the state (also the first form, written without a ``schema``)."""
        if not isinstance(data, dict) or data.get("schema", SCHEMA) != SCHEMA:
            raise FormatError(f"not a {SCHEMA} document")
        try:
            vkey, size, root = data.get("vkey"), int(data.get("size", 0)), data.get("root")
            raw = None if root is None else base64.b64decode(root, validate=True)
        except (TypeError, ValueError):
            raise FormatError("malformed client trust state") from None
        if (vkey is not None and not isinstance(vkey, str)) or size < 0:
            raise FormatError("malformed client trust state")
        return cls(vkey, size, raw)


def default_state_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("detente")) / "registry-client"


class TrustStore:
    """The state file of one log: ``<state dir>/<sha256(log id)[:16]>/state.json``."""

    def __init__(self, log_id: str, state_dir: Path | None = None) -> None:
        digest = hashlib.sha256(log_id.encode()).hexdigest()[:16]
        self.path = (state_dir or default_state_dir()) / digest / "state.json"

    def load(self) -> TrustState:
        try:
            return TrustState.from_dict(json.loads(self.path.read_text()))
        except FileNotFoundError:
            return TrustState()
        except FormatError as exc:
            raise InputError(exc.problem, self.path) from None
        except (OSError, ValueError) as exc:
            raise InputError(f"unreadable client state: {exc}", self.path) from None

    def save(self, state: TrustState) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state.to_dict(), indent=1))
        tmp.replace(self.path)
