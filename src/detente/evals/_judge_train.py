"""Training (and honest cross-validation) of the ``detente-judge/2`` classifier.

Deterministic end to end, so ``scripts/train_judge.py`` reproduces the shipped artifact bit
for bit from the same data: folds come from a hash of each row's group (rows with the same
prompt or behaviour share a fold, so a prompt answered by five models never straddles train
and test), the vocabulary is sorted by (document frequency, n-gram), the solver is liblinear's
primal Newton method (no shuffling), and weights are stored as float32.

Per head: 5-fold out-of-fold scores -> Platt scaling fitted on them (calibration on data the
head had not seen) -> the final head fitted on all its rows. The out-of-fold 4-class
predictions are what the benchmark reports for the sets trained on (cross-validated figures).

Needs scikit-learn (``pip install 'detente[judge-train]'``); the judge itself needs numpy only.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np

from detente.errors import UsageError
from detente.evals._judge2 import JUDGE2_ID, decide
from detente.evals._judge_accuracy import summarise
from detente.evals._judge_data import Example, read_labelled
from detente.evals._judge_features import (
    BODY_CHARS,
    DENSE_NAMES,
    HEAD_CHARS,
    NGRAM_RANGE,
    dense_features,
    ngram_counts,
)
from detente.evals._judge_model import HEADS, MODEL_SCHEMA, sha256_hex
from detente.integrity import canonical_json
from detente.stats import platt

__all__ = ["PARAMS", "TrainResult", "cross_validated", "train", "training_examples"]

PARAMS: dict[str, Any] = {
    "folds": 5,
    "min_df": 3,
    "max_vocabulary": 40_000,
    "C": 4.0,
    # Sample weight per source: the project's own rows are few but the only multilingual and
    # noise examples; HarmBench is the only source whose "delivers" means harmful substance.
    "source_weight": {
        "harmbench_val": 5.0,
        "judge_labelled": 3.0,
        "judge_labelled_zh": 3.0,
        "judge_labelled_short": 3.0,
    },
}


@dataclass(frozen=True)
class TrainResult:
    meta_bytes: bytes
    weights_bytes: bytes
    oof: dict[str, tuple[str, float]]  # example id -> (4-class label, p_delivers), out of fold

    @property
    def digest(self) -> str:
        return sha256_hex(self.meta_bytes)


def _sklearn() -> Any:
    try:
        return import_module("sklearn")
    except ImportError:
        raise UsageError(
            "training the judge needs scikit-learn: pip install 'detente[judge-train]'"
        ) from None


def training_examples(
    shared_judge_dir: Path, labelled: Path
) -> tuple[list[Example], list[dict[str, Any]]]:
    """XSTest + HarmBench (read by path) + the dev split of the project's labelled files
    (``labelled`` and its companions ``<stem>_*.jsonl``), and the provenance entry of each
    file (name, sha256, rows used) for the training digest."""
    companions = sorted(labelled.parent.glob(labelled.stem + "_*.jsonl"))
    sources = [
        (shared_judge_dir / "xstest.jsonl", None),
        (shared_judge_dir / "harmbench_val.jsonl", None),
        *((path, "dev") for path in (labelled, *companions)),
    ]
    examples: list[Example] = []
    provenance: list[dict[str, Any]] = []
    for path, split in sources:
        rows = read_labelled(path, split)
        examples += rows
        provenance.append(
            {
                "file": path.name,
                "sha256": sha256_hex(path.read_bytes()),
                "split": split,
                "rows": len(rows),
            }
        )
    return examples, provenance


def _fold(ex: Example, k: int) -> int:
    return int(hashlib.sha256(ex.group.encode()).hexdigest()[:8], 16) % k


def _vocabulary(docs: Sequence[Counter[str]]) -> list[str]:
    df: Counter[str] = Counter()
    for d in docs:
        df.update(d.keys())
    kept = [(n, g) for g, n in df.items() if n >= PARAMS["min_df"]]
    kept.sort(key=lambda t: (-t[0], t[1]))
    return sorted(g for _, g in kept[: PARAMS["max_vocabulary"]])


def _matrix(examples: Sequence[Example], docs: Sequence[Counter[str]], vocab: list[str]) -> Any:
    sparse = import_module("scipy.sparse")
    csr_matrix, hstack = sparse.csr_matrix, sparse.hstack

    index = {g: i for i, g in enumerate(vocab)}
    rows, cols, vals = [], [], []
    for r, d in enumerate(docs):
        entries = [(index[g], 1.0 + math.log(c)) for g, c in d.items() if g in index]
        norm = math.sqrt(sum(v * v for _, v in entries)) or 1.0
        for c, v in entries:
            rows.append(r)
            cols.append(c)
            vals.append(v / norm)
    grams = csr_matrix((vals, (rows, cols)), shape=(len(docs), len(vocab)), dtype=np.float64)
    dense = np.asarray([dense_features(e.judged_request, e.response) for e in examples])
    return hstack([grams, csr_matrix(dense)], format="csr")


def _head_targets(
    examples: Sequence[Example],
) -> list[tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]]:
    """(row mask, y) per head."""
    delivers = np.array([e.delivers for e in examples])
    label = [e.label for e in examples]
    part_mask = np.array([lab in ("compliance", "partial") for lab in label])
    noise_mask = np.array([lab in ("refusal", "noise") for lab in label])
    return [
        (np.ones(len(examples), bool), delivers.astype(int)),
        (part_mask, np.array([lab == "partial" for lab in label], int)),
        (noise_mask, np.array([lab == "noise" for lab in label], int)),
    ]


def _fit(
    x: Any, y: np.ndarray[Any, Any], w: np.ndarray[Any, Any]
) -> tuple[np.ndarray[Any, Any], float]:
    LogisticRegression = import_module("sklearn.linear_model").LogisticRegression
    # liblinear's primal trust-region Newton solver: deterministic (no shuffling) and fast on
    # a few thousand sparse rows.
    clf = LogisticRegression(C=PARAMS["C"], solver="liblinear", class_weight="balanced")
    clf.fit(x, y, sample_weight=w)
    return clf.coef_[0].astype(np.float32), float(np.float32(clf.intercept_[0]))


def _score(x: Any, coef: np.ndarray[Any, Any], bias: float) -> np.ndarray[Any, Any]:
    return np.asarray(x @ coef.astype(np.float64)).ravel() + bias


def train(examples: Sequence[Example], provenance: list[dict[str, Any]]) -> TrainResult:
    """Fit the three heads and their calibration; return the artifact's bytes."""
    sk = _sklearn()
    docs = [ngram_counts(e.response) for e in examples]
    vocab = _vocabulary(docs)
    x = _matrix(examples, docs, vocab)
    weight = np.array([PARAMS["source_weight"].get(e.source, 1.0) for e in examples])
    k = PARAMS["folds"]
    folds = np.array([_fold(e, k) for e in examples])
    oof = np.zeros((len(HEADS), len(examples)))
    coefs, platts = [], []
    for h, (mask, y) in enumerate(_head_targets(examples)):
        for f in range(k):
            tr = mask & (folds != f)
            coef, bias = _fit(x[tr], y[tr], weight[tr])
            te = folds == f
            oof[h, te] = _score(x[te], coef, bias)
        a, b = platt(oof[h, mask], y[mask])
        platts.append([a, b])
        oof[h] = 1 / (1 + np.exp(-(a * oof[h] + b)))
        coef, bias = _fit(x[mask], y[mask], weight[mask])
        # The intercept rides on the dense "bias" feature (always 1.0) so one matrix holds all.
        coef[len(vocab)] += np.float32(bias)
        coefs.append(coef)
    weights = np.vstack(coefs).astype(np.float32)
    buf = io.BytesIO()
    np.save(buf, weights, allow_pickle=False)
    weights_bytes = buf.getvalue()
    oof_labels = {
        e.id: (decide(dict(zip(HEADS, oof[:, i], strict=True)))[0], float(oof[0, i]))
        for i, e in enumerate(examples)
    }
    meta = {
        "cross_validation": summarise(examples, oof_labels),
        "schema": MODEL_SCHEMA,
        "judge": JUDGE2_ID,
        "heads": list(HEADS),
        "dense": list(DENSE_NAMES),
        "vocabulary": vocab,
        "platt": platts,
        "weights": {
            "file": "weights.npy",
            "sha256": sha256_hex(weights_bytes),
            "dtype": "float32",
            "shape": list(weights.shape),
        },
        "features": {
            "ngram_range": list(NGRAM_RANGE),
            "body_chars": BODY_CHARS,
            "head_chars": HEAD_CHARS,
        },
        "training": {
            "data": provenance,
            "digest": sha256_hex(canonical_json(provenance)),
            "params": PARAMS,
            "scikit_learn": sk.__version__,
        },
    }
    return TrainResult(canonical_json(meta), weights_bytes, oof_labels)


def cross_validated(
    examples: Sequence[Example], provenance: list[dict[str, Any]]
) -> dict[str, tuple[str, float]]:
    """Out-of-fold (label, p_delivers) per example id: what the benchmark reports for the
    sets the judge was trained on."""
    return train(examples, provenance).oof
