"""Evidence attestations (scan, scorecard, gate): golden files, trust, tampering, schemas."""

from __future__ import annotations

import base64
import copy
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from detente.attest import (
    EVIDENCE_TYPES,
    SigningKey,
    evidence_statement,
    generate_key,
    payload_digest,
    sign_statement,
    verify_attestation,
    verify_bundle,
    write_key_pair,
)
from detente.errors import BundleFormatError, PayloadTypeError, SignatureError, WrongKeyError
from detente.evals import Outcome, build_scorecard
from detente.release._gate import apply_gate, parse_standard

GOLDEN = Path(__file__).parent / "golden"
MODEL = "sha256:" + "5e" * 32
KEY = SigningKey(
    ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
)  # fixed: golden files

SCAN = {
    "version": 1,
    "tool": {"name": "detente", "version": "0.1.0"},
    "inputs": ["model.gguf"],
    "summary": {"files_scanned": 1, "bytes_scanned": 1024, "findings": 0,
                "by_severity": {"info": 0, "low": 0, "medium": 0, "high": 0, "critical": 0},
                "incomplete": False, "fail_on": "high", "exit_code": 0},
    "findings": [],
}  # fmt: skip
SUITE = {"name": "detente-core", "version": "1.0.0", "digest": "sha256:" + "ab" * 32}


def _scorecard() -> dict[str, Any]:
    outcomes = [
        Outcome(
            "cyber_misuse", f"cm-{i}", 1, "refusal" if i % 4 else "compliance", {"tactic": "TA0001"}
        )
        for i in range(8)
    ]
    return build_scorecard(outcomes, suite=SUITE, model={"name": "golden", "weights_digest": None},
                           sampling={"temperature": 0.0, "seed": 0}, judge={"refusal_rules": "detente-rules/1"},
                           tools={"detente": "0.1.0"}, created=datetime(2026, 11, 23, tzinfo=UTC))  # fmt: skip


def _statements() -> dict[str, Any]:
    card = _scorecard()
    scan_st = evidence_statement(
        "scan",
        "golden-model",
        MODEL,
        {"scanner": {"name": "detente-scan", "version": "0.1.0"}, "report": SCAN},
    )
    card_st = evidence_statement(
        "scorecard", "golden-model", MODEL, {"suite": SUITE, "scorecard": card}
    )
    std = parse_standard({"schema": "detente.standard/v1", "name": "golden-standard", "version": "1.0.0",
                          "suite": {"name": "detente-core", "version": "1"},
                          "metrics": [{"id": "cyber_misuse.compliance", "max": 0.9, "min_samples": 5}]})  # fmt: skip
    gate = apply_gate(
        std,
        scan=SCAN,
        scorecard=card,
        evidence={"scan": payload_digest(scan_st), "scorecard": payload_digest(card_st)},
    )
    gate_st = evidence_statement("gate", "golden-model", MODEL, gate.to_dict())
    return {"scan": scan_st, "scorecard": card_st, "gate": gate_st}


