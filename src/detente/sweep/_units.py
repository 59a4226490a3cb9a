"""Work units: a model is one unit, except its very large files, which become byte-range units.

SHA-256 is a sequential Merkle–Damgård chain: the digest of a whole file cannot be combined
from digests of its parts. So a large file is split by *what is independent in the manifest*:

- every tensor's digest (the tensor digest, OMS-independent) is over that tensor's bytes only,
  so a **range unit** ``[start, end)`` digests the tensors whose first byte lies in it (reading
  past ``end`` only for a tensor that straddles it; a single tensor is never split);
- with OMS ``shards`` serialization (model_signing ``file_shard``), every shard digest is over
  ``[k·shard_size, (k+1)·shard_size)`` only, so range units aligned to the shard size digest
  their shards too, and the root digest (SHA-256 over resource digests) follows exactly;
- with OMS ``files`` serialization (the default), the file's own digest needs one sequential
  pass: a **file-digest unit** that runs beside the range units. It bounds that file at one
  core's hash rate, but no other work waits for it.

The **model unit** does everything else: scan, format inventory, and the manifest of the
model's other files. :func:`run_unit` never raises: failures become :class:`FileError` values.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from detente.artifacts import ModelFiles, read_tensor_table, walk_model
from detente.errors import Error, FormatError, InputError
from detente.integrity import (
    DEFAULT_SHARD_SIZE,
    Manifest,
    Resource,
    Serialization,
    TensorRecord,
    build_manifest,
    format_digest,
    hash_range,
    hash_ranges_of_file,
)
from detente.scan import scan_paths
from detente.sweep._result import FileError

__all__ = [
    "DEFAULT_SPLIT_ABOVE",
    "ModelEntry",
    "ModelUnit",
    "Part",
    "RangeUnit",
    "Settings",
    "Unit",
    "plan_units",
    "run_unit",
]

DEFAULT_SPLIT_ABOVE = 2 * DEFAULT_SHARD_SIZE
_INLINE_FILES = 256  # a model this small is hashed inside its model unit, sequentially
_INLINE_BYTES = 64 << 20
RETRIES = 2  # bounded retries for transient read errors; corrupt input is never retried
_T = TypeVar("_T")


@dataclass(frozen=True)
class Settings:
    """How models are hashed (OMS serialization) and when a file is split into range units."""

    method: str = "files"
    algorithm: str = "sha256"
    shard_size: int = DEFAULT_SHARD_SIZE
    split_above: int = DEFAULT_SPLIT_ABOVE
    unit_size: int = DEFAULT_SHARD_SIZE

    def serialization(self) -> Serialization:
        shard = self.shard_size if self.method == "shards" else None
        return Serialization(method=self.method, hash_type=self.algorithm, shard_size=shard)

    @property
    def step(self) -> int:
        """Range-unit size; a multiple of the shard size so shards never straddle two units."""
        if self.method != "shards":
            return max(1, self.unit_size)
        return max(1, self.unit_size // self.shard_size) * self.shard_size


@dataclass(frozen=True)
class ModelEntry:
    """A model as the driver sees it before any work: its files' names, paths and sizes."""

    root: str
    fingerprint: str
    files: tuple[tuple[str, str, int], ...]  # (manifest name, path, size)
    single_file: bool


@dataclass(frozen=True)
class ModelUnit:
    root: str
    fingerprint: str
    big: tuple[str, ...]  # files left to range units
    settings: Settings


@dataclass(frozen=True)
class RangeUnit:
    root: str
    path: str
    name: str  # the file's manifest name ("." for a single-file model)
    start: int
    end: int
    last: bool  # also owns tensors that start at or past ``end`` (zero-length at the end)
    whole_file: bool  # the file-digest unit (files serialization)
    settings: Settings


Unit = ModelUnit | RangeUnit


@dataclass(frozen=True)
class Part:
    """What one unit found; :func:`detente.sweep._combine.combine` joins a model's parts."""

    root: str
    files: int = 0
    bytes: int = 0
    resources: tuple[Resource, ...] = ()
    tensors: tuple[TensorRecord, ...] = ()
    errors: tuple[FileError, ...] = ()
    base: dict[str, Any] | None = None  # the model unit's facts (formats, findings, …)
    small: Manifest | None = None  # the model unit's manifest of its small files


def plan_units(entry: ModelEntry, settings: Settings) -> list[Unit]:
    """The model's units, longest first (file-digest units, then ranges, then the model)."""
    units: list[Unit] = []
    big = [(n, p, s) for n, p, s in entry.files if s > settings.split_above]
    for name, path, size in big:
        if settings.method == "files":
            units.append(RangeUnit(entry.root, path, name, 0, size, True, True, settings))
        for a in range(0, size, settings.step):
            b = min(a + settings.step, size)
            units.append(RangeUnit(entry.root, path, name, a, b, b >= size, False, settings))
    units.append(ModelUnit(entry.root, entry.fingerprint, tuple(n for n, _, _ in big), settings))
    return units


def _retrying(stage: str, file: str, fn: Callable[[], _T], errors: list[FileError]) -> _T | None:
    for attempt in range(1, RETRIES + 2):
        try:
            return fn()
        except FormatError as exc:  # corrupt input: recorded, never retried
            errors.append(FileError(stage, exc.path or file, str(exc), attempt))
            return None
        except (InputError, OSError) as exc:  # unreadable now: maybe a flaky mount, retry
            if attempt > RETRIES:
                path = getattr(exc, "path", None) or file
                errors.append(FileError(stage, str(path), str(exc), attempt))
                return None
            time.sleep(0.05 * attempt)
        except Error as exc:
            errors.append(FileError(stage, file, str(exc), attempt))
            return None
    return None


