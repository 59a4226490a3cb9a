"""Tensor-by-tensor comparison of two models, whatever their sharding into files.

Streams: each pair of tensors is compared through memory maps in bounded chunks, so comparing
two 10 GB models needs a few tens of MB of RAM. Identical bytes are detected by comparing the
bytes themselves (cheaper than hashing both); numeric statistics are computed only for tensors
that differ.
"""

from __future__ import annotations

import json
import math
import mmap
import re
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from detente.artifacts import ModelFile, TensorInfo, read_tensor_table, walk_model
from detente.errors import InputError
from detente.integrity._hashing import hash_range

__all__ = ["DiffResult", "LayerSummary", "TensorDelta", "diff_models"]

DIFF_VERSION = 1
CHUNK_ELEMS = 1 << 22  # elements per streamed chunk (32 MiB as float64)
_CONFIG_FILES = (
    "config.json",
    "generation_config.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "preprocessor_config.json",
)
_LAYER_RE = re.compile(r"(?:^|\.)(?:layers|layer|h|blocks|block|blk)\.(\d+)\.")


@dataclass(frozen=True)
class TensorDelta:
    name: str
    dtype: str
    shape: tuple[int, ...]
    file_a: str
    file_b: str
    rel_l2: float | None = None
    max_abs: float | None = None
    frac_changed: float | None = None
    cosine: float | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        def num(x: float | None) -> float | str | None:
            if x is None or math.isfinite(x):
                return x
            return str(x)

        return {
            "name": self.name,
            "dtype": self.dtype,
            "shape": list(self.shape),
            "file_a": self.file_a,
            "file_b": self.file_b,
            "rel_l2": num(self.rel_l2),
            "max_abs": num(self.max_abs),
            "frac_changed": num(self.frac_changed),
            "cosine": num(self.cosine),
            "note": self.note,
        }


@dataclass(frozen=True)
class LayerSummary:
    component: str
    layers: tuple[int, ...]
    tensors: int
    median_rel_l2: float | None
    character: str

    def describe(self) -> str:
        where = _ranges(self.layers) if self.layers else "(not in a numbered layer)"
        size = f"~{self.median_rel_l2:.0e}" if self.median_rel_l2 is not None else "(n/a)"
        return f"{where} {self.component} changed by {size} relative L2 ({self.character})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "component": self.component,
            "layers": list(self.layers),
            "tensors": self.tensors,
            "median_rel_l2": self.median_rel_l2,
            "character": self.character,
            "summary": self.describe(),
        }


@dataclass(frozen=True)
class DiffResult:
    a: str
    b: str
    tensors_compared: int
    identical_tensors: int
    changed: tuple[TensorDelta, ...]
    retyped: tuple[dict[str, Any], ...]  # dtype/shape changes
    added: tuple[dict[str, Any], ...]
    removed: tuple[dict[str, Any], ...]
    layers: tuple[LayerSummary, ...]
    files_added: tuple[str, ...]
    files_removed: tuple[str, ...]
    files_changed: tuple[str, ...]
    configs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def same_weights(self) -> bool:
        return not (self.changed or self.retyped or self.added or self.removed)

    @property
    def packaging_changed(self) -> bool:
        return bool(self.files_added or self.files_removed or self.files_changed)

    @property
    def identical(self) -> bool:
        return self.same_weights

    def headline(self) -> str:
        if self.same_weights and self.tensors_compared == 0:
            return "no tensors found in either model (compared files only)"
        if self.same_weights:
            if self.packaging_changed:
                return "same weights, different packaging"
            return "identical weights"
        return (
            f"{len(self.changed)} tensors changed, {len(self.retyped)} changed dtype/shape, "
            f"{len(self.added)} added, {len(self.removed)} removed "
            f"({self.identical_tensors} of {self.tensors_compared} identical)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": DIFF_VERSION,
            "a": self.a,
            "b": self.b,
            "identical_weights": self.same_weights,
            "same_weights_different_packaging": self.same_weights and self.packaging_changed,
            "headline": self.headline(),
            "tensors_compared": self.tensors_compared,
            "identical_tensors": self.identical_tensors,
            "changed": [d.to_dict() for d in self.changed],
            "dtype_or_shape_changed": list(self.retyped),
            "added": list(self.added),
            "removed": list(self.removed),
            "layers": [layer.to_dict() for layer in self.layers],
            "files": {
                "added": list(self.files_added),
                "removed": list(self.files_removed),
                "changed": list(self.files_changed),
            },
            "configs": self.configs,
        }


