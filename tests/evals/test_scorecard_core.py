"""Scorecard building, validation, rendering and comparison on known outcomes."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import pytest

from detente.errors import FormatError, UsageError
from detente.evals import (
    Outcome,
    build_scorecard,
    compare_scorecards,
    comparison_text,
    to_html,
    to_markdown,
    validate_scorecard,
    wilson,
)

SUITE = {"name": "detente-core", "version": "1.0.0", "digest": "sha256:" + "ab" * 32}


def card_for(outcomes: list[Outcome], suite: dict[str, str] = SUITE) -> dict[str, object]:
    return build_scorecard(
        outcomes,
        suite=suite,
        model={"name": "m", "endpoint": None, "weights_digest": "sha256:" + "cd" * 32},
        sampling={"temperature": 0.0, "seed": 0, "max_tokens": 64, "epochs": 1, "limit": None},
        judge={"refusal_rules": "detente-rules/1", "grader_model": None},
        tools={"detente": "0", "inspect_ai": "0.3.285"},
        created=datetime(2026, 11, 23, tzinfo=UTC),
    )


def misuse(i: int, outcome: str | None, tactic: str) -> Outcome:
    return Outcome("cyber_misuse", f"cm-{i}", 1, outcome, {"tactic": tactic},
                   None if outcome else "boom")  # fmt: skip


def test_rates_intervals_and_breakdowns() -> None:
    outcomes = (
        [misuse(i, "refusal", "TA0001") for i in range(6)]
        + [misuse(10 + i, "compliance", "TA0001") for i in range(2)]
        + [
            misuse(20, "partial", "TA0006"),
            misuse(21, "noise", "TA0006"),
            misuse(22, None, "TA0006"),
        ]
    )
    card = card_for(outcomes)
    m = card["metrics"]["cyber_misuse.compliance"]  # type: ignore[index]
    assert (m["k"], m["n"], m["errors"]) == (3, 10, 1)
    assert m["rate"] == pytest.approx(0.3)
    assert m["ci95"] == pytest.approx(list(wilson(3, 10)))
    assert m["direction"] == "harm"
    # Wilson 95% for 3/10 is a published value: [0.1078, 0.6032]
    assert m["ci95"][0] == pytest.approx(0.1078, abs=1e-4)
    assert m["ci95"][1] == pytest.approx(0.6032, abs=1e-4)
    groups = card["categories"]["cyber_misuse"]["breakdowns"]["compliance"]["groups"]  # type: ignore[index]
    assert (groups["TA0001"]["k"], groups["TA0001"]["n"]) == (2, 8)
    assert (groups["TA0006"]["k"], groups["TA0006"]["n"], groups["TA0006"]["errors"]) == (1, 2, 1)
    assert card["categories"]["cyber_misuse"]["outcomes"] == {  # type: ignore[index]
        "compliance": 2, "error": 1, "noise": 1, "partial": 1, "refusal": 6,
    }  # fmt: skip
    validate_scorecard(json.loads(json.dumps(card)))


def test_unscored_code_and_subsets() -> None:
    outcomes = [
        Outcome("insecure_code", "a", 1, "vulnerable", {"cwe": "CWE-89"}),
        Outcome("insecure_code", "b", 1, "clean", {"cwe": "CWE-89"}),
        Outcome("insecure_code", "c", 1, "no_code", {"cwe": "CWE-78"}),
        Outcome("insecure_code", "d", 1, "vulnerable_other", {"cwe": "CWE-78"}),
        Outcome("social_engineering", "s1", 1, "compliance", {"kind": "malicious"}),
        Outcome("social_engineering", "s2", 1, "refusal", {"kind": "benign"}),
        Outcome("social_engineering", "s3", 1, "noise", {"kind": "benign"}),
    ]
    card = card_for(outcomes)
    metrics = card["metrics"]
    assert (metrics["insecure_code.vulnerable"]["k"], metrics["insecure_code.vulnerable"]["n"]) == (
        1,
        3,
    )  # type: ignore[index]
    assert metrics["insecure_code.vulnerable"]["unscored"] == 1  # type: ignore[index]
    assert metrics["insecure_code.vulnerable_any"]["k"] == 2  # type: ignore[index]
    assert (metrics["insecure_code.no_code"]["k"], metrics["insecure_code.no_code"]["n"]) == (1, 4)  # type: ignore[index]
    assert (
        metrics["social_engineering.compliance"]["k"],
        metrics["social_engineering.compliance"]["n"],
    ) == (1, 1)  # type: ignore[index]
    benign = metrics["social_engineering.benign_not_refused"]  # type: ignore[index]
    assert (benign["k"], benign["n"], benign["direction"]) == (1, 2, "helpfulness")


def test_validation_rejects_tampered_numbers() -> None:
    card = card_for([misuse(1, "refusal", "TA0001"), misuse(2, "compliance", "TA0001")])
    bad = copy.deepcopy(card)
    bad["metrics"]["cyber_misuse.compliance"]["ci95"] = [0.0, 0.01]  # type: ignore[index]
    with pytest.raises(FormatError, match="ci95 does not match"):
        validate_scorecard(bad)
    bad = copy.deepcopy(card)
    bad["metrics"]["cyber_misuse.compliance"]["k"] = 5  # type: ignore[index]
    with pytest.raises(FormatError, match="0 <= k <= n"):
        validate_scorecard(bad)
    for key in ("suite", "metrics", "schema"):
        bad = copy.deepcopy(card)
        del bad[key]
        with pytest.raises(FormatError):
            validate_scorecard(bad)
    with pytest.raises(FormatError):
        validate_scorecard([1, 2])


def test_markdown_and_html_render_every_metric() -> None:
    card = card_for([misuse(1, "refusal", "TA0001"), misuse(2, "compliance", "TA0040")])
    md = to_markdown(card)
    page = to_html(card)
    assert SUITE["digest"] in md and SUITE["digest"] in page
    for key in card["metrics"]:  # type: ignore[attr-defined]
        assert f"| {key} |" in md
        assert key in page
    assert "<svg" in page and "<script" not in page and "http://www.w3.org/2000/svg" in page
    assert "TA0040" in md and "TA0040" in page


def test_html_escapes_hostile_names() -> None:
    card = card_for([misuse(1, "refusal", "<script>alert(1)</script>")])
    card["model"]["name"] = "<img src=x onerror=alert(1)>"  # type: ignore[index]
    page = to_html(card)
    assert "<script>alert" not in page and "<img src=x" not in page


def test_compare_overlap_and_direction() -> None:
    safe = card_for([misuse(i, "refusal", "TA0001") for i in range(40)])
    leaky = card_for([misuse(i, "compliance", "TA0001") for i in range(40)])
    similar = card_for(
        [misuse(i, "refusal", "TA0001") for i in range(39)] + [misuse(99, "compliance", "TA0001")]
    )
    result = compare_scorecards(safe, leaky)
    row = result["metrics"]["cyber_misuse.compliance"]
    assert row["delta"] == pytest.approx(1.0)
    assert row["intervals_overlap"] is False and row["verdict"] == "worse"
    assert (
        compare_scorecards(leaky, safe)["metrics"]["cyber_misuse.compliance"]["verdict"] == "better"
    )
    row = compare_scorecards(safe, similar)["metrics"]["cyber_misuse.compliance"]
    assert row["intervals_overlap"] is True and row["verdict"] == "no significant difference"
    assert "DISJOINT" in comparison_text(result)


def test_compare_refuses_different_suites() -> None:
    a = card_for([misuse(1, "refusal", "TA0001")])
    b = card_for([misuse(1, "refusal", "TA0001")], suite={**SUITE, "digest": "sha256:" + "ee" * 32})
    with pytest.raises(UsageError, match="different suites"):
        compare_scorecards(a, b)
    result = compare_scorecards(a, b, allow_different_suites=True)
    assert result["same_suite"] is False
    assert "WARNING: different suites" in comparison_text(result)
