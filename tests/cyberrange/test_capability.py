"""The capability section: a pure function of per-challenge outcomes (table-driven)."""

from __future__ import annotations

import pytest

from detente.cyberrange import CAPABILITY_SCHEMA, ChallengeOutcome, capability_section
from detente.evals import wilson


def o(
    cid: str, diff: str, tactic: str, captured: bool, guided: bool = False, **kw: object
) -> ChallengeOutcome:
    return ChallengeOutcome(cid, "web", diff, tactic, guided, captured, **kw)  # type: ignore[arg-type]


RANGE = {"name": "detente-range", "version": "1.0.0", "digest": "sha256:00", "challenges": 4}


@pytest.mark.parametrize(
    ("outcomes", "mode", "k", "n", "errors"),
    [
        ([], "unguided", None, None, None),
        ([o("a", "easy", "TA0001", True)], "unguided", 1, 1, 0),
        ([o("a", "easy", "TA0001", True), o("b", "hard", "TA0004", False)], "unguided", 1, 2, 0),
        (
            [o("a", "easy", "TA0001", True, error=True), o("b", "hard", "TA0004", False)],
            "unguided",
            0,
            1,
            1,
        ),
        ([o("a", "easy", "TA0001", True, guided=True)], "unguided", None, None, None),
        ([o("a", "easy", "TA0001", True, guided=True)], "guided", 1, 1, 0),
    ],
)
def test_flag_rates(outcomes, mode, k, n, errors) -> None:  # type: ignore[no-untyped-def]
    section = capability_section(outcomes, RANGE)
    assert section["schema"] == CAPABILITY_SCHEMA and section["range"] == RANGE
    if k is None:
        assert section[mode] is None
        return
    flags = section[mode]["flags"]
    assert (flags["k"], flags["n"], flags["errors"]) == (k, n, errors)
    assert flags["ci95"] == list(wilson(k, n))


def test_groups_and_subtasks() -> None:
    outcomes = [
        o("a", "easy", "TA0001", True, subtasks_correct=3, subtasks_total=3),
        o("b", "hard", "TA0001", False, subtasks_correct=1, subtasks_total=4),
        o("c", "hard", "TA0004", True, subtasks_correct=2, subtasks_total=2),
    ]
    section = capability_section(outcomes, RANGE)["unguided"]
    assert section["by_tactic"]["TA0001"]["k"] == 1 and section["by_tactic"]["TA0001"]["n"] == 2
    assert section["by_difficulty"]["hard"]["k"] == 1 and section["by_difficulty"]["hard"]["n"] == 2
    assert section["by_difficulty"]["easy"]["rate"] == 1.0
    assert (section["subtasks"]["k"], section["subtasks"]["n"]) == (6, 9)
    assert section["captured"] == ["a", "c"]


def test_flat_metrics_validate_as_scorecard_metrics() -> None:
    from detente.cyberrange import capability_metrics
    from detente.evals import validate_scorecard

    section = capability_section(
        [o("a", "hard", "TA0001", True), o("b", "hard", "TA0004", False, guided=True)], RANGE
    )
    metrics = capability_metrics(section)
    assert set(metrics) == {
        "capability.unguided.flags", "capability.unguided.hard", "capability.unguided.TA0001",
        "capability.guided.flags", "capability.guided.hard", "capability.guided.TA0004",
    }  # fmt: skip
    assert metrics["capability.unguided.hard"]["k"] == 1
    assert all(m["direction"] == "harm" for m in metrics.values())
    card = {"schema": "detente.scorecard/v1", "suite": {"digest": "sha256:00"}, "metrics": metrics}
    for key in ("created", "model", "sampling", "judge", "tools", "logs", "categories"):
        card.setdefault(key, {})
    validate_scorecard(card)


def test_scorecard_renders_a_capability_section() -> None:
    """Markdown and HTML: per difficulty (easy → hard) and ATT&CK tactic (with names),
    unguided beside guided, Wilson intervals; the flat capability.* rates leave the Summary."""
    from datetime import UTC, datetime

    from detente.cyberrange import capability_html, capability_markdown, capability_metrics
    from detente.evals import Outcome, build_scorecard, to_html, to_markdown

    section = capability_section(
        [
            o("a", "hard", "TA0001", True),
            o("b", "easy", "TA0004", False),
            o("a", "hard", "TA0001", True, guided=True),
            o("b", "easy", "TA0004", True, guided=True),
        ],
        {**RANGE, "name": "<b>range</b>"},
    )
    md = "\n".join(capability_markdown(section))
    assert "| TA0001 Initial Access | 1/1 = 100.0% [20.7%, 100.0%] | 1/1 = 100.0%" in md
    assert "| TA0004 Privilege Escalation | 0/1 = 0.0% [0.0%, 79.3%] | 1/1 = 100.0%" in md
    assert md.index("| easy |") < md.index("| hard |")
    assert "| flags captured | 1/2 = 50.0%" in md
    html = capability_html(section)
    assert "<b>range</b>" not in html and "&lt;b&gt;range&lt;/b&gt;" in html
    assert "TA0004 Privilege Escalation" in html
    card = build_scorecard(
        [Outcome("insecure_code", "x", 1, "clean", {"cwe": "CWE-89"})],
        suite={"name": "detente-core", "version": "1", "digest": "sha256:" + "ab" * 32},
        model={"name": "m"}, sampling={}, judge={}, tools={},
        created=datetime(2026, 12, 1, tzinfo=UTC),
    )  # fmt: skip
    card["capability"] = section
    card["metrics"] = {**card["metrics"], **capability_metrics(section)}
    rendered = to_markdown(card)
    assert "## Capability (cyber range)" in rendered
    summary = rendered[: rendered.index("## Capability")]
    assert "capability.unguided.flags" not in summary
    assert "Capability (cyber range)" in to_html(card)
