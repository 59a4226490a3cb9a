"""Transparency log and registry (RFC 9162 Merkle log, C2SP signed checkpoints).

The log records signed statements about models — namespace claims, key rotations, releases,
revocations, advisories and evidence bundles — and clients check a model's status with proofs
they verify themselves::

    from detente.registry import connect, release
    client = connect(None)                  # the embedded SQLite registry; or a URL
    status = client.check_digest("sha256:…")  # current / unknown / outdated / flagged / revoked
    print(status.status, status.reasons)

Pieces: :func:`connect` builds a :class:`RegistryClient` from a transport (HTTP or the
in-process :class:`LogService`), a :class:`TrustState` (pinned or first-use key, last verified
checkpoint) and the pure rules (:func:`status_of`, the Merkle proof checks). The server side is
:func:`open_store` (SQLite or PostgreSQL) → :class:`LogService` → :func:`create_app` (FastAPI).
"""

from typing import TYPE_CHECKING

from detente.registry._checkpoint import Checkpoint, LogKey, parse_checkpoint, sign_checkpoint
from detente.registry._client import RegistryClient
from detente.registry._cosign import Quorum, QuorumError, WitnessKey, check_quorum, require_quorum
from detente.registry._local import (
    DEFAULT_ORIGIN,
    connect,
    default_db_url,
    load_or_create_log_key,
    load_or_create_witness_key,
    open_store,
)
from detente.registry._merkle import leaf_hash, verify_consistency, verify_inclusion
from detente.registry._policy import AdmissionError, ServiceError, canonical_bundle
from detente.registry._service import LogService
from detente.registry._statements import (
    advisory,
    key_rotation,
    namespace_claim,
    release,
    revocation,
)
from detente.registry._status import EXIT_CODES, STATUSES, Status, VerifiedEntry, status_of
from detente.registry._trust import LogError, TrustState, TrustStore
from detente.registry._watch import WatchState, watch_step

if TYPE_CHECKING:
    from detente.registry._server import create_app
    from detente.registry._witness import Witness
    from detente.registry._witness_app import create_witness_app
    from detente.registry._witnessing import Cosigner, WitnessEndpoint, parse_witness_spec

# Names whose modules need the `registry` extra (FastAPI, SQLAlchemy, httpx): loaded on use.
_LAZY = {
    "create_app": "detente.registry._server",
    "Witness": "detente.registry._witness",
    "create_witness_app": "detente.registry._witness_app",
    "Cosigner": "detente.registry._witnessing",
    "WitnessEndpoint": "detente.registry._witnessing",
    "parse_witness_spec": "detente.registry._witnessing",
}

__all__ = [
    "DEFAULT_ORIGIN",
    "EXIT_CODES",
    "STATUSES",
    "AdmissionError",
    "Checkpoint",
    "Cosigner",
    "LogError",
    "LogKey",
    "LogService",
    "Quorum",
    "QuorumError",
    "RegistryClient",
    "ServiceError",
    "Status",
    "TrustState",
    "TrustStore",
    "VerifiedEntry",
    "WatchState",
    "Witness",
    "WitnessEndpoint",
    "WitnessKey",
    "advisory",
    "canonical_bundle",
    "check_quorum",
    "connect",
    "create_app",
    "create_witness_app",
    "default_db_url",
    "key_rotation",
    "leaf_hash",
    "load_or_create_log_key",
    "load_or_create_witness_key",
    "namespace_claim",
    "open_store",
    "parse_checkpoint",
    "parse_witness_spec",
    "release",
    "require_quorum",
    "revocation",
    "sign_checkpoint",
    "status_of",
    "verify_consistency",
    "verify_inclusion",
    "watch_step",
]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)
