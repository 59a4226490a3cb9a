"""Training the address model (:mod:`detente.monitor._learned`), bit for bit from named data.

Rows are lines of sentences, split and marked by the detector itself (:func:`_detect.marks`,
:func:`_detect.segments`), so the model learns on exactly what it is asked about at run time:

* positive: the line where an injection text's ``{goal}`` starts. ``{goal}`` is filled from
  our own list of attacker goals (``scripts/monitor_model/goals.txt``), never with an AgentDojo
  injection task's GOAL: those fill it in the benchmark, so the model cannot learn them;
* negative: every line of a benign text and of AgentDojo's own environment data (e-mails,
  files, reviews, messages), which is full of innocent instructions;
* the injection texts' other lines are not used (whether a carrier sentence is itself aimed
  at the agent is not labelled).

Each text is used alone and inside environment data (a random piece before and after it), so the
context roles see both. Folds group every row of one text; the Platt pair is fitted on
out-of-fold scores and the threshold is the lowest probability at which at most
``PARAMS["max_text_fpr"]`` of the text sets' benign texts (out of fold) would count as aimed at
the agent. Needs scikit-learn and scipy
(``pip install 'detente[judge-train]'``); applying the model needs numpy only.
"""

from __future__ import annotations

import hashlib
import io
import math
import random
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np

from detente.canonical import canonical_json
from detente.errors import FormatError, InputError
from detente.monitor._detect import marks, segments, unfold
from detente.monitor._learned import (
    ADDRESS_MODEL_SCHEMA,
    DENSE,
    FEATURES,
    ROLES,
    sentence_grams,
)
from detente.pinned import sha256_hex
from detente.stats import platt

__all__ = ["PARAMS", "AddressRow", "TrainedAddressModel", "address_rows", "train_address_model"]

PARAMS: dict[str, Any] = {
    "C": 4.0,
    "min_df": 2,
    "max_vocabulary": 120000,
    "folds": 5,
    "goals_per_text": 3,
    "foreign_goals_per_text": 1,
    "max_text_fpr": 0.01,
    "seed": 20261202,
}
_NAMES = ("Emma Johnson", "Li Wei", "Ana Souza", "Omar Haddad", "Priya Nair", "Jonas Berg")


@dataclass(frozen=True)
class AddressRow:
    group: str  # the text the row came from (folds keep a group together)
    source: str  # the text set's name, or "environment"
    label: int
    sentences: tuple[str, str, str, str]  # self, the two before, the one after ("" for none)
    dense: tuple[float, ...]


@dataclass(frozen=True)
class TrainedAddressModel:
    meta_bytes: bytes
    weights_bytes: bytes
    vocabulary_bytes: bytes
    oof: dict[str, Any]  # out-of-fold figures per source

    @property
    def digest(self) -> str:
        return sha256_hex(self.meta_bytes)


def _rows_of(text: str, group: str, source: str, goal: str | None) -> list[AddressRow]:
    norm = unfold(text)
    bounds, sigs, directive = marks(norm)
    segs, dense = segments(norm, bounds, sigs, directive)
    at = norm.find(goal) if goal else -1
    if goal and at < 0:
        raise FormatError(f"{group}: the goal is not found in the rendered text")
    out = []
    for i, (_, a, b) in enumerate(segs):
        if goal and not a <= at < b:
            continue  # only the line where the goal starts is labelled
        sents = [norm[a:b]]
        for j in (i - 1, i - 2, i + 1):
            sents.append(norm[segs[j][1] : segs[j][2]] if 0 <= j < len(segs) else "")
        row = AddressRow(group, source, int(bool(goal)), tuple(sents), tuple(dense[i]))  # type: ignore[arg-type]
        out.append(row)
        if goal:
            break
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FormatError(f"not a text set: {exc}", path) from None