def _ranges(layers: tuple[int, ...]) -> str:
    """(1, 2, 3, 7) -> "layers 1–3, 7"."""
    runs: list[list[int]] = []
    for x in layers:
        if runs and x == runs[-1][-1] + 1:
            runs[-1].append(x)
        else:
            runs.append([x])
    parts = [f"{r[0]}" if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs]
    word = "layer" if len(layers) == 1 else "layers"
    return f"{word} {', '.join(parts)}"


def _component(name: str) -> str:
    n = name.lower()
    for key, label in (
        (("mlp", "ffn", "feed_forward", "fc1", "fc2", "gate_proj", "up_proj", "down_proj"), "MLP"),
        (("attn", "attention", "q_proj", "k_proj", "v_proj", "o_proj"), "attention"),
        (("norm", "ln_", ".ln"), "norm"),
        (("embed", "wte", "wpe", "token_embd", "tok_embeddings"), "embeddings"),
        (("lm_head", "output."), "output head"),
    ):
        if any(k in n for k in key):
            return label
    return "other"


def _character(rel: float | None) -> str:
    if rel is None:
        return "quantized or non-numeric; bytes differ"
    if rel < 1e-6:
        return "numerically negligible, rounding-level"
    if rel < 3e-2:
        return "fine-tune-like"
    if rel < 0.5:
        return "substantial retraining"
    return "replaced or unrelated weights"


def _np_dtype(dtype: str) -> str | None:
    table = {
        "F64": "<f8", "F32": "<f4", "F16": "<f2", "BF16": "bf16", "I64": "<i8", "I32": "<i4",
        "I16": "<i2", "I8": "i1", "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1",
        "BOOL": "u1",
    }  # fmt: skip
    return table.get(dtype)


def _as_f64(raw: memoryview, np_dtype: str) -> np.ndarray[Any, Any]:
    if np_dtype == "bf16":
        u = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
        return u.view(np.float32).astype(np.float64)
    return np.frombuffer(raw, dtype=np_dtype).astype(np.float64)


def _index(path: Path) -> tuple[dict[str, tuple[ModelFile, TensorInfo, str]], list[ModelFile]]:
    model = walk_model(path)
    tensors: dict[str, tuple[ModelFile, TensorInfo, str]] = {}
    for f in model.files:
        table = read_tensor_table(f.path)
        if table is None:
            continue
        for t in table.tensors:
            if t.name in tensors:
                raise InputError(
                    f"tensor {t.name!r} appears in both {tensors[t.name][0].name} and {f.name}",
                    path,
                )
            tensors[t.name] = (f, t, table.format)
    return tensors, list(model.files)


def _chunks(
    mm_a: mmap.mmap, ta: TensorInfo, mm_b: mmap.mmap, tb: TensorInfo, step: int
) -> Iterator[tuple[memoryview, memoryview]]:
    va, vb = memoryview(mm_a), memoryview(mm_b)
    for off in range(0, ta.nbytes, step):
        n = min(step, ta.nbytes - off)
        yield va[ta.start + off : ta.start + off + n], vb[tb.start + off : tb.start + off + n]


