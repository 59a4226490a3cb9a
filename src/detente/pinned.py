"""Digest-pinned artifacts: a JSON description whose sha256 the code names, and the numpy
arrays it pins in turn by sha256, read without unpickling.

The judge's classifier (``evals/data/judge2``) and the monitor's address model
(``monitor/data/address_model``) ship this way: the code holds the sha256 of ``model.json``,
``model.json`` holds the sha256 of each ``.npy`` file, and every array is read with
``allow_pickle=False`` (an object array would need pickle: refused). A digest that does not
match is a :class:`~detente.errors.VerificationError`; a malformed file is a
:class:`~detente.errors.FormatError` naming it; an unreadable one an
:class:`~detente.errors.InputError`.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from detente.errors import FormatError, InputError, VerificationError

__all__ = ["load_pinned_array", "load_pinned_json", "read_file", "sha256_hex"]


def sha256_hex(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None


def load_pinned_json(
    path: Path, expected_digest: str | None, schema: str, what: str
) -> tuple[str, dict[str, Any]]:
    """(digest, object) of a JSON artifact description, checked against ``expected_digest``
    (None: not pinned, e.g. a model trained a moment ago) and its ``schema`` field."""
    raw = read_file(path)
    digest = sha256_hex(raw)
    if expected_digest is not None and not hmac.compare_digest(digest, expected_digest):
        raise VerificationError(
            f"{path}: {what} digest {digest} does not match {expected_digest}, "
            "the digest this code names; refusing to use it"
        )
    try:
        meta = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise FormatError(f"not a {schema} {what}: not UTF-8 JSON ({exc})", path) from None
    if not isinstance(meta, dict) or meta.get("schema") != schema:
        raise FormatError(f"not a {schema} {what}: missing or wrong 'schema'", path)
    return digest, meta


def load_pinned_array(path: Path, sha256: object, dtype: Any, what: str) -> np.ndarray[Any, Any]:
    """A plain ``.npy`` array whose sha256 the description names, of ``dtype``."""
    raw = read_file(path)
    if not isinstance(sha256, str) or not hmac.compare_digest(sha256_hex(raw), sha256):
        raise VerificationError(f"{path}: {what} digest does not match model.json")
    try:
        arr = np.load(io.BytesIO(raw), allow_pickle=False)
    except ValueError as exc:
        raise FormatError(f"not a plain .npy array ({exc})", path) from None
    if not isinstance(arr, np.ndarray) or arr.dtype != np.dtype(dtype):
        raise FormatError(f"need a {np.dtype(dtype)} array", path)
    out: np.ndarray[Any, Any] = arr
    return out