def read_goals(path: Path) -> list[str]:
    try:
        lines = path.read_text("utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    goals = [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]
    if len(goals) < 10:
        raise FormatError("need at least 10 goals, one per line", path)
    return goals


def _folded(text: str) -> str:
    """``text`` with its lines run together, as a YAML plain scalar or a one-line preview shows
    it: an invoice's rows become one long line the model must still read as an invoice."""
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def address_rows(
    sets: Mapping[str, Path],
    goals: Sequence[str],
    environment: Sequence[str],
    foreign_goals: Sequence[str] = (),
) -> tuple[list[AddressRow], list[dict[str, Any]]]:
    """Training rows from text sets (``name -> *_texts.toml``), goals and environment texts;
    also the provenance (each file's sha256) the artifact records. Each injection text is
    rendered with ``goals_per_text`` goals (English, the language of the benchmark's goals) and
    ``foreign_goals_per_text`` goals written in other languages, so that a line aimed at the
    agent entirely in Chinese or Russian is a positive the model has seen."""
    rng = random.Random(PARAMS["seed"])  # noqa: S311 -- reproducible sampling, not secrets
    rows: list[AddressRow] = []
    provenance: list[dict[str, Any]] = []
    env = [e for e in environment if e.strip()]
    for name, path in sorted(sets.items()):
        data = _read_toml(path)
        inj, ben = data.get("injection", []), data.get("benign", [])
        provenance.append(
            {
                "set": name,
                "file": path.name,
                "sha256": sha256_hex(path.read_bytes()),
                "injection": len(inj),
                "benign": len(ben),
            }
        )
        for e in inj:
            text = str(e.get("text", ""))
            if text.count("{goal}") != 1:
                raise FormatError(f"{e.get('id')}: an injection text needs one {{goal}}", path)
            english = PARAMS["goals_per_text"]
            foreign = PARAMS["foreign_goals_per_text"] if foreign_goals else 0
            for r in range(english + foreign):
                pool = goals if r < english else foreign_goals
                goal = pool[rng.randrange(len(pool))]
                body = text.replace("{user}", _NAMES[rng.randrange(len(_NAMES))])
                body = body.replace("{goal}", goal)
                if r % 2 and env:
                    body = f"{rng.choice(env)}\n{body}\n{rng.choice(env)}"
                elif r == 2:
                    body = _folded(body)
                rows.extend(_rows_of(body, f"{name}/{e.get('id')}", name, goal))
        for e in ben:
            text = str(e.get("text", "")).replace("{user}", _NAMES[rng.randrange(len(_NAMES))])
            rows.extend(_rows_of(text, f"{name}/{e.get('id')}", name, None))
            if env:
                body = f"{rng.choice(env)}\n{text}\n{rng.choice(env)}"
                rows.extend(_rows_of(body, f"{name}/{e.get('id')}", name, None))
            if "\n" in text.strip():
                rows.extend(_rows_of(_folded(text), f"{name}/{e.get('id')}", name, None))
    for i, text in enumerate(env):
        rows.extend(_rows_of(text, f"environment/{i}", "environment", None))
    provenance.append(
        {
            "set": "environment",
            "texts": len(env),
            "sha256": sha256_hex("\n\x00".join(env).encode()),
        }
    )
    provenance.append(
        {"set": "goals", "goals": len(goals), "sha256": sha256_hex("\n".join(goals).encode())}
    )
    if foreign_goals:
        digest = sha256_hex("\n".join(foreign_goals).encode())
        provenance.append({"set": "foreign goals", "goals": len(foreign_goals), "sha256": digest})
    return rows, provenance


def _fold(group: str, k: int) -> int:
    return int(hashlib.sha256(group.encode()).hexdigest()[:8], 16) % k


def _matrix(rows: Sequence[AddressRow]) -> tuple[Any, np.ndarray[Any, Any]]:
    """The rows' feature matrix [self | prev (two sentences) | next | dense], and the
    vocabulary (sorted n-gram hashes in at least ``min_df`` distinct sentences)."""
    sparse = import_module("scipy.sparse")
    sentences = sorted({t for r in rows for t in r.sentences if t})
    at = {t: i for i, t in enumerate(sentences)}
    key, own, val = sentence_grams(sentences)
    order = np.lexsort((key, own))
    k_sorted, o_sorted = key[order], own[order]
    first = np.ones(len(order), bool)
    first[1:] = (k_sorted[1:] != k_sorted[:-1]) | (o_sorted[1:] != o_sorted[:-1])
    grams, df = np.unique(k_sorted[first], return_counts=True)
    keep = df >= PARAMS["min_df"]
    grams, df = grams[keep], df[keep]
    if len(grams) > PARAMS["max_vocabulary"]:
        top = np.lexsort((grams, -df))[: PARAMS["max_vocabulary"]]
        grams = np.sort(grams[top])
    pos = np.searchsorted(grams, key)
    pos[pos >= len(grams)] = 0
    hit = grams[pos] == key if len(grams) else np.zeros(len(key), bool)
    shape = (len(sentences) + 1, len(grams))  # the last row: no sentence there
    per_sentence = sparse.csr_matrix((val[hit], (own[hit], pos[hit])), shape=shape)
    none = len(sentences)

    def rows_of(j: int) -> Any:
        return per_sentence[[at.get(r.sentences[j], none) for r in rows]]

    dense = sparse.csr_matrix(np.array([r.dense for r in rows], dtype=np.float64))
    x = sparse.hstack([rows_of(0), rows_of(1) + rows_of(2), rows_of(3), dense], format="csr")
    return x, grams


def _fit(x: Any, y: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], float]:
    LogisticRegression = import_module("sklearn.linear_model").LogisticRegression
    # liblinear: deterministic (no shuffling), fast on sparse rows.
    clf = LogisticRegression(C=PARAMS["C"], solver="liblinear", class_weight="balanced")
    clf.fit(x, y)
    return clf.coef_[0].astype(np.float32), float(np.float32(clf.intercept_[0]))


