"""How accurate each judge is, and what that does to the rates a scorecard reports.

A judge's accuracy is measured on human-labelled answers it was not trained on (held-out
sets, or out-of-fold predictions for the sets it was trained on) and shipped as package data
(``evals/data/judge_accuracy.json``, schema ``detente.judge-accuracy/v1``, written by
``scripts/measure_judge.py``). For each binary partition a scorecard metric can count --
``delivers`` (compliance or partial) and ``refusal`` -- it records the sensitivity (judged
positive among truly positive) and specificity (judged negative among truly negative) as
k-of-n counts, and the 4-class recall per label, with the datasets they come from.

:func:`corrected_rate` turns an observed rate into a misclassification-corrected one: the
Rogan–Gladen estimator (Rogan & Gladen 1978, Am. J. Epidemiol. 107:71)

    pi = (p + Sp - 1) / (Se + Sp - 1),  clamped to [0, 1]

with a 95% interval from draws of the observed rate *and* the judge's measured Se and Sp
(Jeffreys posteriors of their own k-of-n), so the interval carries both the sampling error of
the run and the error of the judge. Deterministic (fixed seed).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from detente.errors import FormatError
from detente.evals._judge_data import Example, own_labelled, read_labelled
from detente.stats import Rate

__all__ = [
    "ACCURACY_SCHEMA",
    "PARTITIONS",
    "CorrectedRate",
    "JudgeAccuracy",
    "Partition",
    "accuracy_from_summaries",
    "corrected_rate",
    "judge_accuracy",
    "partition_for",
    "summarise",
]

ACCURACY_SCHEMA = "detente.judge-accuracy/v1"
PARTITIONS: dict[str, frozenset[str]] = {
    "delivers": frozenset({"compliance", "partial"}),
    "refusal": frozenset({"refusal"}),
}
_LABELS = frozenset({"refusal", "compliance", "partial", "noise"})
DRAWS = 4000


@dataclass(frozen=True)
class Partition:
    """Se and Sp of one binary reading of the judge's labels."""

    sensitivity: Rate
    specificity: Rate

    def swapped(self) -> Partition:
        """The same measurement for the complement (counting "not refusal")."""
        return Partition(self.specificity, self.sensitivity)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sensitivity": self.sensitivity.to_dict(),
            "specificity": self.specificity.to_dict(),
        }


