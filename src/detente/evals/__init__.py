"""Standardized safety evaluations: the shipped, content-hashed suite ``detente-core``, its
tasks on inspect_ai, judges, the scorecard and its comparison.

The flow: :func:`load_suite` verifies the suite's datasets against its manifest →
:func:`run_eval` runs the tasks (:data:`TASK_NAMES`) against a :class:`detente.runtime.Target`
with an :class:`EvalConfig` → inspect logs become :class:`Outcome` values →
:func:`build_scorecard` (Wilson 95% intervals per metric and breakdown) → JSON, Markdown, HTML.

Example::

    from detente.evals import EvalConfig, run_eval
    from detente.runtime import embedded_model_path, local_gguf
    with local_gguf(embedded_model_path(), embedded=True) as target:
        card = run_eval(target, EvalConfig(limit=2), Path("out")).scorecard

Importing this package does not import inspect_ai: :func:`run_eval`, :func:`core_tasks` and
:func:`write_scorecard` are loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from detente.evals._card import LanguageGap, MetricResult, Scorecard, SuiteRef
from detente.evals._compare import compare_scorecards, comparison_text
from detente.evals._config import EvalConfig, expected_samples
from detente.evals._cyberseceval import available_tasks as cyberseceval_tasks
from detente.evals._judge2 import MODEL_DIGEST as JUDGE_MODEL_DIGEST
from detente.evals._judge2 import Judge2Verdict, classify_response2, judge_artifact_meta
from detente.evals._judge_accuracy import measure_judges
from detente.evals._judge_data import Example as LabelledAnswer
from detente.evals._judge_data import own_labelled, read_labelled
from detente.evals._judge_train import TrainResult as JudgeTrainResult
from detente.evals._judge_train import train as train_judge
from detente.evals._judge_train import training_examples as judge_training_examples
from detente.evals._judge_uncertainty import judged_interval, with_judge_uncertainty
from detente.evals._judges import DEFAULT_JUDGE, JUDGE_CHOICES, JUDGE_IDS, LLM_JUDGE, judge_answer
from detente.evals._judges import Verdict as JudgeVerdict
from detente.evals._metrics import METRICS, MetricDef, Outcome
from detente.evals._scorecard import (
    SCHEMA,
    build_scorecard,
    load_scorecard,
    validate_scorecard,
)
from detente.evals._scorecard_render import to_html, to_markdown
from detente.evals._suite import (
    LANGUAGES,
    TASK_NAMES,
    Suite,
    build_manifest,
    cached_suite,
    load_suite,
    load_suite_dir,
)
from detente.stats import Z95, Rate, wilson

if TYPE_CHECKING:
    from detente.evals._run import EvalResult, run_eval, write_scorecard
    from detente.evals._tasks import core_tasks

__all__ = [
    "DEFAULT_JUDGE",
    "JUDGE_CHOICES",
    "JUDGE_IDS",
    "JUDGE_MODEL_DIGEST",
    "LANGUAGES",
    "LLM_JUDGE",
    "METRICS",
    "SCHEMA",
    "TASK_NAMES",
    "Z95",
    "EvalConfig",
    "EvalResult",
    "Judge2Verdict",
    "JudgeTrainResult",
    "JudgeVerdict",
    "LabelledAnswer",
    "LanguageGap",
    "MetricDef",
    "MetricResult",
    "Outcome",
    "Rate",
    "Scorecard",
    "Suite",
    "SuiteRef",
    "build_manifest",
    "build_scorecard",
    "cached_suite",
    "classify_response2",
    "compare_scorecards",
    "comparison_text",
    "core_tasks",
    "cyberseceval_tasks",
    "expected_samples",
    "judge_answer",
    "judge_artifact_meta",
    "judge_training_examples",
    "judged_interval",
    "load_scorecard",
    "load_suite",
    "load_suite_dir",
    "measure_judges",
    "own_labelled",
    "read_labelled",
    "run_eval",
    "to_html",
    "to_markdown",
    "train_judge",
    "validate_scorecard",
    "wilson",
    "with_judge_uncertainty",
    "write_scorecard",
]

_LAZY = {
    "EvalResult": "detente.evals._run",
    "run_eval": "detente.evals._run",
    "write_scorecard": "detente.evals._run",
    "core_tasks": "detente.evals._tasks",
}


def __getattr__(name: str) -> Any:
    # The parts that need inspect_ai are imported on first use, like inspect's own providers.
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'detente.evals' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
