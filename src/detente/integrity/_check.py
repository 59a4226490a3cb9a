"""Check a model on disk against an expected manifest and name everything that differs.

Speed: file (or shard) digests are checked first, in parallel; tensor digests are computed
only for the files that mismatch, so an intact model costs one file-level pass and a tampered
one still names its tensors. ``only`` restricts the check to some files or tensors.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from detente.artifacts import ModelFile, read_tensor_table, walk_model
from detente.errors import UsageError
from detente.integrity._cache import DigestCache
from detente.integrity._hashing import hash_ranges_of_file, parallel_map
from detente.integrity._manifest import (
    Manifest,
    Resource,
    TensorRecord,
    format_digest,
    hash_files,
    tensor_records_for_file,
)

__all__ = ["FileChange", "IntegrityResult", "TensorChange", "check_model"]


@dataclass(frozen=True)
class FileChange:
    name: str
    expected: str  # digest(s), "algo:hex" (shards: the first differing shard)
    actual: str
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "expected": self.expected,
            "actual": self.actual,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class TensorChange:
    name: str
    kind: str  # "changed" | "added" | "missing"
    file: str
    expected: TensorRecord | None
    actual: TensorRecord | None

    def describe(self) -> str:
        e, a = self.expected, self.actual
        if self.kind == "changed" and e and a:
            parts = []
            if e.dtype != a.dtype:
                parts.append(f"dtype {e.dtype} -> {a.dtype}")
            if e.shape != a.shape:
                parts.append(f"shape {list(e.shape)} -> {list(a.shape)}")
            if e.digest != a.digest and not parts:
                parts.append("contents changed")
            where = a.file if a.file == e.file else f"{e.file} -> {a.file}"
            return f"{self.name} [{a.dtype} {list(a.shape)}] in {where}: {', '.join(parts)}"
        rec = a or e
        assert rec is not None
        return f"{self.name} [{rec.dtype} {list(rec.shape)}] in {rec.file}: {self.kind}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "file": self.file,
            "expected": self.expected.to_dict() if self.expected else None,
            "actual": self.actual.to_dict() if self.actual else None,
        }


@dataclass(frozen=True)
class IntegrityResult:
    expected_root: str
    files_checked: int
    bytes_hashed: int
    changed_files: tuple[FileChange, ...] = ()
    added_files: tuple[str, ...] = ()
    missing_files: tuple[str, ...] = ()
    renamed_files: tuple[tuple[str, str], ...] = ()
    tensor_changes: tuple[TensorChange, ...] = ()
    tensors_checked: int = 0
    tensor_coverage: bool = False
    partial: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not (
            self.changed_files
            or self.added_files
            or self.missing_files
            or self.renamed_files
            or self.tensor_changes
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "expected_root_digest": self.expected_root,
            "files_checked": self.files_checked,
            "bytes_hashed": self.bytes_hashed,
            "changed_files": [c.to_dict() for c in self.changed_files],
            "added_files": list(self.added_files),
            "missing_files": list(self.missing_files),
            "renamed_files": [{"from": a, "to": b} for a, b in self.renamed_files],
            "tensor_changes": [t.to_dict() for t in self.tensor_changes],
            "tensors_checked": self.tensors_checked,
            "tensor_coverage": self.tensor_coverage,
            "partial": list(self.partial),
            "notes": list(self.notes),
        }


def _group(resources: Iterable[Resource]) -> dict[str, dict[str, bytes]]:
    out: dict[str, dict[str, bytes]] = {}
    for r in resources:
        out.setdefault(r.path, {})[r.name] = r.digest
    return out


def check_model(
    path: str | Path,
    expected: Manifest,
    *,
    extra_ignores: Iterable[str] = (),
    only: Iterable[str] | None = None,
    cache: DigestCache | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> IntegrityResult:
    ser = expected.serialization
    model = walk_model(
        path,
        ignore=tuple(ser.ignore_paths) + tuple(extra_ignores),
        ignore_git=False,  # the signed serialization lists exactly what was ignored
        allow_symlinks=ser.allow_symlinks,
    )
    files = list(model.files)
    if model.single_file:
        files = [replace(files[0], name=".")]
    by_name = {f.name: f for f in files}
    exp_files = _group(expected.resources)
    exp_tensors = {t.name: t for t in expected.tensors or ()}

    only_files: set[str] | None = None
    only_tensors: set[str] = set()
    if only is not None:
        only_files = set()
        weight_map: dict[str, str] | None = None
        for item in only:
            if item in exp_files or item in by_name:
                only_files.add(item)
            elif item in exp_tensors:
                only_tensors.add(item)
            else:
                # Without tensor digests in the signature, fall back to the shard that the
                # model's safetensors index names for this tensor and verify that whole file.
                if weight_map is None:
                    weight_map = _index_weight_map(by_name)
                shard = weight_map.get(item)
                if shard is not None and shard in exp_files:
                    only_files.add(shard)
                elif expected.tensors is None:
                    raise UsageError(
                        f"{item!r} is not a file of the signed model, the signature has no "
                        "tensor digests, and no safetensors index maps it to a file"
                    )
                else:
                    raise UsageError(f"{item!r} is neither a file nor a tensor of the signed model")

    range_hasher = None
    if cache is not None:
        c = cache

        def range_hasher(f: ModelFile, algo: str, s: int, e: int | None) -> bytes:
            return c.digest(f.path, algo, s, e)

    to_hash = [f for f in files if only_files is None or f.name in only_files]
    actual = hash_files(to_hash, ser, range_hasher=range_hasher, on_bytes=on_bytes)
    act_files = _group(actual)
    bytes_hashed = sum(f.size for f in to_hash)

    scope = set(exp_files) | set(act_files) if only_files is None else only_files
    changed: list[FileChange] = []
    added: list[str] = []
    missing: list[str] = []
    for name in sorted(scope):
        e, a = exp_files.get(name), act_files.get(name)
        if e is None and a is None:
            # Empty files have no shards (model_signing): present on both sides, nothing to hash.
            if name in by_name and ser.method == "shards" and by_name[name].size == 0:
                continue
            missing.append(name)
        elif e is None:
            if ser.method == "shards" and name in by_name and by_name[name].size == 0:
                continue
            added.append(name)
        elif a is None:
            if name in by_name and by_name[name].size == 0:
                changed.append(
                    FileChange(name, _first(e, ser.hash_type), "(empty)", "truncated to 0 bytes")
                )
            else:
                missing.append(name)
        elif e != a:
            changed.append(_file_change(name, e, a, ser.hash_type))

    renamed: list[tuple[str, str]] = []
    for m in list(missing):
        for ad in list(added):
            if sorted(exp_files[m].values()) == sorted(act_files[ad].values()) and m in exp_files:
                renamed.append((m, ad))
                missing.remove(m)
                added.remove(ad)
                break

    tensor_changes: list[TensorChange] = []
    tensors_checked = 0
    notes: list[str] = []
    if expected.tensors is not None:
        suspect = {c.name for c in changed} | set(added) | set(missing)
        if suspect:
            tensor_changes, tensors_checked = _tensor_diff(
                suspect, by_name, expected.tensors, ser.hash_type
            )
            touched = {t.file for t in tensor_changes} | {
                t.expected.file for t in tensor_changes if t.expected
            }
            holders = {t.file for t in expected.tensors}
            notes += [
                f"{c.name}: every tensor is intact; the header/metadata bytes changed"
                for c in changed
                if c.name in holders and c.name not in touched
            ]
        if only_tensors:
            tc, n, nbytes = _check_tensors(only_tensors, exp_tensors, by_name, ser.hash_type)
            tensor_changes += tc
            tensors_checked += n
            bytes_hashed += nbytes
    elif changed:
        notes.append("the signature carries no tensor digests, so changes are named per file only")

    return IntegrityResult(
        expected_root=expected.root_digest,
        files_checked=len(to_hash),
        bytes_hashed=bytes_hashed,
        changed_files=tuple(changed),
        added_files=tuple(added),
        missing_files=tuple(missing),
        renamed_files=tuple(renamed),
        tensor_changes=tuple(sorted(tensor_changes, key=lambda t: t.name)),
        tensors_checked=tensors_checked,
        tensor_coverage=expected.tensors is not None,
        partial=tuple(sorted((only_files or set()) | only_tensors)) if only is not None else (),
        notes=tuple(notes),
    )


def _index_weight_map(files: dict[str, ModelFile]) -> dict[str, str]:
    """tensor -> file from every ``*.safetensors.index.json`` (Hugging Face sharded models)."""
    out: dict[str, str] = {}
    for name, f in files.items():
        if not name.endswith(".safetensors.index.json") or f.size > (64 << 20):
            continue
        try:
            data = json.loads(f.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        wm = data.get("weight_map") if isinstance(data, dict) else None
        if isinstance(wm, dict):
            prefix = name.rsplit("/", 1)[0] + "/" if "/" in name else ""
            out.update({str(k): prefix + str(v) for k, v in wm.items() if isinstance(v, str)})
    return out


def _first(d: dict[str, bytes], algo: str) -> str:
    return format_digest(algo, d[sorted(d)[0]])


def _file_change(name: str, e: dict[str, bytes], a: dict[str, bytes], algo: str) -> FileChange:
    if set(e) == set(a) == {name}:  # files serialization: one resource named after the file
        return FileChange(name, format_digest(algo, e[name]), format_digest(algo, a[name]))
    diff = sorted(k for k in set(e) | set(a) if e.get(k) != a.get(k))
    first = diff[0]
    ed, ad = e.get(first), a.get(first)
    detail = f"{len(diff)} of {len(e)} signed shards differ (first: {first})"
    return FileChange(
        name,
        format_digest(algo, ed) if ed else "(none)",
        format_digest(algo, ad) if ad else "(none)",
        detail,
    )


def _tensor_diff(
    suspect: set[str],
    files: dict[str, ModelFile],
    expected: Iterable[TensorRecord],
    algo: str,
) -> tuple[list[TensorChange], int]:
    exp = {t.name: t for t in expected if t.file in suspect}
    present = [files[n] for n in sorted(suspect) if n in files]
    per_file = parallel_map(lambda f: _safe_records(f, algo), present, weight=lambda f: f.size)
    act = {r.name: r for rs in per_file for r in rs}
    out: list[TensorChange] = []
    for name in sorted(set(exp) | set(act)):
        e, a = exp.get(name), act.get(name)
        if e is not None and a is not None:
            if e.identity() != a.identity():
                out.append(TensorChange(name, "changed", a.file, e, a))
        elif e is not None:
            out.append(TensorChange(name, "missing", e.file, e, None))
        elif a is not None:
            out.append(TensorChange(name, "added", a.file, None, a))
    return out, len(act)


def _safe_records(f: ModelFile, algo: str) -> tuple[TensorRecord, ...]:
    # A tampered file may no longer parse; that is reported at file level already.
    from detente.errors import FormatError

    try:
        return tensor_records_for_file(f, algo) or ()
    except FormatError:
        return ()


def _check_tensors(
    names: set[str], exp: dict[str, TensorRecord], files: dict[str, ModelFile], algo: str
) -> tuple[list[TensorChange], int, int]:
    out: list[TensorChange] = []
    nbytes = 0
    by_file: dict[str, list[str]] = {}
    for n in names:
        by_file.setdefault(exp[n].file, []).append(n)
    checked = 0
    for fname, tnames in sorted(by_file.items()):
        f = files.get(fname)
        table = read_tensor_table(f.path) if f else None
        infos = table.by_name() if table else {}
        ranges = [(n, infos[n].start, infos[n].end) for n in tnames if n in infos]
        digests = hash_ranges_of_file(f.path, algo, ranges)[1] if f and ranges else {}
        nbytes += sum(e - s for _, s, e in ranges)
        for n in sorted(tnames):
            e = exp[n]
            if n not in infos:
                out.append(TensorChange(n, "missing", fname, e, None))
                continue
            i = infos[n]
            a = TensorRecord(n, i.dtype, i.shape, format_digest(algo, digests[n]), fname)
            checked += 1
            if a.identity() != e.identity():
                out.append(TensorChange(n, "changed", fname, e, a))
    return out, checked, nbytes