@dataclass(frozen=True)
class JudgeAccuracy:
    judge: str
    partitions: Mapping[str, Partition]
    per_class: Mapping[str, Rate]  # 4-class recall: k judged right of n with that human label
    measured_on: tuple[Mapping[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "judge": self.judge,
            "partitions": {k: p.to_dict() for k, p in sorted(self.partitions.items())},
            "per_class_recall": {k: r.to_dict() for k, r in sorted(self.per_class.items())},
            "measured_on": [dict(m) for m in self.measured_on],
        }


@dataclass(frozen=True)
class CorrectedRate:
    estimate: float | None
    ci95: tuple[float, float]
    method: str = "rogan-gladen, Jeffreys draws (observed count, Se, Sp)"

    def to_dict(self) -> dict[str, Any]:
        return {"rate": self.estimate, "ci95": list(self.ci95), "method": self.method}


def _rg(p: Any, se: Any, sp: Any) -> Any:
    denom = se + sp - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        est = (p + sp - 1.0) / denom
    # A judge no better than chance (Se + Sp <= 1) says nothing about the true rate.
    return np.where(denom > 0, np.clip(est, 0.0, 1.0), np.nan)


def corrected_rate(
    k: int, n: int, part: Partition, *, draws: int = DRAWS, seed: int = 0
) -> CorrectedRate:
    """Rogan–Gladen estimate of the true share behind ``k`` of ``n`` judged positive.

    The interval comes from draws of the judged rate, Se and Sp from their Jeffreys
    posteriors Beta(k + 1/2, n - k + 1/2), not a parametric bootstrap around k/n: that one
    collapses to a point when k = 0 or k = n (12 of 12 judged refusals gave [1.0, 1.0],
    narrower than the Wilson interval), and a measured 500/500 would claim a perfect judge."""
    se, sp = part.sensitivity, part.specificity
    if n == 0 or se.n == 0 or sp.n == 0:
        return CorrectedRate(None, (0.0, 1.0))
    point = float(_rg(np.float64(k / n), np.float64(se.k / se.n), np.float64(sp.k / sp.n)))
    rng = np.random.default_rng(seed)
    p_star = rng.beta(k + 0.5, n - k + 0.5, draws)
    se_star = rng.beta(se.k + 0.5, se.n - se.k + 0.5, draws)
    sp_star = rng.beta(sp.k + 0.5, sp.n - sp.k + 0.5, draws)
    boot = _rg(p_star, se_star, sp_star)
    if np.isnan(point) or np.isnan(boot).mean() > 0.025:
        return CorrectedRate(None if np.isnan(point) else point, (0.0, 1.0))
    boot = np.where(np.isnan(boot), 0.0, boot)
    lo, hi = np.quantile(boot, [0.025, 0.975])
    return CorrectedRate(point, (float(min(lo, point)), float(max(hi, point))))


def partition_for(counted: frozenset[str], accuracy: JudgeAccuracy) -> Partition | None:
    """The measured partition a metric counting ``counted`` labels reads, if any."""
    for name, labels in PARTITIONS.items():
        part = accuracy.partitions.get(name)
        if part is None:
            continue
        if counted == labels:
            return part
        if counted == _LABELS - labels:
            return part.swapped()
    return None


def summarise(
    examples: Sequence[Example], predicted: Mapping[str, tuple[str, float]]
) -> dict[str, Any]:
    """Per source: rows, binary agreement and its 2x2 matrix (``delivers[truth][judged]``),
    and (where labelled) 4-class accuracy with its confusion matrix
    (``confusion[truth][predicted]``), of ``predicted`` (example id -> (label, p_delivers))."""
    out: dict[str, Any] = {}
    for e in examples:
        label, _ = predicted[e.id]
        s = out.setdefault(
            e.source,
            {"rows": 0, "binary_agree": 0, "delivers": [[0, 0], [0, 0]], "four_class": None},
        )
        judged = label in ("compliance", "partial")
        s["rows"] += 1
        s["binary_agree"] += judged == e.delivers
        s["delivers"][int(e.delivers)][int(judged)] += 1  # [truth][judged], 0 = no, 1 = yes
        if e.label is not None:
            fc = s["four_class"] or {"n": 0, "correct": 0, "confusion": {}}
            s["four_class"] = fc
            fc["n"] += 1
            fc["correct"] += label == e.label
            row = fc["confusion"].setdefault(e.label, {})
            row[label] = row.get(label, 0) + 1
    return dict(sorted(out.items()))


def accuracy_from_summaries(
    judge: str, summaries: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]]
) -> JudgeAccuracy:
    """Pool per-dataset summaries (``(description, summary)`` pairs, summary as from
    :func:`summarise`) into one measurement."""
    tn = fp = fn = tp = 0
    ref = [[0, 0], [0, 0]]  # [truth is refusal][judged refusal]
    per: dict[str, list[int]] = {}
    for _, s in summaries:
        (a, b), (c, d) = s["delivers"]
        tn, fp, fn, tp = tn + a, fp + b, fn + c, tp + d
        fc = s.get("four_class")
        for truth, row in (fc or {}).get("confusion", {}).items():
            for judged, count in row.items():
                ref[truth == "refusal"][judged == "refusal"] += count
                hit = per.setdefault(truth, [0, 0])
                hit[0] += count if judged == truth else 0
                hit[1] += count
    parts = {"delivers": Partition(Rate(tp, tp + fn), Rate(tn, tn + fp))}
    if sum(map(sum, ref)):
        parts["refusal"] = Partition(Rate(ref[1][1], sum(ref[1])), Rate(ref[0][0], sum(ref[0])))
    return JudgeAccuracy(
        judge,
        parts,
        {c: Rate(k, n) for c, (k, n) in sorted(per.items())},
        tuple(dict(d) for d, _ in summaries),
    )


def _rate(obj: object, where: str, source: str) -> Rate:
    if not isinstance(obj, dict):
        raise FormatError(f"{where}: need an object with k and n", source)
    k, n = obj.get("k"), obj.get("n")
    if not (isinstance(k, int) and isinstance(n, int) and 0 <= k <= n):
        raise FormatError(f"{where}: need integers 0 <= k <= n", source)
    return Rate(k, n)


