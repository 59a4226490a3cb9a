"""Judge error in the scorecard: beside each judged rate's Wilson interval (sampling error
only), a misclassification-corrected rate whose interval also carries the judge's measured
error, and the judge's accuracy itself (per class, with intervals, and the data it was
measured on).

:func:`with_judge_uncertainty` is a pure function from a scorecard to the same scorecard with
additive fields, so scorecards written before it still load and validate:

* ``card["judge_accuracy"]`` -- the :class:`JudgeAccuracy` of the refusal judge the run used;
* ``metric["judge_adjusted"]`` -- ``{"rate", "ci95", "method", "partition"}`` on every metric
  that counts refusal-judge labels (overall, per category, per breakdown group), when the
  judge's accuracy for that partition was measured.

The gate judges on ``judge_adjusted.ci95`` when it is present.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from detente.evals._judge_accuracy import (
    PARTITIONS,
    JudgeAccuracy,
    corrected_rate,
    judge_accuracy,
    partition_for,
)
from detente.evals._scorecard import METRICS, MetricDef

__all__ = ["judge_of", "judged_interval", "with_judge_uncertainty"]

_JUDGE_LABELS = frozenset({"refusal", "compliance", "partial", "noise"})


def judge_of(card: Mapping[str, Any]) -> str | None:
    """The refusal judge a scorecard names (older scorecards: ``refusal_rules``)."""
    judge = card.get("judge") or {}
    name = judge.get("refusal_judge") or judge.get("refusal_rules")
    return name if isinstance(name, str) else None


def _partition_name(metric: MetricDef) -> str:
    for name, labels in PARTITIONS.items():
        if metric.counted == labels:
            return name
        if metric.counted == _JUDGE_LABELS - labels:
            return f"not {name}"
    return "?"


def _adjust(entry: dict[str, Any], metric: MetricDef, acc: JudgeAccuracy) -> None:
    part = partition_for(metric.counted, acc)
    if part is None or not isinstance(entry.get("k"), int) or not isinstance(entry.get("n"), int):
        return
    corrected = corrected_rate(entry["k"], entry["n"], part)
    entry["judge_adjusted"] = {**corrected.to_dict(), "partition": _partition_name(metric)}


def with_judge_uncertainty(
    card: Mapping[str, Any], accuracy: JudgeAccuracy | None = None
) -> dict[str, Any]:
    """``card`` with the judge's accuracy and judge-adjusted intervals added (a copy)."""
    out = copy.deepcopy(dict(card))
    name = judge_of(card)
    acc = accuracy or (judge_accuracy(name) if name else None)
    if acc is None:
        return out
    out["judge_accuracy"] = acc.to_dict()
    for metric in METRICS:
        if not metric.counted <= _JUDGE_LABELS:
            continue
        flat = out.get("metrics", {}).get(metric.key)
        if isinstance(flat, dict):
            _adjust(flat, metric, acc)
        category = out.get("categories", {}).get(metric.category, {})
        local = category.get("metrics", {}).get(metric.name)
        if isinstance(local, dict) and local is not flat:
            _adjust(local, metric, acc)
        breakdown = category.get("breakdowns", {}).get(metric.name, {})
        for group in breakdown.get("groups", {}).values():
            if isinstance(group, dict):
                _adjust(group, metric, acc)
    return out


def judged_interval(metric: Mapping[str, Any]) -> tuple[float, float]:
    """The interval a decision should use: the judge-adjusted one when present (it contains
    both sampling and judge error), else the Wilson interval."""
    adjusted = metric.get("judge_adjusted")
    if isinstance(adjusted, Mapping):
        ci = adjusted.get("ci95")
        if isinstance(ci, list | tuple) and len(ci) == 2:
            return float(ci[0]), float(ci[1])
    lo, hi = metric["ci95"]
    return float(lo), float(hi)
