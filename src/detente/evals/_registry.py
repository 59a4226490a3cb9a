"""inspect_ai entry point: importing this registers the detente-core tasks and the in-process
GGUF provider, so that ``inspect eval detente/cyber_misuse --model detente-llama/gemma -M
model_path=FILE`` (or any other model) works once Détente is installed."""

from detente.evals._tasks import (
    cyber_misuse,
    false_refusal,
    insecure_code,
    prompt_injection,
    social_engineering,
)
from detente.runtime.llama_provider import detente_llama

__all__ = [
    "cyber_misuse",
    "detente_llama",
    "false_refusal",
    "insecure_code",
    "prompt_injection",
    "social_engineering",
]