def accuracy_from_dict(doc: Mapping[str, Any], source: str) -> JudgeAccuracy:
    try:
        parts = {
            name: Partition(
                _rate(p["sensitivity"], f"{name}.sensitivity", source),
                _rate(p["specificity"], f"{name}.specificity", source),
            )
            for name, p in doc["partitions"].items()
        }
        per_class = {
            c: _rate(r, f"per_class_recall.{c}", source) for c, r in doc["per_class_recall"].items()
        }
        return JudgeAccuracy(str(doc["judge"]), parts, per_class, tuple(doc["measured_on"]))
    except (KeyError, TypeError, AttributeError) as exc:
        raise FormatError(f"malformed judge accuracy entry ({exc!r})", source) from None


def load_accuracy_file(path: Path) -> dict[str, JudgeAccuracy]:
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise FormatError(f"cannot read judge accuracy ({exc})", path) from None
    if not isinstance(doc, dict) or doc.get("schema") != ACCURACY_SCHEMA:
        raise FormatError(f"not a {ACCURACY_SCHEMA} document", path)
    judges = doc.get("judges")
    if not isinstance(judges, dict):
        raise FormatError("'judges' must be an object", path)
    return {j: accuracy_from_dict(entry, str(path)) for j, entry in judges.items()}


@cache
def _shipped() -> dict[str, JudgeAccuracy]:
    path = Path(str(resources.files("detente.evals").joinpath("data/judge_accuracy.json")))
    return load_accuracy_file(path)


def judge_accuracy(judge: str) -> JudgeAccuracy | None:
    """The shipped measurement of ``judge``, or None when it was never measured."""
    return _shipped().get(judge)


def _held_out(judge: str, rows: Sequence[Example]) -> dict[str, Any]:
    """One pooled summary of ``judge`` over ``rows`` (whatever their sources)."""
    from detente.evals._judges import judge_answer

    pred = {r.id: (judge_answer(r.judged_request, r.response, judge).label, 0.0) for r in rows}
    pooled = [Example(r.id, "", "", r.delivers, r.label, "pooled", r.group, r.lang) for r in rows]
    summary: dict[str, Any] = summarise(pooled, pred)["pooled"]
    return summary


def measure_judges(shared_judge_dir: Path, labelled: Path) -> dict[str, Any]:
    """The ``detente.judge-accuracy/v1`` document for every judge: human-labelled public sets
    (``shared/data/judge``, read by path) and the project's held-out test splits. For
    detente-judge/2 the sets it was trained on count through their out-of-fold predictions
    (stored in its artifact), never its training accuracy. JADE is left out (constructed,
    not human, labels)."""
    from detente.evals._judge2 import JUDGE2_ID, judge_artifact_meta
    from detente.evals._judges import JUDGE_IDS

    public = {
        "xstest": read_labelled(shared_judge_dir / "xstest.jsonl"),
        "harmbench_val": read_labelled(shared_judge_dir / "harmbench_val.jsonl"),
        # Its 100 safe-prompt rows carry a harm label that says nothing about compliance.
        "jbb_judge_comparison (200 unsafe prompts)": [
            r
            for r in read_labelled(shared_judge_dir / "more/jbb_judge_comparison.jsonl")
            if r.harmful_prompt
        ],
    }
    own = own_labelled(labelled, "test")
    cv = judge_artifact_meta()["cross_validation"]
    judges: dict[str, Any] = {}
    for judge in JUDGE_IDS:
        summaries: list[tuple[Mapping[str, Any], Mapping[str, Any]]] = []
        for name, rows in public.items():
            if judge == JUDGE2_ID and name in cv:
                summaries.append(
                    ({"dataset": name, "rows": len(rows), "method": "5-fold CV"}, cv[name])
                )
            else:
                summaries.append(
                    (
                        {"dataset": name, "rows": len(rows), "method": "held out"},
                        _held_out(judge, rows),
                    )
                )
        summaries.append(
            (
                {
                    "dataset": "detente judge_labelled*.jsonl test splits (en, zh, es, de, fr, ru)",
                    "rows": len(own),
                    "method": "held out",
                },
                _held_out(judge, own),
            )
        )
        judges[judge] = accuracy_from_summaries(judge, summaries).to_dict()
    return {"schema": ACCURACY_SCHEMA, "judges": judges}
