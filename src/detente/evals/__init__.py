"""Standardized safety evaluations: the shipped, content-hashed suite ``detente-core``, its
judges (refusal rules, code-vulnerability detector), the scorecard and its comparison.

Importing this package does not import inspect_ai; the tasks live in
``detente.evals._tasks`` and runs in ``detente.evals._run``.
"""

from detente.evals._compare import compare_scorecards, comparison_text
from detente.evals._judge2 import MODEL_DIGEST as JUDGE_MODEL_DIGEST
from detente.evals._judge2 import Judge2Verdict, classify_response2, judge_artifact_meta
from detente.evals._judge_accuracy import measure_judges
from detente.evals._judge_data import Example as LabelledAnswer
from detente.evals._judge_data import own_labelled, read_labelled
from detente.evals._judge_train import TrainResult as JudgeTrainResult
from detente.evals._judge_train import train as train_judge
from detente.evals._judge_train import training_examples as judge_training_examples
from detente.evals._judges import DEFAULT_JUDGE, JUDGE_IDS, judge_answer
from detente.evals._judges import Verdict as JudgeVerdict
from detente.evals._scorecard import (
    METRICS,
    SCHEMA,
    MetricDef,
    Outcome,
    build_scorecard,
    load_scorecard,
    to_html,
    to_markdown,
    validate_scorecard,
)
from detente.evals._stats import Z95, Rate, wilson
from detente.evals._suite import Suite, build_manifest, load_suite

__all__ = [
    "DEFAULT_JUDGE",
    "JUDGE_IDS",
    "JUDGE_MODEL_DIGEST",
    "METRICS",
    "SCHEMA",
    "Z95",
    "Judge2Verdict",
    "JudgeTrainResult",
    "JudgeVerdict",
    "LabelledAnswer",
    "MetricDef",
    "Outcome",
    "Rate",
    "Suite",
    "build_manifest",
    "build_scorecard",
    "classify_response2",
    "compare_scorecards",
    "comparison_text",
    "judge_answer",
    "judge_artifact_meta",
    "judge_training_examples",
    "load_scorecard",
    "load_suite",
    "measure_judges",
    "own_labelled",
    "read_labelled",
    "to_html",
    "to_markdown",
    "train_judge",
    "validate_scorecard",
    "wilson",
]
