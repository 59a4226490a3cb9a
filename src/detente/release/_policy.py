"""Consumer policies (TOML, schema ``detente.consumer-policy/v1``): what a consumer trusts.

A policy names the publishers it trusts (public key files, or registry namespaces whose keys
are read from the verified log), the evidence it requires (signature, scan, scorecard, gate),
the release standard a gate must have passed, which registry statuses are acceptable, and
whether to rescan locally. It is data: :meth:`ConsumerPolicy.from_dict` validates it and
:meth:`ConsumerPolicy.to_toml` writes it (never a template), so what is written parses back to
the same policy with the same digest.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.canonical import canonical_json
from detente.errors import FormatError, InputError
from detente.release._toml import to_toml
from detente.taxonomy import SEVERITY_NAMES

__all__ = ["CONSUMER_SCHEMA", "EVIDENCE_KINDS", "STATUSES", "ConsumerPolicy", "Publisher",
           "load_consumer_policy"]  # fmt: skip

CONSUMER_SCHEMA = "detente.consumer-policy/v1"
EVIDENCE_KINDS = ("signature", "scan", "scorecard", "gate")
STATUSES = ("current", "outdated", "unknown", "flagged", "revoked")


@dataclass(frozen=True)
class Publisher:
    """A trusted publisher: exactly one of a key file (relative to the policy), a namespace,
    or a trust root (CA PEM or Sigstore trusted_root.json, relative to the policy) with the
    identity and issuer its signing certificates must carry."""

    key: str | None = None
    namespace: str | None = None
    trust_root: str | None = None
    identity: str | None = None
    issuer: str | None = None

    def to_dict(self) -> dict[str, str]:
        if self.trust_root is not None:
            out = {"trust_root": self.trust_root}
            out |= {"identity": self.identity} if self.identity is not None else {}
            return out | ({"issuer": self.issuer} if self.issuer is not None else {})
        return {"key": self.key} if self.key is not None else {"namespace": str(self.namespace)}


@dataclass(frozen=True)
class ConsumerPolicy:
    name: str
    publishers: tuple[Publisher, ...]
    required: tuple[str, ...] = ("signature", "scan", "gate")
    standard: str | None = None
    standard_digest: str | None = None
    scan_max_severity: str = "low"
    registry_url: str | None = None  # None: the embedded registry
    registry_log_key: str | None = None
    witnesses: tuple[str, ...] = ()  # witness verifier keys (c2sp.org/tlog-cosignature)
    quorum: int | None = None  # cosignatures required (default: every listed witness)
    allowed_status: tuple[str, ...] = ("current",)
    require_logged: bool = True
    check_registry: bool = True
    rescan: bool = True
    rescan_max_severity: str = "low"
    base_dir: Path = field(default=Path(), compare=False)
    source: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def key_files(self) -> tuple[Path, ...]:
        return tuple((self.base_dir / p.key).resolve() for p in self.publishers if p.key)

    @property
    def certificate_publishers(self) -> tuple[tuple[Path, str | None, str | None], ...]:
        """(trust root file, identity, issuer) of each certificate publisher."""
        return tuple(((self.base_dir / p.trust_root).resolve(), p.identity, p.issuer)
                     for p in self.publishers if p.trust_root)  # fmt: skip

    @property
    def namespaces(self) -> tuple[str, ...]:
        return tuple(p.namespace for p in self.publishers if p.namespace)

    @property
    def digest(self) -> str:
        """sha256 of the canonical JSON of the policy as written (comments and layout aside)."""
        return "sha256:" + hashlib.sha256(canonical_json(self.source or self.to_dict())).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        require: dict[str, Any] = {"attestations": list(self.required)}
        if self.standard is not None:
            require["standard"] = self.standard
        if self.standard_digest is not None:
            require["standard_digest"] = self.standard_digest
        require["scan_max_severity"] = self.scan_max_severity
        registry: dict[str, Any] = {"url": self.registry_url or "embedded"}
        if self.registry_log_key is not None:
            registry["log_key"] = self.registry_log_key
        if self.witnesses:
            registry["witnesses"] = list(self.witnesses)
        if self.quorum is not None:
            registry["quorum"] = self.quorum
        registry |= {"allowed_status": list(self.allowed_status),
                     "require_logged": self.require_logged, "check": self.check_registry}  # fmt: skip
        return {
            "schema": CONSUMER_SCHEMA,
            "name": self.name,
            "publishers": [p.to_dict() for p in self.publishers],
            "require": require,
            "registry": registry,
            "rescan": {"enabled": self.rescan, "max_severity": self.rescan_max_severity},
        }

    def to_toml(self, header: str = "") -> str:
        return to_toml(self.source or self.to_dict(), header)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], base_dir: Path = Path()) -> ConsumerPolicy:
        """Validate a parsed policy; :class:`FormatError` names the first problem."""
        return _parse(data, base_dir)


def load_consumer_policy(path: Path) -> ConsumerPolicy:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the policy: {exc.strerror or exc}", path) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FormatError(f"not TOML: {exc}", path) from None
    try:
        return _parse(data, path.parent)
    except FormatError as exc:
        raise FormatError(exc.problem, path) from None


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FormatError(f"{where} must be a list of strings")
    return tuple(value)


def _publishers(data: Mapping[str, Any]) -> tuple[Publisher, ...]:
    publishers = data.get("publishers", [])
    if not isinstance(publishers, list) or not publishers:
        raise FormatError("[[publishers]]: trust at least one publisher (a key or a namespace)")
    out: list[Publisher] = []
    for i, p in enumerate(publishers):
        if not isinstance(p, dict) or sum(k in p for k in ("key", "namespace", "trust_root")) != 1:
            raise FormatError(
                f"publishers[{i}] must have exactly one of 'key', 'namespace' or 'trust_root'"
            )
        if "trust_root" in p:
            out.append(_certificate_publisher(p, i))
        elif "key" in p:
            if not isinstance(p["key"], str):
                raise FormatError(f"publishers[{i}].key must be a path")
            out.append(Publisher(key=p["key"]))
        else:
            if not isinstance(p["namespace"], str) or not p["namespace"]:
                raise FormatError(f"publishers[{i}].namespace must be a string")
            out.append(Publisher(namespace=p["namespace"]))
    return tuple(out)


def _certificate_publisher(p: Mapping[str, Any], i: int) -> Publisher:
    for k in ("trust_root", "identity", "issuer"):
        if k in p and (not isinstance(p[k], str) or not p[k]):
            raise FormatError(f"publishers[{i}].{k} must be a non-empty string")
    if "identity" not in p:
        # A CA (or Fulcio) vouches for many signers: a policy names which one it trusts.
        raise FormatError(f"publishers[{i}]: a trust_root needs the signer's 'identity'")
    extra = set(p) - {"trust_root", "identity", "issuer"}
    if extra:
        raise FormatError(f"publishers[{i}]: unknown field(s) {', '.join(sorted(extra))}")
    return Publisher(trust_root=p["trust_root"], identity=p["identity"], issuer=p.get("issuer"))


def _required(require: Mapping[str, Any]) -> tuple[str, ...]:
    required = _str_list(require.get("attestations", ["signature", "scan", "gate"]),
                         "require.attestations")  # fmt: skip
    for r in required:
        if r not in EVIDENCE_KINDS:
            raise FormatError(
                f"require.attestations: unknown evidence {r!r} ({', '.join(EVIDENCE_KINDS)})"
            )
    if "signature" not in required:
        raise FormatError("require.attestations must include 'signature' (nothing else is "
                          "bound to the model's bytes without it)")  # fmt: skip
    return required


def _parse(data: Mapping[str, Any], base: Path) -> ConsumerPolicy:
    if data.get("schema") != CONSUMER_SCHEMA:
        raise FormatError(f"'schema' must be {CONSUMER_SCHEMA!r}")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise FormatError("'name' must be a non-empty string")
    publishers = _publishers(data)
    require = data.get("require", {})
    registry = data.get("registry", {})
    rescan = data.get("rescan", {})
    for table, where in ((require, "require"), (registry, "registry"), (rescan, "rescan")):
        if not isinstance(table, dict):
            raise FormatError(f"[{where}] must be a table")
    required = _required(require)
    standard = require.get("standard")
    if standard is not None and not isinstance(standard, str):
        raise FormatError("require.standard must be a string")
    if "gate" in required and standard is None:
        raise FormatError("require.standard: name the release standard the gate must have passed")
    severity = require.get("scan_max_severity", "low")
    rescan_sev = rescan.get("max_severity", severity)
    for value, where in (
        (severity, "require.scan_max_severity"),
        (rescan_sev, "rescan.max_severity"),
    ):
        if value not in SEVERITY_NAMES:
            raise FormatError(f"{where} must be one of {', '.join(SEVERITY_NAMES)}")
    allowed = _str_list(registry.get("allowed_status", ["current"]), "registry.allowed_status")
    for s in allowed:
        if s not in STATUSES:
            raise FormatError(f"registry.allowed_status: unknown status {s!r}")
    if "revoked" in allowed:
        raise FormatError("registry.allowed_status must not allow 'revoked'")
    url = registry.get("url")
    if url is not None and not isinstance(url, str):
        raise FormatError("registry.url must be a string")
    witnesses = _str_list(registry.get("witnesses", []), "registry.witnesses")
    from detente.errors import Error
    from detente.registry import WitnessKey

    for i, vkey in enumerate(witnesses):
        try:
            WitnessKey.from_vkey(vkey)
        except (Error, ValueError) as exc:
            raise FormatError(
                f"registry.witnesses[{i}] is not a witness verifier key: {exc}"
            ) from None
    quorum = registry.get("quorum")
    if quorum is not None and (
        isinstance(quorum, bool) or not isinstance(quorum, int)
        or not 1 <= quorum <= len(witnesses)
    ):  # fmt: skip
        raise FormatError("registry.quorum must be an integer from 1 to the number of witnesses")
    return ConsumerPolicy(
        name=name,
        publishers=publishers,
        required=required,
        standard=standard,
        standard_digest=require.get("standard_digest"),
        scan_max_severity=severity,
        registry_url=None if url in (None, "embedded") else url,
        registry_log_key=registry.get("log_key"),
        witnesses=witnesses,
        quorum=quorum,
        allowed_status=allowed,
        require_logged=bool(registry.get("require_logged", True)),
        check_registry=bool(registry.get("check", True)),
        rescan=bool(rescan.get("enabled", True)),
        rescan_max_severity=rescan_sev,
        base_dir=base,
        source=dict(data),
    )