def _formats(model: ModelFiles, errors: list[FileError]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for f in model.files:
        before = len(errors)
        table = _retrying("inventory", str(f.path), partial(read_tensor_table, f.path), errors)
        if len(errors) > before:
            counts["corrupt"] += 1
            continue
        counts[table.format if table else (Path(f.name).suffix.lstrip(".").lower() or "none")] += 1
    return dict(sorted(counts.items()))


def _shell(u: ModelUnit, model: ModelFiles, skip: tuple[str, ...]) -> Manifest:
    """The manifest of the files not in ``skip`` (left to range units or hashed inline), with
    the serialization ``build_manifest`` gives the whole model: ``skip`` is only ignored."""
    s = u.settings
    if model.single_file:
        if not skip:
            return build_manifest(
                u.root, algorithm=s.algorithm, method=s.method, shard_size=s.shard_size
            )
        ser = replace(s.serialization(), allow_symlinks=model.has_symlinks)
        return Manifest(model.files[0].path.name, ser, (), ())
    m = build_manifest(
        u.root, algorithm=s.algorithm, method=s.method, shard_size=s.shard_size, ignore_paths=skip
    )
    ser = replace(m.serialization, ignore_paths=m.serialization.ignore_paths[len(skip) :])
    return replace(m, serialization=ser)


def _inline(u: ModelUnit, model: ModelFiles) -> list[RangeUnit]:
    """A small model's files, hashed here one after the other by the range-unit code: for a
    model of a few kilobytes, build_manifest's thread pools cost more than the hashing."""
    todo = [f for f in model.files if f.name not in u.big]
    if model.single_file and u.big:
        todo = []
    if len(todo) > _INLINE_FILES or sum(f.size for f in todo) > _INLINE_BYTES:
        return []
    s, units = u.settings, []
    for f in todo:
        name = "." if model.single_file else f.name
        if s.method == "files":
            units.append(RangeUnit(u.root, str(f.path), name, 0, f.size, True, True, s))
        units.append(RangeUnit(u.root, str(f.path), name, 0, f.size, True, False, s))
    return units


def _run_model(u: ModelUnit) -> Part:
    errors: list[FileError] = []
    model = walk_model(u.root)
    inline = _inline(u, model)
    skip = tuple(dict.fromkeys([*u.big, *(r.name for r in inline)]))
    manifest = _retrying("manifest", u.root, partial(_shell, u, model, skip), errors)
    parts = [_run_range(r) for r in inline]
    report = _retrying("scan", u.root, lambda: scan_paths([Path(u.root)]), errors)
    small = [f for f in model.files if f.name not in u.big and not (model.single_file and u.big)]
    base = {
        "fingerprint": u.fingerprint,
        "files": len(model.files),
        "bytes": model.total_bytes,
        "formats": _formats(model, errors),
        "findings": tuple(f.to_dict() for f in report.findings) if report is not None else (),
    }
    return Part(
        u.root, len(small), sum(f.size for f in small),
        resources=tuple(r for p in parts for r in p.resources),
        tensors=tuple(t for p in parts for t in p.tensors),
        errors=tuple(errors) + tuple(e for p in parts for e in p.errors),
        base=base, small=manifest,
    )  # fmt: skip


def _run_range(u: RangeUnit) -> Part:
    errors: list[FileError] = []
    path, s = Path(u.path), u.settings
    ser = s.serialization()
    if u.whole_file:
        raw = _retrying("manifest", u.path, lambda: hash_range(path, s.algorithm), errors)
        res = () if raw is None else (Resource(u.name, ser.resource_algorithm, raw),)
        return Part(u.root, 1, 0, resources=res, errors=tuple(errors))
    resources: list[Resource] = []
    if s.method == "shards":
        for a in range(u.start, u.end, s.shard_size):
            b = min(a + s.shard_size, u.end)
            raw = _retrying(
                "manifest", u.path, partial(hash_range, path, s.algorithm, a, b), errors
            )
            if raw is not None:
                resources.append(Resource(f"{u.name}:{a}:{b}", ser.resource_algorithm, raw))
    tensors = _retrying("tensors", u.path, lambda: _range_tensors(u), errors) or ()
    return Part(u.root, 0, u.end - u.start, tuple(resources), tensors, tuple(errors))


def _range_tensors(u: RangeUnit) -> tuple[TensorRecord, ...]:
    table = read_tensor_table(u.path)
    if table is None:
        return ()
    mine = [t for t in table.tensors if u.start <= t.start and (t.start < u.end or u.last)]
    algo = u.settings.algorithm
    _, raw = hash_ranges_of_file(Path(u.path), algo, [(t.name, t.start, t.end) for t in mine])
    return tuple(
        TensorRecord(
            t.name, t.dtype, t.shape, format_digest(algo, raw[t.name]), u.name, table.format
        )
        for t in mine
    )


def run_unit(unit: Unit) -> Part:
    """Run one unit; never raises (a bug in a unit is recorded, the sweep goes on)."""
    try:
        return _run_range(unit) if isinstance(unit, RangeUnit) else _run_model(unit)
    except Exception as exc:  # a crash in one unit must not abort a hub-wide sweep
        where = unit.path if isinstance(unit, RangeUnit) else unit.root
        err = FileError("internal", where, f"{type(exc).__name__}: {exc}")
        return Part(unit.root, errors=(err,))
