"""The refusal/compliance judges against human labels, beside the published judges' verdicts
on the same rows (issue 15's table), in one run.

    python benchmarks/bench_judge.py            # CV figures for the training sets from the artifact
    python benchmarks/bench_judge.py --cv       # recompute the 5-fold CV (slow: retrains 5x)

Data (read by path, never copied): ``../shared/data/judge/{xstest,harmbench_val}.jsonl`` --
detente-judge/2 was TRAINED on these, so its figures there are 5-fold cross-validated
(grouped by prompt/behaviour), never training accuracy; ``../shared/data/judge/more/`` --
JailbreakBench and JADE, never trained or tuned on (held out); the project's own labelled
file -- its ``test`` split is held out, its ``dev`` split was trained on. Binary agreement:
the judge "delivers" when it says compliance or partial; humans deliver when their label is
compliance/partial or ``harmful_content`` is true. A published judge with no verdict on a row
counts as a disagreement. The judge is shown the request its published peers were given:
HarmBench's behaviour (+ context), JailbreakBench's goal, else the prompt. Intervals: Wilson 95%.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from detente.evals import (
    LabelledAnswer,
    judge_training_examples,
    own_labelled,
    read_labelled,
    train_judge,
    wilson,
)
from detente.evals import judge_answer as _judge_answer

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared/data/judge"
LABELLED = ROOT / "src/detente/evals/data/judge_labelled.jsonl"
DELIVERS = {"compliance", "partial", True}

Predict = Callable[[LabelledAnswer], str]


def _fmt(k: int, n: int) -> str:
    if not n:
        return "—"
    lo, hi = wilson(k, n)
    return f"{k / n:.3f} [{lo:.3f}, {hi:.3f}]"


def _judged_harm(r: LabelledAnswer, label: str) -> bool:
    # A binary harm label (JailbreakBench's 100 XSTest safe prompts) is "harmful content
    # delivered": answering a harmless request delivers none, whatever the judge's label.
    if r.label is None and r.harmful_prompt is False:
        return False
    return label in DELIVERS


def _binary(rows: Sequence[LabelledAnswer], pred: dict[str, str]) -> str:
    k = sum(_judged_harm(r, pred[r.id]) == r.delivers for r in rows)
    return _fmt(k, len(rows))


def _anchor(rows: Sequence[LabelledAnswer], name: str) -> str:
    k = sum((r.anchors.get(name) in DELIVERS) == r.delivers for r in rows)
    return f"{name} {k / len(rows):.3f}"


def _predict(rows: Sequence[LabelledAnswer], judge: str) -> dict[str, str]:
    return {r.id: _judge_answer(r.judged_request, r.response, judge).label for r in rows}


def _four(rows: Sequence[LabelledAnswer], pred: dict[str, str]) -> str:
    labelled = [r for r in rows if r.label]
    k = sum(pred[r.id] == r.label for r in labelled)
    partial = sum(pred[r.id] == "partial" for r in labelled if r.label == "partial")
    n_partial = sum(r.label == "partial" for r in labelled)
    return f"{_fmt(k, len(labelled))} (partial {partial}/{n_partial})"


def _cv_predictions(refresh: bool) -> tuple[dict[str, str], dict[str, object]]:
    """Out-of-fold labels for the training rows: recomputed (``--cv``) or the summary the
    artifact stores from its own training run."""
    from detente.evals import judge_artifact_meta

    meta = judge_artifact_meta()
    if not refresh:
        return {}, dict(meta["cross_validation"])
    examples, provenance = judge_training_examples(SHARED, LABELLED)
    result = train_judge(examples, provenance)
    return {i: lab for i, (lab, _) in result.oof.items()}, {}


def _cv_cell(summary: dict[str, object], source: str, four: bool) -> str:
    s = summary[source]
    assert isinstance(s, dict)
    if four:
        fc = s["four_class"]
        return (
            _fmt(fc["correct"], fc["n"])
            + f" (partial {fc['confusion'].get('partial', {}).get('partial', 0)}/{sum(fc['confusion'].get('partial', {}).values())})"
        )
    return _fmt(s["binary_agree"], s["rows"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv", action="store_true", help="recompute the cross-validation")
    args = parser.parse_args()
    if not SHARED.is_dir():
        print(f"shared data not found at {SHARED}", file=sys.stderr)
        return 2
    xs = read_labelled(SHARED / "xstest.jsonl")
    hb = read_labelled(SHARED / "harmbench_val.jsonl")
    jbb = read_labelled(SHARED / "more/jbb_judge_comparison.jsonl")
    jade = read_labelled(SHARED / "more/jade_v3_zh.jsonl")
    own_test = own_labelled(LABELLED, "test")
    oof, summary = _cv_predictions(args.cv)
    r1 = {
        s: _predict(rows, "detente-rules/1")
        for s, rows in (("xs", xs), ("hb", hb), ("jbb", jbb), ("jade", jade), ("own", own_test))
    }
    j2 = {
        s: _predict(rows, "detente-judge/2")
        for s, rows in (("jbb", jbb), ("jade", jade), ("own", own_test))
    }
    cv = "5-fold CV (grouped)"

    def cvb(rows: Sequence[LabelledAnswer], source: str) -> str:
        return _binary(rows, oof) if oof else _cv_cell(summary, source, False)

    unsafe = [r for r in jbb if r.harmful_prompt]
    print("| labelled set | detente-rules/1 | detente-judge/2 | published judges, same rows |")
    print("|---|---|---|---|")
    print(
        f"| XSTest 4-class, {len(xs)} | {_four(xs, r1['xs'])} | {(_four(xs, oof) if oof else _cv_cell(summary, 'xstest', True))} {cv} | — |"
    )
    print(
        f"| XSTest binary, {len(xs)} | {_binary(xs, r1['xs'])} | {cvb(xs, 'xstest')} {cv} | {_anchor(xs, 'xstest_gpt4')}, {_anchor(xs, 'xstest_strmatch')} |"
    )
    hb_anchors = ", ".join(
        _anchor(hb, a) for a in ("harmbench_llama2_13b_cls", "gpt-4-0613", "llama_guard")
    )
    print(
        f"| HarmBench val binary, {len(hb)} | {_binary(hb, r1['hb'])} | {cvb(hb, 'harmbench_val')} {cv} | {hb_anchors} |"
    )

    def jbb_anchors(rows: Sequence[LabelledAnswer]) -> str:
        names = ("llama-3-70b (JBB judge)", "gpt-4", "llama_guard_2", "harmbench_cls")
        return ", ".join(_anchor(rows, a) for a in names)

    print(
        f"| JailbreakBench, {len(jbb)} (held out) | {_binary(jbb, r1['jbb'])} | {_binary(jbb, j2['jbb'])} | {jbb_anchors(jbb)} |"
    )
    print(
        f"| JailbreakBench unsafe prompts, {len(unsafe)} (held out) | {_binary(unsafe, r1['jbb'])} | {_binary(unsafe, j2['jbb'])} | {jbb_anchors(unsafe)} |"
    )
    print(
        f"| JADE-DB 3.0 zh pairs, {len(jade)} (held out, constructed labels) | {_binary(jade, r1['jade'])} | {_binary(jade, j2['jade'])} | — |"
    )
    print(
        f"| own test split, {len(own_test)} (held out), 4-class | {_four(own_test, r1['own'])} | {_four(own_test, j2['own'])} | — |"
    )
    print(
        f"| own test split binary | {_binary(own_test, r1['own'])} | {_binary(own_test, j2['own'])} | — |"
    )
    zh = [r for r in own_test if r.lang == "zh"]
    en = [r for r in own_test if r.lang != "zh"]
    print()
    print("Chinese vs other languages (held-out data only):")
    for name, pred in (("detente-rules/1", r1), ("detente-judge/2", j2)):
        print(
            f"  {name}: JADE zh binary {_binary(jade, pred['jade'])}; "
            f"JailbreakBench en unsafe binary {_binary(unsafe, pred['jbb'])}; "
            f"own test zh ({len(zh)}) binary {_binary(zh, pred['own'])}, 4-class {_four(zh, pred['own'])}; "
            f"own test en/es/de/fr/ru ({len(en)}) binary {_binary(en, pred['own'])}, "
            f"4-class {_four(en, pred['own'])}"
        )
    if summary:
        print()
        print("Cross-validation summary stored in the artifact (out-of-fold, at training time):")
        print(json.dumps(summary, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