def _compare_tensor(
    mm_a: mmap.mmap, ta: TensorInfo, mm_b: mmap.mmap, tb: TensorInfo, fmt: str
) -> tuple[bool, float | None, float | None, float | None, float | None]:
    """(identical, rel_l2, max_abs, frac_changed, cosine) streaming through both tensors."""
    np_dtype = _np_dtype(ta.dtype)
    itemsize = 2 if np_dtype == "bf16" else (np.dtype(np_dtype).itemsize if np_dtype else 1)
    step = CHUNK_ELEMS * itemsize
    if all(a == b for a, b in _chunks(mm_a, ta, mm_b, tb, step)):
        return True, 0.0, 0.0, 0.0, 1.0
    if np_dtype is None:
        # Quantized blocks: count differing bytes; numeric statistics would need dequantizing.
        diff = 0
        for a, b in _chunks(mm_a, ta, mm_b, tb, step):
            diff += int(np.count_nonzero(np.frombuffer(a, "u1") != np.frombuffer(b, "u1")))
        return False, None, None, diff / max(ta.nbytes, 1), None
    ss_d = ss_a = ss_b = dot = 0.0
    max_abs = 0.0
    changed = 0
    raw_dtype = "<u2" if np_dtype == "bf16" else np_dtype
    for a, b in _chunks(mm_a, ta, mm_b, tb, step):
        changed += int(np.count_nonzero(np.frombuffer(a, raw_dtype) != np.frombuffer(b, raw_dtype)))
        fa, fb = _as_f64(a, np_dtype), _as_f64(b, np_dtype)
        with np.errstate(all="ignore"):
            d = fb - fa
            ss_d += float(np.dot(d, d))
            ss_a += float(np.dot(fa, fa))
            ss_b += float(np.dot(fb, fb))
            dot += float(np.dot(fa, fb))
            m = float(np.max(np.abs(d))) if d.size else 0.0
        if m > max_abs or math.isnan(m):
            max_abs = m
    n = max(ta.nbytes // itemsize, 1)
    rel = math.sqrt(ss_d) / math.sqrt(ss_a) if ss_a > 0 else (math.inf if ss_d > 0 else 0.0)
    cos = dot / math.sqrt(ss_a * ss_b) if ss_a > 0 and ss_b > 0 else None
    return False, rel, max_abs, changed / n, cos


def _flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for k, v in obj.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: obj}


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _config_diff(fa: Path, fb: Path, name: str) -> list[dict[str, Any]]:
    a, b = _load_json(fa), _load_json(fb)
    if a is None or b is None:
        return [
            {
                "key": "(file)",
                "a": "unparseable" if a is None else "ok",
                "b": "unparseable" if b is None else "ok",
            }
        ]
    if name == "tokenizer.json" and isinstance(a, dict) and isinstance(b, dict):
        out = []
        va = len((a.get("model") or {}).get("vocab") or {})
        vb = len((b.get("model") or {}).get("vocab") or {})
        if va != vb:
            out.append({"key": "model.vocab (size)", "a": va, "b": vb})
        ta = {t.get("content") for t in a.get("added_tokens") or [] if isinstance(t, dict)}
        tb = {t.get("content") for t in b.get("added_tokens") or [] if isinstance(t, dict)}
        if ta != tb:
            out.append(
                {
                    "key": "added_tokens",
                    "a": sorted(map(str, ta - tb)),
                    "b": sorted(map(str, tb - ta)),
                }
            )
        if not out:
            out.append(
                {"key": "(contents)", "a": "…", "b": "differs (vocabulary, merges or settings)"}
            )
        return out
    flat_a, flat_b = _flatten(a), _flatten(b)
    rows = []
    for k in sorted(set(flat_a) | set(flat_b)):
        if flat_a.get(k, _MISSING) != flat_b.get(k, _MISSING):
            rows.append(
                {
                    "key": k,
                    "a": _short(flat_a.get(k, _MISSING)),
                    "b": _short(flat_b.get(k, _MISSING)),
                }
            )
    return rows


_MISSING = object()


def _short(v: Any) -> Any:
    if v is _MISSING:
        return "(absent)"
    text = json.dumps(v, ensure_ascii=False)
    return v if len(text) <= 200 else text[:197] + "…"


