"""Adapter for Meta's CyberSecEval as packaged by inspect_evals (optional, needs the internet).

inspect_evals' CyberSecEval tasks (``cyse2_*``, ``cyse3_*``) download their datasets from the
hub at run time and some need a judge model, so they cannot run offline or in CI. When the
package is installed and the machine is online, ``detente eval --cyberseceval`` runs them with
the same model, limit, seed and temperature as our suite and records their headline metrics in
the scorecard under ``external`` (their own scorers, not Wilson-gated rates: the gate does not
use them).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from detente.errors import InputError

__all__ = ["available_tasks", "run_cyberseceval"]

PACKAGE = "inspect_evals"


def available_tasks() -> list[str]:
    """The CyberSecEval task names inspect_evals registers (``inspect_evals/cyse2_…``)."""
    try:
        import inspect_evals  # type: ignore[import-not-found, unused-ignore]  # noqa: F401
    except ImportError:
        raise InputError(
            "the CyberSecEval adapter needs inspect_evals: pip install inspect-evals "
            "(its tasks download datasets from the hub, so the machine must be online)"
        ) from None
    from inspect_ai._util.entrypoints import ensure_entry_points
    from inspect_ai._util.registry import registry_find, registry_info

    ensure_entry_points(PACKAGE)
    names = {
        registry_info(t).name
        for t in registry_find(lambda i: i.type == "task" and "cyse" in i.name)
    }
    if not names:
        raise InputError(f"{PACKAGE} is installed but registers no CyberSecEval (cyse*) tasks")
    return sorted(names)


def run_cyberseceval(
    model: Any, base_url: str | None, config: Any, out_dir: Path, tasks: Sequence[str] = ()
) -> dict[str, Any]:
    """Run the CyberSecEval tasks; return ``{task: {"metrics": {...}, "log": file, "status"}}``."""
    from inspect_ai import eval as inspect_eval

    names = list(tasks) or available_tasks()
    logs = inspect_eval(
        names,
        model=model,
        model_base_url=base_url,
        limit=config.limit,
        seed=config.seed,
        temperature=config.temperature,
        max_tokens=config.max_tokens,
        log_dir=str(out_dir / "logs"),
        display="none",
        fail_on_error=False,
    )
    out: dict[str, Any] = {}
    for log in logs:
        metrics: dict[str, float] = {}
        for score in log.results.scores if log.results else []:
            for name, metric in score.metrics.items():
                metrics[f"{score.name}.{name}"] = float(metric.value)
        out[str(log.eval.task)] = {
            "status": log.status,
            "metrics": metrics,
            "samples": len(log.samples or []),
            "log": f"logs/{Path(log.location).name}" if log.location else None,
        }
    return out
