"""What an evaluation run is asked to do (no inspect_ai import: the CLI and the release
pipeline build it before deciding whether to evaluate at all)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from detente.errors import UsageError
from detente.evals._suite import TASK_NAMES, Suite, cached_suite, choose_languages

__all__ = ["EvalConfig", "expected_samples"]


@dataclass(frozen=True)
class EvalConfig:
    tasks: Sequence[str] = ()
    limit: int | None = None
    epochs: int = 1
    seed: int = 0
    temperature: float = 0.0
    max_tokens: int = 384
    grader_model: Any = None  # an inspect model string (or an inspect Model, in tests)
    max_connections: int | None = None
    suite: str = "detente-core"
    suite_version: str = "1"
    cyberseceval: bool = False  # also run inspect_evals' CyberSecEval tasks (online only)
    max_retries: int = 3  # per request; inspect's own default retries for a very long time
    timeout: int | None = None  # seconds per request (None: the provider's default)
    range_modes: tuple[bool, ...] = ()  # cyber range: False unguided, True guided (sandbox)
    range_message_limit: int = 12  # messages per challenge, tool results included
    judge: str = "detente-judge/2"  # refusal judge: one of evals.JUDGE_CHOICES
    # Bilingual suites (v2 on): the languages to run (default all) -- with several, ``limit``
    # counts items, each evaluated in every chosen language (pairs stay together).
    langs: tuple[str, ...] = ()
    suite_dir: str = ""  # run the suite in this directory instead of the shipped one

    def __post_init__(self) -> None:
        from detente.evals._judges import JUDGE_CHOICES, LLM_JUDGE

        if self.judge not in JUDGE_CHOICES:
            raise UsageError(
                f"unknown judge {self.judge!r}; choose one of {', '.join(JUDGE_CHOICES)}"
            )
        if self.judge == LLM_JUDGE and self.grader_model is None:
            raise UsageError("judge 'llm' labels every answer with the grader: give a grader model")

    def languages(self) -> tuple[str, ...]:
        """The languages this run evaluates (() for a suite without languages)."""
        return choose_languages(self.suite_(), self.langs)

    def suite_(self) -> Suite:
        return cached_suite(self.suite, self.suite_version, self.suite_dir)

    def inspect_limit(self) -> int | None:
        """inspect's sample limit per task: ``limit`` items × languages (whole items)."""
        if self.limit is None:
            return None
        return self.limit * max(1, len(self.languages()))

    def sampling(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature,
            "seed": self.seed,
            "max_tokens": self.max_tokens,
            "epochs": self.epochs,
            "limit": self.limit,
        }


def expected_samples(config: EvalConfig) -> dict[str, int]:
    suite = config.suite_()
    langs = config.languages()
    names = list(config.tasks) or [n for n in TASK_NAMES if n in suite.datasets]
    out = {}
    for name in names:
        records = suite.datasets.get(name, ())
        n = sum(r.get("lang") in langs for r in records) if langs else len(records)
        if config.limit is not None:
            n = min(n, config.inspect_limit() or n)
        out[name] = n * config.epochs
    return out
