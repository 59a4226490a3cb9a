"""The trained classifier of ``detente-judge/2``: a versioned, digest-pinned artifact applied
with numpy alone.

On disk (package data ``evals/data/judge2/``, schema ``detente.judge-model/v1``):

* ``model.json`` -- the n-gram vocabulary, the dense feature names, the heads and their Platt
  calibration, the training data's digest and parameters, and the sha256 of the weights;
* ``weights.npy`` -- one float32 matrix (heads x features), read with ``allow_pickle=False``.

Nothing is unpickled. The judge version pins the sha256 of ``model.json`` (which pins the
weights' sha256 in turn): an artifact that does not match is refused
(:class:`~detente.errors.VerificationError`); a malformed one is a
:class:`~detente.errors.FormatError` naming the file.

Each head is a logistic regression over [L2-normalised sub-linear n-gram counts, dense cues];
its probability is ``sigmoid(a * score + b)`` with (a, b) fitted by Platt scaling on
out-of-fold scores (Platt 1999), so the confidence the judge reports is calibrated on data the
head had not seen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from detente.errors import FormatError
from detente.evals._judge_features import DENSE_NAMES, dense_features, ngram_counts
from detente.pinned import load_pinned_array, load_pinned_json, sha256_hex

__all__ = ["HEADS", "MODEL_SCHEMA", "JudgeModel", "apply_heads", "load_judge_model", "sha256_hex"]

MODEL_SCHEMA = "detente.judge-model/v1"
HEADS = ("delivers", "partial_given_delivers", "noise_given_not")


@dataclass(frozen=True)
class JudgeModel:
    """A loaded artifact: vocabulary index, weights (heads x features), Platt pairs."""

    digest: str
    meta: Mapping[str, Any]
    index: Mapping[str, int]
    weights: np.ndarray[Any, np.dtype[np.float32]]
    platt: tuple[tuple[float, float], ...]

    def scores(self, prompt: str, response: str) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Raw (uncalibrated) score of each head."""
        return apply_heads(self.index, self.weights, prompt, response)

    def probabilities(self, prompt: str, response: str) -> dict[str, float]:
        raw = self.scores(prompt, response)
        return {
            head: _sigmoid(a * float(s) + b)
            for head, s, (a, b) in zip(HEADS, raw, self.platt, strict=True)
        }


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def apply_heads(
    index: Mapping[str, int],
    weights: np.ndarray[Any, np.dtype[np.float32]],
    prompt: str,
    response: str,
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """Score every head: the same feature vector training builds, dotted with each row."""
    n_vocab = len(index)
    cols: list[int] = []
    vals: list[float] = []
    for gram, count in ngram_counts(response).items():
        col = index.get(gram)
        if col is not None:
            cols.append(col)
            vals.append(1.0 + math.log(count))
    w = weights.astype(np.float64)
    out = w[:, n_vocab:] @ np.asarray(dense_features(prompt, response), dtype=np.float64)
    if cols:
        v = np.asarray(vals, dtype=np.float64)
        out += w[:, cols] @ (v / np.linalg.norm(v))
    return out


def _fail(path: Path, problem: str) -> FormatError:
    return FormatError(f"not a {MODEL_SCHEMA} judge artifact: {problem}", path)


def load_judge_model(directory: Path, expected_digest: str) -> JudgeModel:
    """Load and check the artifact in ``directory`` against ``expected_digest``."""
    meta_path, weights_path = directory / "model.json", directory / "weights.npy"
    digest, meta = load_pinned_json(meta_path, expected_digest, MODEL_SCHEMA, "judge artifact")
    vocab, winfo, platt = meta.get("vocabulary"), meta.get("weights"), meta.get("platt")
    if not (isinstance(vocab, list) and all(isinstance(g, str) for g in vocab)):
        raise _fail(meta_path, "'vocabulary' must be a list of strings")
    if meta.get("dense") != list(DENSE_NAMES) or meta.get("heads") != list(HEADS):
        raise _fail(meta_path, "dense features or heads differ from this code's")
    if not (
        isinstance(platt, list)
        and len(platt) == len(HEADS)
        and all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(x, int | float) for x in p)
            for p in platt
        )
    ):
        raise _fail(meta_path, "'platt' must be one [a, b] pair per head")
    if not isinstance(winfo, dict) or not isinstance(winfo.get("sha256"), str):
        raise _fail(meta_path, "'weights' must name the weights file's sha256")
    weights = load_pinned_array(weights_path, winfo["sha256"], np.float32, "weights")
    shape = (len(HEADS), len(vocab) + len(DENSE_NAMES))
    if weights.shape != shape:
        raise _fail(weights_path, f"need float32 {shape}, got {weights.dtype} {weights.shape}")
    if not np.all(np.isfinite(weights)):
        raise _fail(weights_path, "non-finite weights")
    index = {g: i for i, g in enumerate(vocab)}
    if len(index) != len(vocab):
        raise _fail(meta_path, "duplicate n-grams in 'vocabulary'")
    pairs = tuple((float(a), float(b)) for a, b in platt)
    return JudgeModel(digest, meta, index, weights, pairs)
