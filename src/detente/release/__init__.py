"""The release pipeline (publisher) and the consumer's trust decision.

Publisher: :func:`release_model` scans, signs, evaluates, gates, attests and publishes a model,
stopping at the first blocking failure. Consumer: :func:`verify_release` answers "may we load
this model?" under a :class:`ConsumerPolicy`.
"""

from detente.release._consumer import (
    CONSUMER_SCHEMA,
    Check,
    ConsumerPolicy,
    ConsumerVerdict,
    load_consumer_policy,
    verify_release,
)
from detente.release._evidence import EVIDENCE_FILES, EvidenceDir, default_evidence_dir
from detente.release._pipeline import (
    ReleaseOptions,
    ReleaseResult,
    Step,
    default_namespace,
    release_model,
)

__all__ = [
    "CONSUMER_SCHEMA",
    "EVIDENCE_FILES",
    "Check",
    "ConsumerPolicy",
    "ConsumerVerdict",
    "EvidenceDir",
    "ReleaseOptions",
    "ReleaseResult",
    "Step",
    "default_evidence_dir",
    "default_namespace",
    "load_consumer_policy",
    "release_model",
    "verify_release",
]