def diff_models(
    a: str | Path, b: str | Path, *, on_tensor: Callable[[int], None] | None = None
) -> DiffResult:
    pa, pb = Path(a), Path(b)
    ta, files_a = _index(pa)
    tb, files_b = _index(pb)
    changed: list[TensorDelta] = []
    retyped: list[dict[str, Any]] = []
    identical = 0
    common = sorted(set(ta) & set(tb))
    with ExitStack() as stack:
        maps: dict[Path, mmap.mmap] = {}

        def mm(f: ModelFile) -> mmap.mmap:
            if f.path not in maps:
                try:
                    fh = stack.enter_context(f.path.open("rb"))
                    maps[f.path] = stack.enter_context(
                        mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
                    )
                except (OSError, ValueError) as exc:
                    raise InputError(f"cannot map file: {exc}", f.path) from None
            return maps[f.path]

        for name in common:
            fa, ia, fmt_a = ta[name]
            fb, ib, fmt_b = tb[name]
            if ia.dtype != ib.dtype or ia.shape != ib.shape or fmt_a != fmt_b:
                retyped.append(
                    {
                        "name": name,
                        "a": {"dtype": ia.dtype, "shape": list(ia.shape), "file": fa.name},
                        "b": {"dtype": ib.dtype, "shape": list(ib.shape), "file": fb.name},
                    }
                )
            else:
                same, rel, mx, frac, cos = _compare_tensor(mm(fa), ia, mm(fb), ib, fmt_a)
                if same:
                    identical += 1
                else:
                    note = "" if rel is not None else "quantized: fraction of bytes changed"
                    changed.append(
                        TensorDelta(
                            name, ia.dtype, ia.shape, fa.name, fb.name, rel, mx, frac, cos, note
                        )
                    )
            if on_tensor:
                on_tensor(1)

    def brief(t: tuple[ModelFile, TensorInfo, str]) -> dict[str, Any]:
        f, i, _ = t
        return {"name": i.name, "dtype": i.dtype, "shape": list(i.shape), "file": f.name}

    added = tuple(brief(tb[n]) for n in sorted(set(tb) - set(ta)))
    removed = tuple(brief(ta[n]) for n in sorted(set(ta) - set(tb)))

    # Packaging: which files differ, by name and content (non-tensor files matter too).
    fa_map = {f.name: f for f in files_a}
    fb_map = {f.name: f for f in files_b}
    files_changed = []
    configs: dict[str, list[dict[str, Any]]] = {}
    for n in sorted(set(fa_map) & set(fb_map)):
        x, y = fa_map[n], fb_map[n]
        if x.size != y.size or hash_range(x.path, "sha256") != hash_range(y.path, "sha256"):
            files_changed.append(n)
            base = n.rsplit("/", 1)[-1]
            if (
                base in _CONFIG_FILES
                or base == "tokenizer.json"
                or (base.endswith(".json") and x.size < (5 << 20) and y.size < (5 << 20))
            ):
                configs[n] = _config_diff(x.path, y.path, base)
    return DiffResult(
        a=str(pa),
        b=str(pb),
        tensors_compared=len(common),
        identical_tensors=identical,
        changed=tuple(changed),
        retyped=tuple(retyped),
        added=added,
        removed=removed,
        layers=_summarise_layers(changed),
        files_added=tuple(sorted(set(fb_map) - set(fa_map))),
        files_removed=tuple(sorted(set(fa_map) - set(fb_map))),
        files_changed=tuple(files_changed),
        configs=configs,
    )


def _summarise_layers(changed: list[TensorDelta]) -> tuple[LayerSummary, ...]:
    groups: dict[str, list[tuple[int | None, TensorDelta]]] = {}
    for d in changed:
        m = _LAYER_RE.search(d.name)
        groups.setdefault(_component(d.name), []).append((int(m.group(1)) if m else None, d))
    out = []
    for comp, items in sorted(groups.items()):
        rels = sorted(
            d.rel_l2 for _, d in items if d.rel_l2 is not None and math.isfinite(d.rel_l2)
        )
        med = rels[len(rels) // 2] if rels else None
        layers = tuple(sorted({i for i, _ in items if i is not None}))
        out.append(LayerSummary(comp, layers, len(items), med, _character(med)))
    return tuple(out)
