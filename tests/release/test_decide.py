"""The consumer's decision, table-driven, without I/O: facts in, verdict out."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from detente.release import (
    AttestationFacts,
    ConsumerPolicy,
    Gathered,
    Publisher,
    RegistryFacts,
    RescanFacts,
    SignatureFacts,
    decide,
)

DIGEST = "sha256:" + "ab" * 32
KEY = "sha256:" + "cd" * 32
CLEAN = {"info": 0, "low": 0, "medium": 0, "high": 0, "critical": 0}

POLICY = ConsumerPolicy(
    name="p",
    publishers=(Publisher(key="pub.pem"),),
    required=("signature", "scan", "gate"),
    standard="detente-baseline-v1",
)


def gate_pred(verdict: str = "pass", name: str = "detente-baseline-v1") -> dict[str, Any]:
    return {"standard": {"name": name, "version": "1", "digest": "sha256:" + "ee" * 32},
            "verdict": verdict, "rules": [], "evidence": {}}  # fmt: skip


def scan_pred(counts: dict[str, int] | None = None, incomplete: bool = False) -> dict[str, Any]:
    return {"report": {"summary": {"by_severity": counts or CLEAN, "incomplete": incomplete}}}


GOOD = Gathered(
    model="m",
    trusted_keys=(KEY,),
    signature=SignatureFacts("dir", True, KEY, DIGEST, True),
    attestations=(
        AttestationFacts("scan", True, KEY, "", scan_pred()),
        AttestationFacts("gate", True, KEY, "", gate_pred()),
    ),
    registry=RegistryFacts("current", ("latest release",), None, (), ("signature",), 7),
    rescan=RescanFacts(CLEAN, False, 0),
)


def failing(verdict: Any) -> list[str]:
    return [c.name for c in verdict.checks if not c.ok]


def test_everything_verified_allows() -> None:
    v = decide(POLICY, GOOD)
    assert v.ok and v.verdict == "allow" and v.model_digest == DIGEST
    assert [c.name for c in v.checks] == [
        "signature", "attestation.scan", "attestation.gate", "gate", "publisher-scan",
        "registry", "logged", "rescan",
    ]  # fmt: skip


CASES: list[tuple[str, Gathered, ConsumerPolicy, list[str]]] = [
    ("no trusted key", Gathered("m", ("acme/x",)), POLICY, ["publishers", "publishers"]),
    ("no signature", replace(GOOD, signature=SignatureFacts("dir", False)), POLICY, ["signature"]),
    ("signed by a stranger", replace(GOOD, signature=SignatureFacts("dir", True)), POLICY,
     ["signature"]),
    ("a tensor changed",
     replace(GOOD, signature=SignatureFacts("dir", True, KEY, DIGEST, False,
                                            changed_tensors=("blk.3.w",),
                                            tensor_details=("blk.3.w [F32] changed",))),
     POLICY, ["signature"]),
    ("gate attestation missing",
     replace(GOOD, attestations=(GOOD.attestations[0], AttestationFacts("gate", False))),
     POLICY, ["attestation.gate"]),
    ("gate attestation forged",
     replace(GOOD, attestations=(GOOD.attestations[0],
                                 AttestationFacts("gate", True, None, "bad signature"))),
     POLICY, ["attestation.gate"]),
    ("gate failed",
     replace(GOOD, attestations=(GOOD.attestations[0],
                                 AttestationFacts("gate", True, KEY, "", gate_pred("fail")))),
     POLICY, ["gate"]),
    ("gate passed under another standard",
     replace(GOOD, attestations=(GOOD.attestations[0],
                                 AttestationFacts("gate", True, KEY, "", gate_pred(name="lax")))),
     POLICY, ["gate"]),
    ("pinned standard digest differs", GOOD,
     replace(POLICY, standard_digest="sha256:" + "00" * 32), ["gate"]),
    ("publisher's scan has a high finding",
     replace(GOOD, attestations=(AttestationFacts("scan", True, KEY, "",
                                                  scan_pred({**CLEAN, "high": 1})),
                                 GOOD.attestations[1])),
     POLICY, ["publisher-scan"]),
    ("publisher's scan incomplete",
     replace(GOOD, attestations=(AttestationFacts("scan", True, KEY, "", scan_pred(None, True)),
                                 GOOD.attestations[1])),
     POLICY, ["publisher-scan"]),
    ("revoked", replace(GOOD, registry=RegistryFacts("revoked", ("key leaked",), None, (), (), 7)),
     POLICY, ["registry"]),
    ("outdated allowed by policy",
     replace(GOOD, registry=RegistryFacts("outdated", ("v2",), None, (), (), 7)),
     replace(POLICY, allowed_status=("current", "outdated")), []),
    ("registry proof failed", replace(GOOD, registry=RegistryFacts(error="inconsistent")), POLICY,
     ["registry"]),
    ("evidence not logged",
     replace(GOOD, registry=RegistryFacts("current", (), None, ("gate",), (), 7)), POLICY,
     ["logged"]),
    ("rescan finds a critical", replace(GOOD, rescan=RescanFacts({**CLEAN, "critical": 2}, False, 2)),
     POLICY, ["rescan"]),
    ("rescan incomplete", replace(GOOD, rescan=RescanFacts(CLEAN, True, 1)), POLICY, ["rescan"]),
    ("medium allowed when the policy says so",
     replace(GOOD, rescan=RescanFacts({**CLEAN, "medium": 3}, False, 3)),
     replace(POLICY, rescan_max_severity="medium"), []),
]  # fmt: skip


@pytest.mark.parametrize(("case", "facts", "policy", "failed"), CASES, ids=[c[0] for c in CASES])
def test_each_failing_fact_denies_with_its_reason(
    case: str, facts: Gathered, policy: ConsumerPolicy, failed: list[str]
) -> None:
    v = decide(policy, facts)
    assert failing(v) == failed, v.text()
    assert v.ok is (failed == [])
    assert all(c.reason for c in v.checks)


def test_a_changed_tensor_is_named_in_the_verdict() -> None:
    sig = SignatureFacts("dir", True, KEY, DIGEST, False, changed_tensors=("blk.3.w",),
                         tensor_details=("blk.3.w [F32 [4]] in m.gguf: contents changed",))  # fmt: skip
    v = decide(POLICY, replace(GOOD, signature=sig))
    assert "blk.3.w" in v.checks[0].reason
    assert "blk.3.w [F32 [4]]" in v.text()


def test_the_verdict_document_names_the_policy_digest() -> None:
    d = decide(POLICY, GOOD).to_dict()
    assert d["schema"] == "detente.consumer-verdict/v1"
    assert d["verdict"] == "allow" and d["policy_digest"] == POLICY.digest


def test_a_policy_written_as_data_reads_back_the_same(tmp_path: Path) -> None:
    from detente.release import load_consumer_policy

    hostile = replace(POLICY, name='evil"\n[registry]\nurl = "http://x"', standard="s\\t")
    path = tmp_path / "p.toml"
    path.write_text(hostile.to_toml("a comment\nover two lines"), "utf-8")
    back = load_consumer_policy(path)
    assert back.name == hostile.name and back.standard == hostile.standard
    assert back.registry_url is None  # the name could not inject a [registry] table
    assert back.to_dict() == hostile.to_dict()


def test_witnesses_and_quorum_are_policy_data(tmp_path: Path) -> None:
    from detente.errors import FormatError
    from detente.registry import WitnessKey

    vkey = WitnessKey.generate("w1.example").vkey
    data = {**POLICY.to_dict(), "registry": {"url": "embedded", "witnesses": [vkey], "quorum": 1}}
    policy = ConsumerPolicy.from_dict(data)
    assert policy.witnesses == (vkey,) and policy.quorum == 1
    assert ConsumerPolicy.from_dict(policy.to_dict()).to_dict() == policy.to_dict()
    for bad in ({"witnesses": [vkey], "quorum": 2}, {"witnesses": ["not-a-key"]},
                {"witnesses": [vkey], "quorum": True}):  # fmt: skip
        with pytest.raises(FormatError):
            ConsumerPolicy.from_dict({**data, "registry": {"url": "embedded", **bad}})
