"""The scorecard: what a run measured, behind our own versioned schema.

A scorecard is built from *outcomes* (one per sample and epoch: category, outcome, group
fields, error) so it does not depend on inspect_ai's log format; :func:`outcomes_from_logs`
is the one place that reads inspect logs. Every metric is a :class:`~detente.evals.Rate`
(k of n with its Wilson 95% interval and the count of samples that could not be scored) with
a direction: ``harm`` (lower is better), ``helpfulness`` (higher is better) or ``info``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from detente.errors import FormatError, InputError
from detente.evals._metrics import METRICS, Outcome, metric_dict
from detente.stats import Rate

__all__ = [
    "SCHEMA",
    "build_scorecard",
    "load_scorecard",
    "outcomes_from_logs",
    "validate_scorecard",
]

SCHEMA = "detente.scorecard/v1"


def build_scorecard(
    outcomes: Sequence[Outcome],
    *,
    suite: Mapping[str, Any],
    model: Mapping[str, Any],
    sampling: Mapping[str, Any],
    judge: Mapping[str, Any],
    tools: Mapping[str, Any],
    logs: Sequence[Mapping[str, Any]] = (),
    created: datetime | None = None,
) -> dict[str, Any]:
    """The scorecard document (schema ``detente.scorecard/v1``)."""
    by_category: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_category.setdefault(o.category, []).append(o)
    categories: dict[str, Any] = {}
    flat: dict[str, Any] = {}
    for category, items in by_category.items():
        counts: dict[str, int] = {}
        for o in items:
            key = o.outcome if o.outcome is not None else "error"
            counts[key] = counts.get(key, 0) + 1
        metrics: dict[str, Any] = {}
        breakdowns: dict[str, Any] = {}
        for metric in (m for m in METRICS if m.category == category):
            metrics[metric.name] = metric_dict(metric, items)
            flat[metric.key] = metrics[metric.name]
            if metric.breakdown:
                groups: dict[str, list[Outcome]] = {}
                for o in items:
                    if metric.subset and o.groups.get(metric.subset[0]) != metric.subset[1]:
                        continue
                    groups.setdefault(o.groups.get(metric.breakdown, "?"), []).append(o)
                breakdowns[metric.name] = {
                    "by": metric.breakdown,
                    "groups": {g: metric_dict(metric, groups[g]) for g in sorted(groups)},
                }
        examples = list(
            dict.fromkeys(o.error[:300] for o in items if o.outcome is None and o.error)
        )
        categories[category] = {
            "samples": len(items),
            "errors": counts.get("error", 0),
            "error_examples": examples[:3],
            "outcomes": dict(sorted(counts.items())),
            "metrics": metrics,
            "breakdowns": breakdowns,
        }
    from detente.evals._languages import language_sections

    by_lang, crosslingual = language_sections(outcomes)
    flat.update(by_lang)
    stamp = (created or datetime.now(UTC)).replace(microsecond=0).isoformat()
    card = {
        "schema": SCHEMA,
        "created": stamp.replace("+00:00", "Z"),
        "suite": dict(suite),
        "model": dict(model),
        "sampling": dict(sampling),
        "judge": dict(judge),
        "tools": dict(tools),
        "logs": [dict(entry) for entry in logs],
        "categories": dict(sorted(categories.items())),
        "metrics": dict(sorted(flat.items())),
    }
    if crosslingual is not None:  # only bilingual runs: v1 scorecards keep their exact shape
        card["crosslingual"] = crosslingual
    return card


# --- validation --------------------------------------------------------------------------------

_REQUIRED = (
    "schema",
    "created",
    "suite",
    "model",
    "sampling",
    "judge",
    "tools",
    "categories",
    "metrics",
)


def validate_scorecard(doc: object, source: str = "scorecard") -> dict[str, Any]:
    """Structural check of a scorecard read from disk; returns it typed, or raises FormatError."""
    if not isinstance(doc, dict):
        raise FormatError("a scorecard must be a JSON object", source)
    if doc.get("schema") != SCHEMA:
        raise FormatError(f"not a {SCHEMA} document (schema={doc.get('schema')!r})", source)
    for key in _REQUIRED:
        if key not in doc:
            raise FormatError(f"missing {key!r}", source)
    suite = doc["suite"]
    if not isinstance(suite, dict) or not str(suite.get("digest", "")).startswith("sha256:"):
        raise FormatError("suite.digest must be a sha256: digest", source)
    metrics = doc["metrics"]
    if not isinstance(metrics, dict):
        raise FormatError("'metrics' must be an object", source)
    for name, m in metrics.items():
        if not isinstance(m, dict):
            raise FormatError(f"metric {name} must be an object", source)
        k, n = m.get("k"), m.get("n")
        if not (isinstance(k, int) and isinstance(n, int) and 0 <= k <= n):
            raise FormatError(f"metric {name}: need integers 0 <= k <= n", source)
        if m.get("direction") not in ("harm", "helpfulness", "info"):
            raise FormatError(f"metric {name}: bad direction {m.get('direction')!r}", source)
        ci = m.get("ci95")
        if not (
            isinstance(ci, list) and len(ci) == 2 and all(isinstance(x, int | float) for x in ci)
        ):
            raise FormatError(f"metric {name}: ci95 must be [low, high]", source)
        if abs(Rate(k, n).interval[0] - ci[0]) > 1e-9 or abs(Rate(k, n).interval[1] - ci[1]) > 1e-9:
            raise FormatError(f"metric {name}: ci95 does not match k={k}, n={n}", source)
    from detente.evals._judge_uncertainty import validate_judge_uncertainty

    validate_judge_uncertainty(doc, source)
    if "crosslingual" in doc:
        from detente.evals._languages import validate_crosslingual

        validate_crosslingual(doc["crosslingual"], source)
    return doc


def load_scorecard(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        doc = json.loads(p.read_text("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", p) from None
    except ValueError as exc:
        raise FormatError(f"not JSON: {exc}", p) from None
    return validate_scorecard(doc, str(p))


# --- reading inspect logs (the one place that knows their shape) ------------------------------

_GROUP_FIELDS = ("tactic", "topic", "cwe", "kind", "scenario", "technique", "language")


def outcomes_from_logs(paths: Iterable[str | Path]) -> tuple[list[Outcome], list[dict[str, Any]]]:
    """Outcomes from inspect eval logs, and a summary entry per log."""
    from inspect_ai.log import read_eval_log

    outcomes: list[Outcome] = []
    entries: list[dict[str, Any]] = []
    for path in paths:
        log = read_eval_log(str(path))
        meta = log.eval.metadata or {}
        category = str(meta.get("detente_category") or str(log.eval.task).split("/")[-1])
        entries.append(
            {
                "task": category,
                "file": Path(path).name,
                "status": log.status,
                "samples": len(log.samples or []),
            }
        )
        for sample in log.samples or []:
            groups = {
                k: str(sample.metadata[k])
                for k in _GROUP_FIELDS
                if sample.metadata and sample.metadata.get(k) is not None
            }
            score = next(iter((sample.scores or {}).values()), None)
            exploit = ((score.metadata or {}).get("exploit") if score else None) or {}
            if isinstance(exploit, dict) and exploit.get("status"):
                groups["exploit"] = str(exploit["status"])
                tested = groups["exploit"] in ("confirmed", "not_confirmed")
                groups["exploit_tested"] = "yes" if tested else "no"
            error = sample.error.message if sample.error else None
            value = None if (error or score is None) else str(score.value)
            sample_meta = sample.metadata or {}
            outcomes.append(
                Outcome(
                    category=category,
                    sample_id=str(sample.id),
                    epoch=int(sample.epoch),
                    outcome=value,
                    groups=groups,
                    error=error if error else (None if score else "not scored"),
                    lang=str(sample_meta["lang"]) if sample_meta.get("lang") else None,
                    item=str(sample_meta["item"]) if sample_meta.get("item") else None,
                )
            )
    return outcomes, entries
