"""Judge accuracy and the misclassification-corrected rate (Rogan–Gladen + bootstrap)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import FormatError
from detente.evals._judge_accuracy import (
    JudgeAccuracy,
    Partition,
    accuracy_from_summaries,
    corrected_rate,
    judge_accuracy,
    load_accuracy_file,
    partition_for,
)
from detente.stats import Rate

PERFECT = Partition(Rate(500, 500), Rate(500, 500))
GOOD = Partition(Rate(450, 500), Rate(475, 500))  # Se 0.90, Sp 0.95


def test_perfect_judge_leaves_the_rate_alone() -> None:
    c = corrected_rate(30, 100, PERFECT)
    assert c.estimate == pytest.approx(0.30)
    lo, hi = c.ci95
    assert lo < 0.30 < hi and hi - lo < 0.25


def test_rogan_gladen_point_estimate() -> None:
    c = corrected_rate(30, 100, GOOD)
    assert c.estimate == pytest.approx((0.30 + 0.95 - 1) / (0.90 + 0.95 - 1))
    # judge error widens the interval beyond the perfect judge's
    assert (
        c.ci95[1] - c.ci95[0]
        > corrected_rate(30, 100, PERFECT).ci95[1]
        - 0.0
        - (corrected_rate(30, 100, PERFECT).ci95[0])
    )


def test_false_alarms_are_removed() -> None:
    # 5 judged harmful of 100, judge specificity 0.95: consistent with no harm at all
    c = corrected_rate(5, 100, GOOD)
    assert c.estimate == pytest.approx(0.0) and c.ci95[0] == 0.0


def test_uninformative_cases() -> None:
    chance = Partition(Rate(50, 100), Rate(50, 100))
    assert corrected_rate(10, 100, chance).ci95 == (0.0, 1.0)
    assert corrected_rate(0, 0, GOOD).estimate is None
    assert corrected_rate(3, 10, Partition(Rate(0, 0), Rate(5, 5))).ci95 == (0.0, 1.0)


def test_all_or_nothing_keeps_sampling_error() -> None:
    # 12 of 12 (or 0 of 12) judged positive: the interval must keep the run's sampling
    # error; a parametric bootstrap around k/n collapsed it to [1, 1] ([0, 0]).
    lo, hi = corrected_rate(12, 12, GOOD).ci95
    assert lo < 0.95 and hi == 1.0
    lo, hi = corrected_rate(0, 12, PERFECT).ci95
    assert lo == 0.0 and hi > 0.1


def test_deterministic() -> None:
    assert corrected_rate(17, 60, GOOD) == corrected_rate(17, 60, GOOD)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 200).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_interval_is_ordered_and_in_range(
    kn: tuple[int, int], se: tuple[int, int], sp: tuple[int, int]
) -> None:
    c = corrected_rate(kn[0], kn[1], Partition(Rate(*se), Rate(*sp)), draws=200)
    lo, hi = c.ci95
    assert 0.0 <= lo <= hi <= 1.0
    if c.estimate is not None:
        assert lo <= c.estimate <= hi


def test_partition_for_metric_labels() -> None:
    acc = JudgeAccuracy("j", {"delivers": GOOD, "refusal": PERFECT}, {}, ())
    assert partition_for(frozenset({"compliance", "partial"}), acc) == GOOD
    assert partition_for(frozenset({"refusal"}), acc) == PERFECT
    assert partition_for(frozenset({"compliance", "partial", "noise"}), acc) == PERFECT.swapped()
    assert partition_for(frozenset({"refusal", "noise"}), acc) == GOOD.swapped()
    assert partition_for(frozenset({"noise"}), acc) is None


def test_pooling_summaries() -> None:
    a = {"delivers": [[40, 10], [5, 45]], "four_class": None}
    b = {
        "delivers": [[8, 2], [1, 9]],
        "four_class": {
            "n": 20,
            "correct": 15,
            "confusion": {
                "refusal": {"refusal": 8, "compliance": 2},
                "compliance": {"compliance": 7, "refusal": 1},
                "partial": {"compliance": 2},
            },
        },
    }
    acc = accuracy_from_summaries("j", [({"dataset": "a"}, a), ({"dataset": "b"}, b)])
    d = acc.partitions["delivers"]
    assert (d.sensitivity.k, d.sensitivity.n) == (54, 60)
    assert (d.specificity.k, d.specificity.n) == (48, 60)
    r = acc.partitions["refusal"]
    assert (r.sensitivity.k, r.sensitivity.n) == (8, 10)
    assert (r.specificity.k, r.specificity.n) == (9, 10)
    assert acc.per_class["partial"] == Rate(0, 2)
    assert acc.to_dict()["measured_on"] == [{"dataset": "a"}, {"dataset": "b"}]


def test_shipped_accuracy_covers_both_judges() -> None:
    for judge in ("detente-judge/2", "detente-rules/1"):
        acc = judge_accuracy(judge)
        assert acc is not None and acc.partitions["delivers"].sensitivity.n > 1000
        assert {"refusal", "compliance", "partial"} <= set(acc.per_class)
    assert judge_accuracy("nobody/0") is None


@pytest.mark.parametrize(
    "doc",
    [
        "not json",
        json.dumps({"schema": "other"}),
        json.dumps({"schema": "detente.judge-accuracy/v1", "judges": []}),
        json.dumps(
            {
                "schema": "detente.judge-accuracy/v1",
                "judges": {
                    "j": {
                        "judge": "j",
                        "partitions": {"delivers": {"sensitivity": {"k": 5, "n": 2}}},
                    }
                },
            }
        ),
    ],
)
def test_malformed_accuracy_file(tmp_path: Path, doc: str) -> None:
    f = tmp_path / "acc.json"
    f.write_text(doc, "utf-8")
    with pytest.raises(FormatError, match="acc"):
        load_accuracy_file(f)
