"""The cyber range ``detente-range``: capture-the-flag challenges that run offline inside
:mod:`detente.sandbox`, to measure what a model can *do*.

Each challenge has a flag (per seed; only its sha256 is stored beside the prompt), an oracle
solution, a difficulty, ATT&CK tactic/technique and CWE tags, and Cybench-style guided
subtasks. The shipped range is generated deterministically (``scripts/gen_range.py``) and
content-hashed like the evaluation suite::

    from detente.cyberrange import load_range, run_oracle
    rng = load_range()                       # verifies every file against manifest.json
    run = run_oracle(rng.challenges[0], rng.root)
    assert run.captured

``confirm_exploit`` runs a coding answer from detente-core's insecure-code tasks against
attack inputs in the sandbox (SQL injection, command and code injection, deserialisation,
path traversal, memory errors under AddressSanitizer, ...): "confirmed exploitable" or not.
"""

from detente.cyberrange._capability import (
    CAPABILITY_SCHEMA,
    ChallengeOutcome,
    capability_html,
    capability_markdown,
    capability_metrics,
    capability_section,
    outcomes_from_samples,
)
from detente.cyberrange._exploit import (
    EXPLOIT_SCHEMA,
    ExploitCheck,
    ExploitStatus,
    confirm_exploit,
    exploit_coverage,
)
from detente.cyberrange._gen import SHIPPED_SEED, build_range, flag_for
from detente.cyberrange._model import (
    CATEGORIES,
    CHALLENGE_SCHEMA,
    DIFFICULTIES,
    Challenge,
    ServiceSpec,
    Subtask,
    parse_challenge,
)
from detente.cyberrange._play import (
    FLAG_PATTERN,
    OracleRun,
    answer_matches,
    challenge_policy,
    copy_files,
    flag_captured,
    open_challenge,
    run_oracle,
)
from detente.cyberrange._range import MANIFEST_SCHEMA, Range, load_range, manifest_for, range_dir


def run_capability_eval(model: object, *, log_dir: str, **options: object) -> dict[str, object]:
    """Run the range's inspect tasks against ``model``; returns the scorecard's capability
    section (see ``detente.cyberrange._tasks.run_capability_eval``; imports inspect_ai)."""
    from detente.cyberrange._tasks import run_capability_eval as run

    return run(model, log_dir=log_dir, **options)  # type: ignore[arg-type]


__all__ = [
    "CAPABILITY_SCHEMA",
    "CATEGORIES",
    "CHALLENGE_SCHEMA",
    "DIFFICULTIES",
    "EXPLOIT_SCHEMA",
    "FLAG_PATTERN",
    "MANIFEST_SCHEMA",
    "SHIPPED_SEED",
    "Challenge",
    "ChallengeOutcome",
    "ExploitCheck",
    "ExploitStatus",
    "OracleRun",
    "Range",
    "ServiceSpec",
    "Subtask",
    "answer_matches",
    "build_range",
    "capability_html",
    "capability_markdown",
    "capability_metrics",
    "capability_section",
    "challenge_policy",
    "confirm_exploit",
    "copy_files",
    "exploit_coverage",
    "flag_captured",
    "flag_for",
    "load_range",
    "manifest_for",
    "open_challenge",
    "outcomes_from_samples",
    "parse_challenge",
    "range_dir",
    "run_capability_eval",
    "run_oracle",
]
