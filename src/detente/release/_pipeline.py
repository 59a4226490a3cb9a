"""``detente release``: scan → sign → evaluate → gate → attest → publish.

Each step either succeeds or stops the release with the reason. The order puts the cheap,
decisive checks first: a model whose files would run code is not worth evaluating, and an
evaluation that fails the standard is not published. Whatever ran is kept in the evidence
directory (a blocked release leaves its signed gate decision there for the publisher).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.errors import Error, InputError, UsageError
from detente.release._evidence import EvidenceDir
from detente.release._gate import Standard
from detente.release._policy import ConsumerPolicy, Publisher

if TYPE_CHECKING:
    from detente.attest import SigningKey
    from detente.evals import EvalConfig, Scorecard
    from detente.integrity import Manifest
    from detente.registry import RegistryClient

__all__ = ["ReleaseOptions", "ReleaseResult", "Step", "example_consumer_policy", "release_model"]


@dataclass(frozen=True)
class ReleaseOptions:
    version: str
    standard: Standard
    name: str | None = None
    namespace: str | None = None
    eval_config: EvalConfig | None = None
    model: str | None = None  # inspect model / endpoint model name (else: serve the GGUF)
    base_url: str | None = None
    scorecard: Path | None = None  # reuse an existing scorecard instead of evaluating
    publish: bool = True


@dataclass
class Step:
    name: str
    status: str  # ok | blocked | skipped | failed
    detail: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.name, "status": self.status, "detail": self.detail, **self.data}


@dataclass
class ReleaseResult:
    model: str
    evidence_dir: Path
    steps: list[Step] = field(default_factory=list)
    model_digest: str | None = None
    verdict: str | None = None  # the gate's
    exit_code: int = 0

    @property
    def released(self) -> bool:
        return self.exit_code == 0 and any(
            s.name == "publish" and s.status == "ok" for s in self.steps
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "detente.release/v1",
            "model": self.model,
            "model_digest": self.model_digest,
            "evidence_dir": str(self.evidence_dir),
            "gate_verdict": self.verdict,
            "released": self.released,
            "steps": [s.to_dict() for s in self.steps],
        }


@dataclass(frozen=True)
class _Outcome:
    """What a step produced: its record, and the exit code that stops the release (None: go on)."""

    step: Step
    stop: int | None = None


def _scan_step(
    model: Path, name: str, std: Standard, ev: EvidenceDir
) -> tuple[_Outcome, dict[str, Any]]:
    from detente.release._gate import scan_rules
    from detente.scan import Severity, scan_paths, to_json

    scanned = scan_paths([str(model)])
    summary = scanned.summary
    report = to_json(scanned, Severity.HIGH)
    report["inputs"] = [name]  # no local paths in published evidence
    ev.write_json("scan-report.json", report)
    blocking = [r for r in scan_rules(std, summary) if r.verdict != "pass"]
    counts = dict(summary.by_severity)
    if blocking:
        code = 1 if any(r.verdict == "fail" for r in blocking) else 4
        detail = "; ".join(r.reason for r in blocking)
        return _Outcome(Step("scan", "blocked", detail, {"findings": counts}), code), report
    detail = (f"{summary.files_scanned} files, {summary.findings} findings, none above "
              f"{std.scan_max_severity}")  # fmt: skip
    return _Outcome(Step("scan", "ok", detail, {"findings": counts})), report


def _sign_step(model: Path, key: SigningKey, ev: EvidenceDir) -> tuple[_Outcome, Manifest]:
    from detente.attest import sign_model

    bundle, manifest = sign_model(model, key)
    ev.write_bundle("signature", bundle)
    detail = f"{manifest.root_digest}, {len(manifest.tensors or ())} tensors"
    return _Outcome(Step("sign", "ok", detail, {"tensor_digest": manifest.tensor_digest})), manifest


def _evaluate_step(
    model: Path,
    options: ReleaseOptions,
    out: Path,
    say: Callable[[str], None],
    progress: Callable[[str, bool], None] | None,
) -> tuple[_Outcome, Scorecard]:
    from detente.integrity import file_digest

    card = _evaluate(model, options, out, say, progress)
    weights = card.weights_digest
    # A reused scorecard must be about this file (a fresh local evaluation hashed it already).
    if (
        options.scorecard is not None
        and model.is_file()
        and weights
        and weights != file_digest(model)
    ):
        detail = f"the scorecard's weights digest {weights} is not this model's file"
        return _Outcome(Step("evaluate", "failed", detail), 2), card
    detail = f"{card.samples} samples, suite {card.suite.digest}"
    return _Outcome(Step("evaluate", "ok", detail)), card


def _attest_and_gate(
    name: str,
    digest: str,
    report: dict[str, Any],
    card: Scorecard,
    std: Standard,
    key: SigningKey,
    ev: EvidenceDir,
    say: Callable[[str], None],
) -> tuple[_Outcome, str]:
    """Sign the scan and scorecard attestations, judge them (pure), sign the gate decision."""
    from detente.attest import evidence_statement, payload_digest, sign_statement
    from detente.release._gate import apply_gate

    say("[4/6] signing the scan and scorecard attestations")
    scanner = {"name": "detente-scan", "version": report["tool"]["version"]}
    statements = {
        "scan": evidence_statement("scan", name, digest, {"scanner": scanner, "report": report}),
        "scorecard": evidence_statement("scorecard", name, digest,
                                        {"suite": card.suite.to_dict(), "scorecard": card.to_dict()}),
    }  # fmt: skip
    for kind, st in statements.items():
        ev.write_bundle(kind, sign_statement(st, key))
    say(f"[5/6] gate: {std.name} {std.version}")
    gate = apply_gate(std, scan=report, scorecard=card, present=["signature"],
                      evidence={k: payload_digest(s) for k, s in statements.items()})  # fmt: skip
    ev.write_bundle(
        "gate", sign_statement(evidence_statement("gate", name, digest, gate.to_dict()), key)
    )
    rules = {"rules": [r.to_dict() for r in gate.rules]}
    if gate.verdict != "pass":
        reasons = "; ".join(f"{r.rule}: {r.reason}" for r in gate.blocking())
        detail = f"{gate.verdict} under {std.name}: {reasons}"
        return _Outcome(Step("gate", "blocked", detail, rules), gate.exit_code), gate.verdict
    detail = f"pass under {std.name} {std.version} ({std.digest})"
    return _Outcome(Step("gate", "ok", detail, rules)), gate.verdict


def release_model(
    model: Path,
    key: SigningKey,
    options: ReleaseOptions,
    evidence_dir: Path,
    *,
    client: RegistryClient | None = None,
    say: Callable[[str], None] = lambda _m: None,
    eval_progress: Callable[[str, bool], None] | None = None,
) -> ReleaseResult:
    """scan → sign → evaluate → attest and gate → publish, stopping at the first blocking step;
    every step's record, and the evidence so far, are kept in ``evidence_dir``."""
    if not model.exists():
        raise InputError("no such model", model)
    std = options.standard
    ev = EvidenceDir(evidence_dir)
    name = options.name or model.name
    result = ReleaseResult(str(model), evidence_dir)

    def record(outcome: _Outcome) -> bool:
        result.steps.append(outcome.step)
        if outcome.stop is not None:
            result.exit_code = outcome.stop
            ev.write_json("release.json", result.to_dict())
        return outcome.stop is None

    say(f"[1/6] scanning {model.name} (nothing is loaded or executed)")
    scanned, report = _scan_step(model, name, std, ev)
    if not record(scanned):
        return result
    say("[2/6] signing (OpenSSF Model Signing v1.0 bundle + tensor digests)")
    signed, manifest = _sign_step(model, key, ev)
    result.model_digest = manifest.root_digest
    record(signed)
    evaluated, card = _evaluate_step(model, options, evidence_dir / "eval", say, eval_progress)
    if not record(evaluated):
        return result
    gated, result.verdict = _attest_and_gate(
        name, manifest.root_digest, report, card, std, key, ev, say
    )
    if not record(gated):
        return result
    if not options.publish:
        record(_Outcome(Step("publish", "skipped", "--no-publish")))
    else:
        say("[6/6] publishing to the transparency log")
        if client is None:
            raise UsageError(
                "publishing needs a registry client (or ReleaseOptions(publish=False))"
            )
        try:
            entries = _publish(client, key, options, name, manifest, ev)
        except Error as exc:
            record(_Outcome(Step("publish", "failed", str(exc)), exc.exit_code))
            return result
        record(_Outcome(Step("publish", "ok", f"{len(entries)} entries in the log",
                             {"entries": entries})))  # fmt: skip
        _consumer_example(ev, key, std, getattr(client, "url", None))
    ev.write_json("release.json", result.to_dict())
    return result


