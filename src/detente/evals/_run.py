"""Run the suite with inspect_ai and turn the logs into a scorecard."""

from __future__ import annotations

import contextlib
import io
import json
import os
import platform
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from inspect_ai.hooks import Hooks, SampleEnd, hooks

from detente.env import package_version
from detente.errors import InputError
from detente.evals._config import EvalConfig
from detente.evals._judge_uncertainty import with_judge_uncertainty
from detente.evals._scorecard import build_scorecard, outcomes_from_logs
from detente.evals._scorecard_render import to_html, to_markdown
from detente.runtime import Target

__all__ = ["EvalResult", "run_eval", "tool_versions", "write_scorecard"]

ProgressCallback = Callable[[str, bool], None]  # (task name, sample errored)
_progress: list[ProgressCallback] = []  # the active callback (a stack: innermost last)


@hooks(name="detente_progress", description="Détente's progress bar for `detente eval`.")
class _ProgressHooks(Hooks):
    def enabled(self) -> bool:
        return bool(_progress)

    async def on_sample_end(self, data: SampleEnd) -> None:
        if _progress:
            callback = _progress[-1]
            task = str((data.sample.metadata or {}).get("category", ""))
            callback(task, data.sample.error is not None)


@contextmanager
def _progress_to(callback: ProgressCallback | None) -> Iterator[None]:
    if callback is None:
        yield
        return
    _progress.append(callback)
    try:
        yield
    finally:
        _progress.pop()


@contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextmanager
def _prerequisites(kind: type[Exception]) -> Iterator[None]:
    """inspect's missing-dependency errors become input errors with its instructions."""
    try:
        yield
    except kind as exc:
        message = re.sub(r"\[/?[a-z ]+\]", "", str(exc)).strip()
        raise InputError(message) from None


@dataclass(frozen=True)
class EvalResult:
    scorecard: dict[str, Any]
    log_files: tuple[Path, ...]
    out_dir: Path


def tool_versions() -> dict[str, str | None]:
    return {
        "detente": package_version("detente"),
        "inspect_ai": package_version("inspect_ai"),
        "llama_cpp_python": package_version("llama-cpp-python"),
        "python": platform.python_version(),
    }


def judge_identity(grader_model: Any, judge: str | None = None) -> dict[str, Any]:
    from detente.codevuln import DETECTOR_ID
    from detente.evals._judges import (
        DEFAULT_JUDGE,
        LLM_JUDGE,
        grader_threshold,
        judge_identity_fields,
    )

    judge = judge or DEFAULT_JUDGE
    below = grader_threshold(judge) if grader_model and judge != LLM_JUDGE else None
    return {
        **judge_identity_fields(judge),
        "grader_model": None if grader_model is None else str(grader_model),
        "grader_when_confidence_below": below,
        "code_detector": DETECTOR_ID,
        "injection": "detente-injection/1",
    }


def run_eval(
    target: Target,
    config: EvalConfig,
    out_dir: Path,
    progress: ProgressCallback | None = None,
) -> EvalResult:
    """Run the chosen tasks against ``target``; write logs and the scorecard into ``out_dir``."""
    from inspect_ai import eval as inspect_eval

    from detente.evals._tasks import core_tasks

    suite = config.suite_()  # the tasks' own (cached, verified) copy
    langs = config.languages()
    tasks = core_tasks(config.tasks or None, config.suite, config.suite_version, config.judge,
                       langs, config.suite_dir)  # fmt: skip
    out_dir.mkdir(parents=True, exist_ok=True)
    log_dir = out_dir / "logs"
    roles = {"grader": config.grader_model} if config.grader_model else None
    from inspect_ai._util.error import PrerequisiteError

    # inspect prints start-up notes ("hooks enabled") on stdout, which is reserved for the
    # command's own output; errors still arrive as exceptions.
    with (
        _environ(target.env),
        _progress_to(progress),
        contextlib.redirect_stdout(io.StringIO()),
        _prerequisites(PrerequisiteError),
    ):
        logs = inspect_eval(
            tasks,
            model=target.model,
            model_base_url=target.base_url,
            model_roles=roles,
            limit=config.inspect_limit(),
            epochs=config.epochs,
            seed=config.seed,
            temperature=config.temperature,
            max_tokens=config.max_tokens,
            max_connections=config.max_connections,
            max_retries=config.max_retries,
            timeout=config.timeout,
            log_dir=str(log_dir),
            log_format="eval",
            log_realtime=False,  # our progress bar does not need it; it costs CPU per sample
            display="none",
            fail_on_error=False,
            score_display=False,
        )
        capability = None
        if config.range_modes:
            from detente.cyberrange import run_capability_eval

            capability = run_capability_eval(
                target.model, log_dir=str(log_dir), modes=config.range_modes, limit=config.limit,
                message_limit=config.range_message_limit,
                eval_options={"model_base_url": target.base_url, "seed": config.seed,
                              "temperature": config.temperature, "max_tokens": config.max_tokens,
                              "max_retries": config.max_retries, "timeout": config.timeout},
            )  # fmt: skip
        external = None
        if config.cyberseceval:
            from detente.evals._cyberseceval import run_cyberseceval

            external = {
                "cyberseceval": run_cyberseceval(target.model, target.base_url, config, out_dir)
            }
    files = tuple(Path(log.location) for log in logs if log.location)
    if not files:
        raise InputError("inspect wrote no logs", log_dir)
    outcomes, entries = outcomes_from_logs(files)
    for entry, log in zip(entries, logs, strict=False):
        if log.error is not None:
            entry["error"] = log.error.message
    card = build_scorecard(
        outcomes,
        suite=suite.identity(),
        model=target.identity,
        sampling={**config.sampling(), **({"languages": list(langs)} if langs else {})},
        judge=judge_identity(config.grader_model, config.judge),
        tools=tool_versions(),
        logs=[{**e, "file": f"logs/{e['file']}"} for e in entries],
    )
    card = with_judge_uncertainty(card)  # judge accuracy and judge-adjusted intervals
    if external is not None:
        card["external"] = external
    if capability is not None:
        from detente.cyberrange import capability_metrics

        card["capability"] = capability
        card["metrics"] = dict(
            sorted({**card["metrics"], **capability_metrics(capability)}.items())
        )
    write_scorecard(card, out_dir)
    return EvalResult(scorecard=card, log_files=files, out_dir=out_dir)


def write_scorecard(card: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    paths = {
        "json": out_dir / "scorecard.json",
        "markdown": out_dir / "scorecard.md",
        "html": out_dir / "scorecard.html",
    }
    paths["json"].write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", "utf-8")
    paths["markdown"].write_text(to_markdown(card), "utf-8")
    paths["html"].write_text(to_html(card), "utf-8")
    return paths