def _threshold(rows: Sequence[AddressRow], p: np.ndarray[Any, Any], sets: set[str]) -> float:
    """The lowest probability at which at most ``max_text_fpr`` of the benign texts of the text
    ``sets`` (hard negatives: innocent instructions; each text's highest line) would count as
    aimed at the agent, out of fold."""
    best: dict[str, float] = {}
    for r, q in zip(rows, p, strict=True):
        if r.label == 0 and r.source in sets:
            best[r.group] = max(best.get(r.group, 0.0), float(q))
    worst = sorted(best.values(), reverse=True)
    allowed = math.floor(PARAMS["max_text_fpr"] * len(worst))
    t = worst[allowed] if allowed < len(worst) else 0.5
    return round(min(max(t + 1e-6, 0.05), 0.995), 6)


def train_address_model(
    rows: Sequence[AddressRow], provenance: list[dict[str, Any]]
) -> TrainedAddressModel:
    """Fit the model, its calibration and threshold; return the artifact's bytes."""
    sk = import_module("sklearn")
    if not any(r.label for r in rows) or all(r.label for r in rows):
        raise FormatError("training needs both positive and negative rows")
    x, vocab = _matrix(rows)
    y = np.array([r.label for r in rows])
    k = PARAMS["folds"]
    folds = np.array([_fold(r.group, k) for r in rows])
    oof = np.zeros(len(rows))
    for f in range(k):
        coef, bias = _fit(x[folds != f], y[folds != f])
        te = folds == f
        oof[te] = np.asarray(x[te] @ coef.astype(np.float64)).ravel() + bias
    a, b = platt(oof, y)
    prob = 1 / (1 + np.exp(-(a * oof + b)))
    text_sets = {str(d["set"]) for d in provenance if "injection" in d}
    threshold = _threshold(rows, prob, text_sets)
    coef, bias = _fit(x, y)
    v = len(vocab)
    weights = coef[: len(ROLES) * v].reshape(len(ROLES), v).astype(np.float32)
    dense = coef[len(ROLES) * v :].astype(np.float64)
    dense[DENSE.index("bias")] += bias
    weights_bytes = _npy(weights)
    vocab_bytes = _npy(vocab.astype(np.uint64))
    summary: dict[str, Any] = {}
    for src in sorted({r.source for r in rows}):
        m = np.array([r.source == src for r in rows])
        pos, neg = m & (y == 1), m & (y == 0)
        summary[src] = {
            "positives": int(pos.sum()),
            "recall": round(float((prob[pos] >= threshold).mean()), 4) if pos.any() else None,
            "negatives": int(neg.sum()),
            "fpr": round(float((prob[neg] >= threshold).mean()), 4) if neg.any() else None,
        }
    meta = {
        "schema": ADDRESS_MODEL_SCHEMA,
        "roles": list(ROLES),
        "dense_names": list(DENSE),
        "dense": [round(float(d), 6) for d in dense],
        "vocabulary": {
            "file": "vocabulary.npy",
            "sha256": sha256_hex(vocab_bytes),
            "dtype": "uint64",
            "shape": [len(vocab)],
        },
        "platt": [a, b],
        "threshold": threshold,
        "weights": {
            "file": "weights.npy",
            "sha256": sha256_hex(weights_bytes),
            "dtype": "float32",
            "shape": list(weights.shape),
        },
        "features": FEATURES,
        "cross_validation": summary,
        "training": {
            "data": provenance,
            "digest": sha256_hex(canonical_json(provenance)),
            "params": PARAMS,
            "rows": len(rows),
            "scikit_learn": sk.__version__,
        },
    }
    return TrainedAddressModel(canonical_json(meta), weights_bytes, vocab_bytes, summary)


def _npy(arr: np.ndarray[Any, Any]) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    return buf.getvalue()
