"""What an evaluation run is asked to do (no inspect_ai import: the CLI and the release
pipeline build it before deciding whether to evaluate at all)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from detente.errors import UsageError
from detente.evals._suite import TASK_NAMES, cached_suite

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

    def __post_init__(self) -> None:
        from detente.evals._judges import JUDGE_CHOICES, LLM_JUDGE

        if self.judge not in JUDGE_CHOICES:
            raise UsageError(
                f"unknown judge {self.judge!r}; choose one of {', '.join(JUDGE_CHOICES)}"
            )
        if self.judge == LLM_JUDGE and self.grader_model is None:
            raise UsageError("judge 'llm' labels every answer with the grader: give a grader model")

    def sampling(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature,
            "seed": self.seed,
            "max_tokens": self.max_tokens,
            "epochs": self.epochs,
            "limit": self.limit,
        }


def expected_samples(config: EvalConfig) -> dict[str, int]:
    suite = cached_suite(config.suite, config.suite_version)
    names = list(config.tasks) or list(TASK_NAMES)
    out = {}
    for name in names:
        n = len(suite.datasets.get(name, ()))
        if config.limit is not None:
            n = min(n, config.limit)
        out[name] = n * config.epochs
    return out
