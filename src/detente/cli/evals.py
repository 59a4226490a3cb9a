"""``detente eval`` and ``detente scorecard``."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from detente.cli._common import emit_json, format_option, progress_enabled, quiet_option
from detente.errors import InputError, UsageError
from detente.evals import DEFAULT_JUDGE, JUDGE_CHOICES, TASK_NAMES


def _parse_tasks(value: str | None) -> list[str]:
    if not value:
        return []
    names = [t.strip() for t in value.split(",") if t.strip()]
    unknown = [n for n in names if n not in TASK_NAMES]
    if unknown:
        raise click.BadParameter(
            f"unknown task(s) {', '.join(unknown)}; choose from {', '.join(TASK_NAMES)}",
            param_hint="--tasks",
        )
    return names


@contextlib.contextmanager
def _progress_bar(totals: dict[str, int], enabled: bool) -> Iterator[Any]:
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=False,
    )
    with progress:
        ids = {name: progress.add_task(name, total=n) for name, n in totals.items()}
        errors = dict.fromkeys(totals, 0)

        def advance(task: str, errored: bool) -> None:
            if task in ids:
                errors[task] += errored
                desc = task + (f" [red]({errors[task]} errors)" if errors[task] else "")
                progress.update(ids[task], advance=1, description=desc)

        yield advance


def summary_text(card: dict[str, Any]) -> str:
    lines = [
        f"suite {card['suite']['name']} v{card['suite']['version']} {card['suite']['digest']}",
        f"model {card['model'].get('name')}"
        + (
            f"  weights {card['model']['weights_digest']}"
            if card["model"].get("weights_digest")
            else ""
        ),
    ]
    width = max((len(k) for k in card["metrics"]), default=10)
    for key, m in card["metrics"].items():
        lo, hi = m["ci95"]
        rate = "  n/a " if m["rate"] is None else f"{100 * m['rate']:5.1f}%"
        extra = []
        if m["errors"]:
            extra.append(f"{m['errors']} errors")
        if m.get("unscored"):
            extra.append(f"{m['unscored']} unscored")
        lines.append(
            f"{key:<{width}}  {rate}  [{100 * lo:5.1f}, {100 * hi:5.1f}]  n={m['n']:<4} "
            f"{m['direction']:<11} {', '.join(extra)}".rstrip()
        )
    return "\n".join(lines)


def _report_errors(card: dict[str, Any]) -> None:
    """Warn about errored samples; refuse a run in which every sample errored (an unreachable
    endpoint, a wrong model name): its scorecard measures nothing."""
    cats = card["categories"].values()
    samples = sum(c["samples"] for c in cats)
    errors = sum(c["errors"] for c in cats)
    examples = [e for c in cats for e in c.get("error_examples", [])]
    if errors and errors == samples:
        raise InputError(
            f"every one of the {samples} samples failed (scorecard written anyway); first error: "
            + (examples[0] if examples else "unknown")
        )
    if errors:
        click.echo(f"warning: {errors} of {samples} samples failed and are not scored; e.g. "
                   + (examples[0] if examples else "unknown"), err=True)  # fmt: skip


@click.command(name="eval")
@click.option(
    "--model",
    "-m",
    default=None,
    help="inspect model string (openai/gpt-4o, anthropic/…, vllm/…), or a model name "
    "on --base-url. Default: the embedded Gemma 3 270M via llama-cpp-python.",
)
@click.option(
    "--base-url",
    default=None,
    help="OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp server), e.g. "
    "http://127.0.0.1:8000/v1. Key from DETENTE_ENDPOINT_API_KEY.",
)
@click.option(
    "--gguf",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Evaluate this local GGUF in-process with llama-cpp-python (Gemma 3 turn format); "
    "its sha256 goes into the scorecard.",
)
@click.option(
    "--tasks",
    "tasks_opt",
    default=None,
    metavar="A,B",
    help=f"Subset of tasks (default all): {', '.join(TASK_NAMES)}.",
)
@click.option(
    "--suite-version",
    default="1",
    show_default=True,
    help="Version of detente-core: 1 (English) or 2 (English and Chinese, every item in both).",
)
@click.option(
    "--lang",
    "lang_opt",
    default=None,
    metavar="en,zh",
    help="Languages of a bilingual suite to run (default: all it has). With two, every item "
    "is asked in both and the scorecard adds per-language and cross-lingual metrics.",
)
@click.option(
    "--suite-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Run the detente-core datasets in this directory (manifest.json + *.jsonl, checked "
    "like the shipped ones) instead of the shipped suite.",
)
@click.option(
    "--limit",
    type=click.IntRange(1),
    default=None,
    help="At most N samples per task (ordered to cover every tactic/CWE); on a bilingual "
    "suite N items, each in every chosen language.",
)
@click.option("--epochs", type=click.IntRange(1), default=1, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--temperature", type=click.FloatRange(0.0, 2.0), default=0.0, show_default=True)
@click.option("--max-tokens", type=click.IntRange(16), default=384, show_default=True)
@click.option(
    "--grader-model",
    default=None,
    help="Optional LLM grader (inspect model string) for answers the rules are "
    "unsure of; named in the scorecard.",
)
@click.option(
    "--judge",
    type=click.Choice(JUDGE_CHOICES),
    default=DEFAULT_JUDGE,
    show_default=True,
    help="Refusal judge: detente-judge/2 (rules + trained classifier, measured accuracy), "
    "detente-rules/1 (the old rules), or llm (the --grader-model labels every answer). "
    "Recorded in the scorecard.",
)
@click.option(
    "--max-retries",
    type=click.IntRange(0),
    default=3,
    show_default=True,
    help="Retries per model request before the sample counts as an error.",
)
@click.option(
    "--timeout",
    "request_timeout",
    type=click.IntRange(1),
    default=None,
    help="Seconds per model request (default: the provider's).",
)
@click.option(
    "--cyberseceval",
    is_flag=True,
    help="Also run inspect_evals' CyberSecEval tasks (needs inspect-evals installed and the "
    "internet); recorded under 'external' in the scorecard.",
)
@click.option(
    "--range",
    "range_mode",
    type=click.Choice(["unguided", "guided", "both"]),
    default=None,
    help="Also run the cyber range detente-range in the sandbox (flag capture; --limit N "
    "challenges per mode); adds the scorecard's capability section.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(1),
    default=None,
    help="Concurrent requests to the model (a local GGUF runs one at a time).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output directory (default ./detente-eval/<UTC time>): inspect logs, "
    "scorecard.json/.md/.html.",
)
@format_option()
@quiet_option
def eval_cmd(model: str | None, base_url: str | None, gguf: Path | None, tasks_opt: str | None,
             suite_version: str, lang_opt: str | None, suite_dir: Path | None, limit: int | None, epochs: int, seed: int, temperature: float, max_tokens: int,
             grader_model: str | None, judge: str, max_retries: int, request_timeout: int | None, cyberseceval: bool, range_mode: str | None, max_connections: int | None,
             out_dir: Path | None,
             fmt: str, quiet: bool) -> int:  # fmt: skip
    """Run the detente-core safety suite and write a scorecard.

    Five tasks: cyber_misuse (ATT&CK-tagged attack requests), false_refusal (legitimate
    defender requests), insecure_code (CWE-tagged coding tasks, scored by the code detector),
    prompt_injection (direct and tool-result injections against a tool-using agent) and
    social_engineering. Every rate comes with its Wilson 95% interval; the scorecard names the
    suite digest, the model (and its weights' sha256 when local), the sampling parameters and
    the judges.

    \b
    Examples:
      detente eval --limit 10                          # embedded Gemma 3 270M, 10 per task
      detente eval --suite-version 2 --lang en,zh --limit 5   # 5 items per task, both languages
      detente eval --gguf ./my-model.gguf --out run1
      detente eval --model my-model --base-url http://127.0.0.1:8000/v1
      detente eval --model openai/gpt-4o-mini --grader-model openai/gpt-4o
      detente eval --model M --base-url URL --judge llm --grader-model openai/gpt-4o
      detente eval --model my-model --base-url URL --range both   # + capability section

    \b
    Exit codes: 0 scorecard written (errored samples, if any, are warned about),
                2 bad input, or every sample failed (scorecard written anyway).
    Judge a scorecard against a release standard with `detente gate`.
    """
    from detente.evals import EvalConfig, expected_samples, run_eval
    from detente.runtime import local_gguf, resolve_target

    if gguf is not None and (model or base_url):
        raise UsageError("--gguf evaluates a local file; do not combine it with --model/--base-url")
    if base_url and not model:
        raise UsageError("--base-url needs --model (the model name the endpoint serves)")
    tasks = _parse_tasks(tasks_opt)
    if cyberseceval:
        from detente.evals import cyberseceval_tasks

        cyberseceval_tasks()  # fail before any model runs when inspect_evals is missing
    if out_dir is None:
        out_dir = Path("detente-eval") / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    local = model is None
    config = EvalConfig(
        tasks=tasks,
        limit=limit,
        epochs=epochs,
        seed=seed,
        temperature=temperature,
        max_tokens=max_tokens,
        grader_model=grader_model,
        judge=judge,
        max_connections=max_connections,
        cyberseceval=cyberseceval,
        max_retries=max_retries,
        timeout=request_timeout,
        range_modes={None: (), "unguided": (False,), "guided": (True,), "both": (False, True)}[
            range_mode
        ],
        suite_version=suite_version,
        langs=tuple(x.strip() for x in (lang_opt or "").split(",") if x.strip()),
        suite_dir=str(suite_dir or ""),
    )
    config.languages()  # a wrong suite version or language fails before a model loads
    show = progress_enabled(quiet)
    if local:
        embedded = gguf is None
        if gguf is None:
            from detente.runtime import embedded_model_path

            gguf = embedded_model_path()
        if show:
            click.echo(f"loading {gguf.name} into llama.cpp (CPU) …", err=True)
        with (
            local_gguf(gguf, embedded=embedded) as target,
            _progress_bar(expected_samples(config), show) as advance,
        ):
            result = run_eval(target, config, out_dir, progress=advance)
    else:
        target = resolve_target(model, base_url)
        with _progress_bar(expected_samples(config), show) as advance:
            result = run_eval(target, config, out_dir, progress=advance)
    card = result.scorecard
    _report_errors(card)
    if fmt == "json":
        emit_json(card)
    else:
        click.echo(summary_text(card))
        click.echo(
            f"\nscorecard: {out_dir / 'scorecard.json'} (.md, .html); logs: {out_dir / 'logs'}"
        )
    return 0


@click.group()
def scorecard() -> None:
    """Show and compare scorecards written by `detente eval`."""


@scorecard.command(name="compare")
@click.argument("a", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("b", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--allow-different-suites",
    is_flag=True,
    help="Compare even when the suite digests differ (the result says so).",
)
@format_option()
def compare(a: Path, b: Path, allow_different_suites: bool, fmt: str) -> int:
    """Per-metric differences of B against A, with whether the 95% intervals overlap.

    Non-overlapping intervals are reported as better/worse by the metric's direction (harm:
    lower is better; helpfulness: higher is better). Overlapping intervals are "no
    significant difference" (a conservative reading). Exit 0; 2 on bad input.
    """
    from detente.evals import compare_scorecards, comparison_text, load_scorecard

    result = compare_scorecards(
        load_scorecard(a), load_scorecard(b), allow_different_suites=allow_different_suites
    )
    if fmt == "json":
        emit_json(result)
    else:
        click.echo(comparison_text(result))
    return 0


@scorecard.command(name="show")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True)  # fmt: skip
def show(path: Path, fmt: str) -> int:
    """Validate a scorecard and print it (text summary, Markdown or JSON)."""
    from detente.evals import load_scorecard, to_markdown

    card = load_scorecard(path)
    if fmt == "json":
        click.echo(json.dumps(card, indent=2, sort_keys=True))
    elif fmt == "markdown":
        click.echo(to_markdown(card), nl=False)
    else:
        click.echo(summary_text(card))
    return 0
