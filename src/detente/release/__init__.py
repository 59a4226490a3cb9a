"""Release standards and the gate, the publisher's pipeline, and the consumer's decision.

Publisher: a release standard (TOML, :func:`load_standard`) states what a model must show;
:func:`apply_gate` judges a scan report and a scorecard against it (pure); :func:`release_model`
scans, signs, evaluates, gates, attests and publishes a model, stopping at the first blocking
failure.

Consumer: a :class:`ConsumerPolicy` (TOML) names whom the consumer trusts and what it requires;
:func:`gather` collects the facts (keys, evidence from a directory or the transparency log,
registry status with proofs, a local rescan) and the pure :func:`decide` turns them into an
ALLOW/DENY :class:`ConsumerVerdict` with a reason per check; :func:`verify_release` does both.

Example::

    from detente.release import load_consumer_policy, verify_release
    verdict = verify_release(Path("model.gguf"), load_consumer_policy(Path("policy.toml")),
                             Path("model.gguf.release"))
    print(verdict.text())
"""

from detente.release._consumer import EvidenceSource, gather, verify_release
from detente.release._crosslingual import GapRule
from detente.release._decide import (
    AttestationFacts,
    Check,
    ConsumerVerdict,
    Gathered,
    RegistryFacts,
    RescanFacts,
    SignatureFacts,
    decide,
)
from detente.release._evidence import EVIDENCE_FILES, EvidenceDir, default_evidence_dir
from detente.release._gate import (
    GATE_EXIT,
    STANDARD_SCHEMA,
    STANDARD_SCHEMA_V2,
    GateDecision,
    MetricRule,
    RuleResult,
    Standard,
    apply_gate,
    builtin_standards,
    gate_text,
    load_standard,
    parse_standard,
    scan_rules,
)
from detente.release._pipeline import (
    ReleaseOptions,
    ReleaseResult,
    Step,
    default_namespace,
    example_consumer_policy,
    release_model,
)
from detente.release._policy import (
    CONSUMER_SCHEMA,
    ConsumerPolicy,
    Publisher,
    load_consumer_policy,
)

__all__ = [
    "CONSUMER_SCHEMA",
    "EVIDENCE_FILES",
    "GATE_EXIT",
    "STANDARD_SCHEMA",
    "STANDARD_SCHEMA_V2",
    "AttestationFacts",
    "Check",
    "ConsumerPolicy",
    "ConsumerVerdict",
    "EvidenceDir",
    "EvidenceSource",
    "GapRule",
    "GateDecision",
    "Gathered",
    "MetricRule",
    "Publisher",
    "RegistryFacts",
    "ReleaseOptions",
    "ReleaseResult",
    "RescanFacts",
    "RuleResult",
    "SignatureFacts",
    "Standard",
    "Step",
    "apply_gate",
    "builtin_standards",
    "decide",
    "default_evidence_dir",
    "default_namespace",
    "example_consumer_policy",
    "gate_text",
    "gather",
    "load_consumer_policy",
    "load_standard",
    "parse_standard",
    "release_model",
    "scan_rules",
    "verify_release",
]