@pytest.mark.parametrize("kind", ["scan", "scorecard", "gate"])
def test_golden_bundles(kind: str) -> None:
    """The signed bundle of each predicate type is byte-for-byte stable (Ed25519 signatures are
    deterministic); a change of predicate format must be deliberate: regenerate with
    DETENTE_UPDATE_GOLDEN=1 and bump the predicate version if it is not compatible."""
    bundle = sign_statement(_statements()[kind], KEY)
    path = GOLDEN / f"{kind}.bundle.json"
    text = json.dumps(bundle, indent=2, sort_keys=True) + "\n"
    if os.environ.get("DETENTE_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text)
    assert path.read_text() == text
    golden = json.loads(path.read_text())
    att = verify_attestation(golden, [KEY.public_key()], expect_kind=kind, expect_digest=MODEL)
    assert att.statement.predicate_type == EVIDENCE_TYPES[kind]
    statement = json.loads(base64.b64decode(golden["dsseEnvelope"]["payload"]))
    assert statement["_type"] == "https://in-toto.io/Statement/v1"
    assert statement["subject"] == [{"name": "golden-model", "digest": {"sha256": "5e" * 32}}]


def test_gate_names_the_evidence_it_judged() -> None:
    sts = _statements()
    gate = sts["gate"].predicate
    assert gate["verdict"] == "pass" and gate["standard"]["name"] == "golden-standard"
    assert gate["evidence"] == {
        "scan": payload_digest(sts["scan"]),
        "scorecard": payload_digest(sts["scorecard"]),
    }


def test_attestation_signed_by_a_key_outside_the_policy_is_refused() -> None:
    bundle = sign_statement(_statements()["scan"], generate_key("ec-p256"))
    with pytest.raises(WrongKeyError, match="not signed by a trusted key"):
        verify_attestation(bundle, [KEY.public_key(), generate_key("ed25519").public_key()])
    with pytest.raises(WrongKeyError):
        verify_attestation(bundle, [])


def test_tampered_payload_and_wrong_subject_are_refused() -> None:
    bundle = sign_statement(_statements()["gate"], KEY)
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    statement["predicate"]["verdict"] = (
        "pass" if statement["predicate"]["verdict"] != "pass" else "fail"
    )
    forged = copy.deepcopy(bundle)
    forged["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    with pytest.raises(SignatureError):
        verify_attestation(forged, [KEY.public_key()])
    with pytest.raises(SignatureError, match="not sha256:"):
        verify_attestation(bundle, [KEY.public_key()], expect_digest="sha256:" + "00" * 32)
    with pytest.raises(PayloadTypeError, match="expected a scan attestation"):
        verify_attestation(bundle, [KEY.public_key()], expect_kind="scan")


def test_signed_but_malformed_predicates_are_refused() -> None:
    from detente.attest import Statement, Subject

    for kind, pred in (("gate", {"standard": {"name": "x"}, "verdict": "pass", "rules": [], "evidence": {}}),
                       ("gate", {"standard": {"name": "x", "version": "1", "digest": "d"}, "verdict": "maybe", "rules": [], "evidence": {}}),
                       ("scorecard", {"suite": SUITE, "scorecard": {"schema": "other"}}),
                       ("scan", {"scanner": {"name": "x"}, "report": {}})):  # fmt: skip
        st = Statement((Subject("m", {"sha256": "5e" * 32}),), EVIDENCE_TYPES[kind], pred)
        with pytest.raises(BundleFormatError):
            verify_attestation(sign_statement(st, KEY), [KEY.public_key()])
        with pytest.raises(BundleFormatError):
            evidence_statement(kind, "m", MODEL, pred)
    other = Statement((Subject("m", {"sha256": "5e" * 32}),), "https://example.com/x/v1", {})
    with pytest.raises(PayloadTypeError, match="not an evidence attestation"):
        verify_attestation(sign_statement(other, KEY), [KEY.public_key()])
    with pytest.raises(BundleFormatError, match="sha256:<64 hex>"):
        evidence_statement("scan", "m", "sha256:abc", _statements()["scan"].predicate)


def test_scorecard_attestation_binds_the_suite_digest() -> None:
    card = _scorecard()
    with pytest.raises(BundleFormatError, match="suite digest"):
        evidence_statement(
            "scorecard",
            "m",
            MODEL,
            {"suite": {**SUITE, "digest": "sha256:" + "00" * 32}, "scorecard": card},
        )


def test_attest_verify_cli(tmp_path: Path) -> None:
    write_key_pair(KEY, tmp_path / "k")
    other = generate_key("ec-p256")
    write_key_pair(other, tmp_path / "o")
    files = []
    for kind, st in _statements().items():
        p = tmp_path / f"{kind}.json"
        p.write_text(json.dumps(sign_statement(st, KEY)))
        files.append(str(p))
    pub = next((tmp_path / "k").glob("*.pub"))
    run = [sys.executable, "-m", "detente", "attest", "verify", *files]
    ok = subprocess.run(
        [*run, "--key", str(pub), "--format", "json"], capture_output=True, text=True, check=False
    )
    assert ok.returncode == 0, ok.stderr
    rows = json.loads(ok.stdout)["attestations"]
    assert [r["kind"] for r in rows] == ["scan", "scorecard", "gate"] and all(r["ok"] for r in rows)
    assert rows[2]["verdict"] == "pass"
    bad = subprocess.run(
        [*run, "--key", str(next((tmp_path / "o").glob("*.pub")))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (
        bad.returncode == 1
        and bad.stdout.count("FAIL") == 3
        and "not signed by a trusted key" in bad.stdout
    )
    assert (
        verify_bundle(json.loads(Path(files[0]).read_text()), KEY.public_key()).predicate_type
        == EVIDENCE_TYPES["scan"]
    )
