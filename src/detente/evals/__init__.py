"""Standardized safety evaluations: the shipped, content-hashed suite ``detente-core``, its
judges (refusal rules, code-vulnerability detector), the scorecard and its comparison.

Importing this package does not import inspect_ai; the tasks live in
``detente.evals._tasks`` and runs in ``detente.evals._run``.
"""

from detente.evals._compare import compare_scorecards, comparison_text
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
    "METRICS",
    "SCHEMA",
    "Z95",
    "MetricDef",
    "Outcome",
    "Rate",
    "Suite",
    "build_manifest",
    "build_scorecard",
    "compare_scorecards",
    "comparison_text",
    "load_scorecard",
    "load_suite",
    "to_html",
    "to_markdown",
    "validate_scorecard",
    "wilson",
]