_EXAMPLE_HEADER = """A consumer policy for this release (detente verify MODEL --policy THIS --evidence DIR).
Trusting the key that sits beside the evidence proves nothing: get the publisher's key (or
namespace) through a channel you trust and put it here."""


def example_consumer_policy(standard: Standard, url: str | None) -> ConsumerPolicy:
    """The policy a consumer of a release would start from: trust ``publisher.pub`` (to be
    replaced by a key obtained out of band), require every attestation and a pass under
    ``standard``, the registry status ``current``, and a local rescan."""
    return ConsumerPolicy(
        name="example-consumer",
        publishers=(Publisher(key="publisher.pub"),),
        required=("signature", "scan", "scorecard", "gate"),
        standard=standard.name,
        registry_url=None if url in (None, "embedded") else url,
    )


def _consumer_example(ev: EvidenceDir, key: SigningKey, std: Standard, url: str | None) -> None:
    (ev.path / "publisher.pub").write_bytes(key.public_key().pem())
    policy = example_consumer_policy(std, url)
    (ev.path / "consumer-policy.toml").write_text(policy.to_toml(_EXAMPLE_HEADER), "utf-8")


def _evaluate(
    model: Path,
    options: ReleaseOptions,
    out: Path,
    say: Callable[[str], None],
    progress: Callable[[str, bool], None] | None,
) -> Scorecard:
    from detente.evals import EvalConfig, Scorecard, load_scorecard, run_eval
    from detente.runtime import local_gguf, resolve_target

    if options.scorecard is not None:
        say(f"[3/6] using the existing scorecard {options.scorecard}")
        return Scorecard.from_dict(load_scorecard(options.scorecard), str(options.scorecard))
    std = options.standard  # evaluate on the suite the standard is defined on
    config = options.eval_config or EvalConfig(
        suite=std.suite_name, suite_version=std.suite_version
    )
    if options.model is not None:
        say(f"[3/6] evaluating {options.model} (the publisher asserts it serves this model)")
        target = resolve_target(options.model, options.base_url)
        return Scorecard.from_dict(run_eval(target, config, out, progress).scorecard)
    if model.is_file() and model.suffix.lower() == ".gguf":
        say(f"[3/6] evaluating {model.name} on llama.cpp (CPU)")
        with local_gguf(model, embedded=False) as target:
            return Scorecard.from_dict(run_eval(target, config, out, progress).scorecard)
    raise UsageError(
        f"{model} is not a GGUF file this machine can serve: evaluate it behind an "
        "OpenAI-compatible endpoint (--model NAME --base-url URL) or pass --scorecard FILE"
    )


def _publish(
    client: RegistryClient,
    key: SigningKey,
    options: ReleaseOptions,
    name: str,
    manifest: Manifest,
    ev: EvidenceDir,
) -> dict[str, int]:
    from detente.attest import sign_statement
    from detente.registry import namespace_claim, release

    namespace = options.namespace or default_namespace(key)
    cp = client.checkpoint()
    entries: dict[str, int] = {}
    if client.namespace_keys(namespace, cp) is None:
        entries["namespace-claim"] = int(
            client.publish(sign_statement(namespace_claim(namespace, [key.public_key()]), key))[
                "index"
            ]
        )
    rel = release(namespace, name, options.version, manifest.root_digest, manifest.tensor_digest)
    entries["release"] = int(client.publish(sign_statement(rel, key))["index"])
    for kind in ("signature", "scan", "scorecard", "gate"):
        bundle = ev.bundle(kind)
        if bundle is None:
            raise InputError(f"the {kind} bundle is missing", ev.file(kind))
        entries[kind] = int(client.publish(bundle, namespace)["index"])
    return entries


def default_namespace(key: SigningKey) -> str:
    key_id: str = key.public_key().key_id
    return "local-" + key_id.split(":", 1)[1][:12]
