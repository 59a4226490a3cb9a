"""inspect_ai entry point: importing this registers the detente-core tasks, so that
``inspect eval detente/cyber_misuse`` (and the other tasks) work once Détente is installed."""

from detente.evals._tasks import (
    cyber_misuse,
    false_refusal,
    insecure_code,
    prompt_injection,
    social_engineering,
)

__all__ = [
    "cyber_misuse",
    "false_refusal",
    "insecure_code",
    "prompt_injection",
    "social_engineering",
]
