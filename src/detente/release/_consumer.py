"""The consumer's question, "may we load this model?", answered under the consumer's own policy.

A consumer policy (TOML, schema ``detente.consumer-policy/v1``) names the publishers it trusts
(public key files, or registry namespaces whose keys are read from the verified log), the
evidence it requires (signature, scan, scorecard, gate), the release standard a gate must
have passed, which registry statuses are acceptable, and whether to rescan locally.

Checks, each with a reason: the signature verifies with a trusted key and the model's files
and tensors match it (a changed tensor is named); every required attestation is signed by a
trusted key about the same model digest; the gate passed under the named standard; the
publisher's scan and our own rescan show nothing above the allowed severity; the registry's
status for the digest is allowed, with every proof checked by the client; the evidence is in
the log.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.errors import Error, FormatError, InputError
from detente.evals._gate import SEVERITIES, severities_above
from detente.evals._suite import canonical_json

__all__ = [
    "CONSUMER_SCHEMA",
    "Check",
    "ConsumerPolicy",
    "ConsumerVerdict",
    "load_consumer_policy",
    "verify_release",
]

CONSUMER_SCHEMA = "detente.consumer-policy/v1"
_EVIDENCE = ("signature", "scan", "scorecard", "gate")
_STATUSES = ("current", "outdated", "unknown", "flagged", "revoked")


@dataclass(frozen=True)
class ConsumerPolicy:
    name: str
    key_files: tuple[Path, ...]
    namespaces: tuple[str, ...]
    required: tuple[str, ...]
    standard: str | None
    standard_digest: str | None
    scan_max_severity: str
    registry_url: str | None  # None: the embedded registry
    registry_log_key: str | None
    allowed_status: tuple[str, ...]
    require_logged: bool
    check_registry: bool
    rescan: bool
    rescan_max_severity: str
    digest: str = ""


def _str_list(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FormatError(f"{where} must be a list of strings")
    return tuple(value)


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


def _parse(data: Mapping[str, Any], base: Path) -> ConsumerPolicy:
    if data.get("schema") != CONSUMER_SCHEMA:
        raise FormatError(f"'schema' must be {CONSUMER_SCHEMA!r}")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise FormatError("'name' must be a non-empty string")
    publishers = data.get("publishers", [])
    if not isinstance(publishers, list) or not publishers:
        raise FormatError("[[publishers]]: trust at least one publisher (a key or a namespace)")
    keys: list[Path] = []
    namespaces: list[str] = []
    for i, p in enumerate(publishers):
        if not isinstance(p, dict) or not (("key" in p) ^ ("namespace" in p)):
            raise FormatError(f"publishers[{i}] must have exactly one of 'key' or 'namespace'")
        if "key" in p:
            if not isinstance(p["key"], str):
                raise FormatError(f"publishers[{i}].key must be a path")
            keys.append((base / p["key"]).resolve())
        else:
            if not isinstance(p["namespace"], str) or not p["namespace"]:
                raise FormatError(f"publishers[{i}].namespace must be a string")
            namespaces.append(p["namespace"])
    require = data.get("require", {})
    registry = data.get("registry", {})
    rescan = data.get("rescan", {})
    for table, where in ((require, "require"), (registry, "registry"), (rescan, "rescan")):
        if not isinstance(table, dict):
            raise FormatError(f"[{where}] must be a table")
    required = _str_list(require.get("attestations", ["signature", "scan", "gate"]),
                         "require.attestations")  # fmt: skip
    for r in required:
        if r not in _EVIDENCE:
            raise FormatError(
                f"require.attestations: unknown evidence {r!r} ({', '.join(_EVIDENCE)})"
            )
    if "signature" not in required:
        raise FormatError("require.attestations must include 'signature' (nothing else is "
                          "bound to the model's bytes without it)")  # fmt: skip
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
        if value not in SEVERITIES:
            raise FormatError(f"{where} must be one of {', '.join(SEVERITIES)}")
    allowed = _str_list(registry.get("allowed_status", ["current"]), "registry.allowed_status")
    for s in allowed:
        if s not in _STATUSES:
            raise FormatError(f"registry.allowed_status: unknown status {s!r}")
    if "revoked" in allowed:
        raise FormatError("registry.allowed_status must not allow 'revoked'")
    url = registry.get("url")
    if url is not None and not isinstance(url, str):
        raise FormatError("registry.url must be a string")
    return ConsumerPolicy(
        name=name,
        key_files=tuple(keys),
        namespaces=tuple(namespaces),
        required=required,
        standard=standard,
        standard_digest=require.get("standard_digest"),
        scan_max_severity=severity,
        registry_url=None if url in (None, "embedded") else url,
        registry_log_key=registry.get("log_key"),
        allowed_status=allowed,
        require_logged=bool(registry.get("require_logged", True)),
        check_registry=bool(registry.get("check", True)),
        rescan=bool(rescan.get("enabled", True)),
        rescan_max_severity=rescan_sev,
        digest="sha256:" + hashlib.sha256(canonical_json(data)).hexdigest(),
    )


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    reason: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.name,
            "ok": self.ok,
            "reason": self.reason,
            **({"details": dict(self.details)} if self.details else {}),
        }


@dataclass(frozen=True)
class ConsumerVerdict:
    model: str
    policy: ConsumerPolicy
    checks: tuple[Check, ...]
    model_digest: str | None = None

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    @property
    def verdict(self) -> str:
        return "allow" if self.ok else "deny"

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "detente.consumer-verdict/v1",
            "model": self.model,
            "policy": self.policy.name,
            "policy_digest": self.policy.digest,
            "model_digest": self.model_digest,
            "verdict": self.verdict,
            "checks": [c.to_dict() for c in self.checks],
        }

    def text(self) -> str:
        lines = [f"{'ALLOW' if self.ok else 'DENY'}: {self.model} under policy {self.policy.name}"]
        for c in self.checks:
            lines.append(f"  {'ok  ' if c.ok else 'FAIL'} {c.name}: {c.reason}")
            for t in c.details.get("tensors", [])[:20]:
                lines.append(f"         tensor {t}")
        return "\n".join(lines)


def verify_release(
    model: Path,
    policy: ConsumerPolicy,
    evidence_dir: Path,
    *,
    client: Any = None,
    say: Callable[[str], None] = lambda _m: None,
) -> ConsumerVerdict:
    """Run every check of ``policy`` on ``model`` with the evidence in ``evidence_dir``."""
    from detente.attest import load_public_key, verify_model
    from detente.attest._evidence import verify_attestation
    from detente.release._evidence import EvidenceDir

    checks: list[Check] = []
    ev = EvidenceDir(evidence_dir)
    # 1. trusted keys
    keys = [load_public_key(p) for p in policy.key_files]
    if (policy.namespaces or policy.check_registry) and client is None:
        from detente.registry import connect

        client = connect(policy.registry_url, policy.registry_log_key)
    for ns in policy.namespaces:
        say(f"reading the keys of namespace {ns} from the log")
        cp = client.checkpoint()
        ns_keys = client.namespace_keys(ns, cp) or []
        if not ns_keys:
            checks.append(Check("publishers", False, f"namespace {ns!r} is not claimed in the log"))
        keys.extend(ns_keys)
    trusted = ", ".join(sorted({k.key_id[:16] for k in keys})) or "none"
    if not keys:
        return ConsumerVerdict(
            str(model),
            policy,
            (*checks, Check("publishers", False, "no trusted key could be loaded")),
        )

    # 2. the signature, and the model's bytes against it
    source: Any = ev
    if ev.bundle("signature") is None and client is not None:
        # No local evidence: look the model's digest up in the log (files/sha256, as
        # `detente release` signs) and take the evidence from there.
        from detente.integrity import build_manifest
        from detente.release._evidence import LoggedEvidence

        say(f"no evidence in {evidence_dir}: hashing the model and reading the log")
        source = LoggedEvidence(client, build_manifest(model).root_digest)
    say("verifying the signature and the model's files and tensors")
    signatures = source.candidates("signature")
    if not signatures:
        checks.append(Check("signature", False, f"no signature in {source.where}"))
        return ConsumerVerdict(str(model), policy, tuple(checks))
    result = None
    used: dict[str, dict[str, Any]] = {}  # kind -> the bundle a trusted key verified
    for sig in signatures:
        for key in keys:
            try:
                result = verify_model(model, sig, key)
                break
            except Error:
                continue
        if result is not None:
            used["signature"] = sig
            break
    if result is None:
        checks.append(
            Check(
                "signature", False, f"the signature is not valid under any trusted key ({trusted})"
            )
        )
        return ConsumerVerdict(str(model), policy, tuple(checks))
    digest = result.manifest.root_digest
    if result.ok:
        checks.append(
            Check(
                "signature",
                True,
                f"signed by trusted key {result.signer[:23]}; files and tensors match ({digest})",
            )
        )
    else:
        r = result.result
        tensors = [t.describe() for t in r.tensor_changes]
        what = []
        if r.changed_files:
            what.append("changed files: " + ", ".join(c.name for c in r.changed_files))
        if r.added_files or r.missing_files:
            what.append("added/missing files: " + ", ".join([*r.added_files, *r.missing_files]))
        if tensors:
            what.append(
                f"{len(tensors)} tensor(s) differ: "
                + ", ".join(t.name for t in r.tensor_changes[:10])
            )
        checks.append(
            Check(
                "signature",
                False,
                "the model does not match its signature: " + "; ".join(what),
                {"tensors": tensors},
            )
        )

    # 3. evidence attestations, signed by a trusted key about this model
    verified: dict[str, Any] = {}
    for kind in (k for k in policy.required if k != "signature"):
        found = source.candidates(kind)
        if not found:
            checks.append(Check(f"attestation.{kind}", False,
                                f"required {kind} attestation is missing from {source.where}"))  # fmt: skip
            continue
        att = None
        problem = ""
        for bundle in found:  # newest first; the first one a trusted key verifies wins
            try:
                att = verify_attestation(bundle, keys, expect_kind=kind, expect_digest=digest)
                used[kind] = bundle
                break
            except Error as exc:
                problem = str(exc)
        if att is None:
            checks.append(Check(f"attestation.{kind}", False, problem))
            continue
        verified[kind] = att
        checks.append(
            Check(
                f"attestation.{kind}",
                True,
                f"signed by trusted key {att.key_id[:23]} about {digest}",
            )
        )
    if "gate" in verified:
        pred = verified["gate"].predicate
        std = pred["standard"]
        ok = pred["verdict"] == "pass" and std["name"] == policy.standard
        if ok and policy.standard_digest:
            ok = std["digest"] == policy.standard_digest
        checks.append(
            Check(
                "gate",
                ok,
                f"gate verdict {pred['verdict']} under {std['name']} {std['version']} ({std['digest']}); policy requires a pass under {policy.standard}"
                + (f" ({policy.standard_digest})" if policy.standard_digest else ""),
            )
        )
    if "scan" in verified:
        counts = verified["scan"].predicate["report"]["summary"]["by_severity"]
        over = severities_above(counts, policy.scan_max_severity)
        incomplete = bool(verified["scan"].predicate["report"]["summary"].get("incomplete"))
        ok = not over and not incomplete
        reason = "publisher's scan: " + (
            f"findings above {policy.scan_max_severity}: {over}"
            if over
            else "incomplete"
            if incomplete
            else f"nothing above {policy.scan_max_severity}"
        )
        checks.append(Check("publisher-scan", ok, reason))

    # 4. registry status, with proofs checked by the client
    if policy.check_registry:
        say("checking the registry (inclusion and consistency proofs)")
        try:
            v = client.check_digest(digest)
            ok = v.status in policy.allowed_status
            checks.append(
                Check(
                    "registry",
                    ok,
                    f"status {v.status}: "
                    + "; ".join(v.reasons)
                    + ("" if ok else f" (policy allows {', '.join(policy.allowed_status)})"),
                )
            )
            if policy.require_logged:
                checks.append(_logged_check(client, digest, used))
        except Error as exc:
            checks.append(Check("registry", False, f"registry check failed: {exc}"))

    # 5. our own scan
    if policy.rescan:
        say("rescanning the model locally")
        from detente.scan import scan_paths

        report = scan_paths([str(model)])
        counts = {s: 0 for s in SEVERITIES}
        for f in report.findings:
            counts[str(f.severity)] += 1
        over = severities_above(counts, policy.rescan_max_severity)
        ok = not over and not report.incomplete
        checks.append(
            Check(
                "rescan",
                ok,
                "local rescan: "
                + (
                    f"findings above {policy.rescan_max_severity}: {over}"
                    if over
                    else "incomplete"
                    if report.incomplete
                    else f"{len(report.findings)} findings, none above {policy.rescan_max_severity}"
                ),
            )
        )
    return ConsumerVerdict(str(model), policy, tuple(checks), digest)


def _logged_check(client: Any, digest: str, used: dict[str, dict[str, Any]]) -> Check:
    from detente.registry import canonical_bundle, leaf_hash

    cp = client.checkpoint()
    logged: set[bytes] = set()
    for i in client.lookup(digest=digest):
        if i < cp.size:
            _st, entry = client.verified_statement(i, cp)
            logged.add(leaf_hash(canonical_bundle(entry["bundle"])))
    missing = [k for k, b in used.items() if leaf_hash(canonical_bundle(b)) not in logged]
    if missing:
        return Check("logged", False, f"evidence not in the transparency log: {', '.join(missing)}")
    return Check(
        "logged",
        True,
        f"{', '.join(used)} are in the log (inclusion proofs verified against checkpoint {cp.size})",
    )
