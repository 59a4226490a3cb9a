"""Manifests: what a model is made of, as digests of files (or file shards) and of tensors.

The file part is exactly OpenSSF Model Signing v1.0's: a ``serialization`` (method ``files``
or ``shards``, hash type, shard size, symlink and ignore settings) and ``resources``, one per
file (named by its POSIX path) or per shard (``path:start:end``). The model's *root digest* is
OMS's subject digest: SHA-256 over the raw resource digests in resource order.

The tensor part is ours: for each safetensors/GGUF tensor its name, dtype, shape and the
digest of its raw bytes, plus the file that holds it. The *tensor digest* of a model is
SHA-256 over the canonical JSON of the sorted (name, dtype, shape, digest) list, so it does not
depend on how tensors are split across files: a re-sharded copy has the same tensor digest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from detente.artifacts import ModelFile, ModelFiles, read_tensor_table, walk_model
from detente.canonical import canonical_json
from detente.errors import FormatError, UsageError
from detente.integrity._hashing import ALGORITHMS, hash_range, hash_ranges_of_file, parallel_map

__all__ = [
    "DEFAULT_SHARD_SIZE",
    "Manifest",
    "Resource",
    "Serialization",
    "TensorRecord",
    "build_manifest",
    "canonical_json",
    "check_unique_names",
    "format_digest",
    "hash_files",
    "parse_digest",
    "tensor_records_for_file",
]

DEFAULT_SHARD_SIZE = 1_000_000_000  # model_signing's default
MANIFEST_VERSION = 1


def format_digest(algorithm: str, raw: bytes) -> str:
    return f"{algorithm}:{raw.hex()}"


def parse_digest(text: str) -> tuple[str, bytes]:
    algorithm, sep, hexpart = text.partition(":")
    try:
        if not sep or algorithm not in ALGORITHMS:
            raise ValueError
        return algorithm, bytes.fromhex(hexpart)
    except ValueError:
        raise FormatError(f"malformed digest {text!r} (expected algorithm:hex)") from None


@dataclass(frozen=True)
class Serialization:
    """OMS ``serialization`` parameters (model_signing ``manifest.SerializationType``)."""

    method: str = "files"  # "files" | "shards"
    hash_type: str = "sha256"
    shard_size: int | None = None
    allow_symlinks: bool = False
    ignore_paths: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.method not in ("files", "shards"):
            raise UsageError(f"unknown serialization method {self.method!r}")
        if self.hash_type not in ALGORITHMS:
            raise UsageError(f"unknown hash type {self.hash_type!r}")
        if self.method == "shards" and (not self.shard_size or self.shard_size <= 0):
            raise UsageError("shard serialization needs a positive shard size")
        if self.method == "shards" and self.hash_type == "blake3":
            raise UsageError("blake3 hashes whole files in parallel; use files serialization")

    @property
    def resource_algorithm(self) -> str:
        """The ``algorithm`` label of each resource: model_signing names shard digests
        ``<hash>-sharded-<shard size>`` (``_hashing/io.py`` digest_name_override)."""
        if self.method == "shards":
            return f"{self.hash_type}-sharded-{self.shard_size}"
        return self.hash_type

    def to_oms(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "method": self.method,
            "hash_type": self.hash_type,
            "allow_symlinks": self.allow_symlinks,
        }
        if self.method == "shards":
            out["shard_size"] = self.shard_size
        if self.ignore_paths:
            out["ignore_paths"] = list(self.ignore_paths)
        return out

    @classmethod
    def from_oms(cls, data: Any) -> Serialization:
        try:
            method = data["method"]
            if method not in ("files", "shards"):
                raise FormatError(f"unknown OMS serialization method {method!r}")
            ignore = data.get("ignore_paths", [])
            if not isinstance(ignore, list) or not all(isinstance(p, str) for p in ignore):
                raise FormatError("serialization.ignore_paths must be a list of strings")
            shard = data.get("shard_size") if method == "shards" else None
            # model_signing writes shard_size through a protobuf Struct, i.e. as a float.
            if isinstance(shard, float) and shard.is_integer():
                shard = int(shard)
            if method == "shards" and (type(shard) is not int or shard <= 0):
                raise FormatError(f"invalid shard_size {shard!r}")
            return cls(
                method=method,
                hash_type=str(data["hash_type"]),
                shard_size=shard,
                allow_symlinks=bool(data.get("allow_symlinks", False)),
                ignore_paths=tuple(ignore),
            )
        except (KeyError, TypeError) as exc:
            raise FormatError(f"malformed OMS serialization: {exc!r}") from None
        except UsageError as exc:
            raise FormatError(f"unsupported OMS serialization: {exc}") from None


@dataclass(frozen=True)
class Resource:
    """One OMS resource: a file (``name`` = path) or a shard (``name`` = ``path:start:end``)."""

    name: str
    algorithm: str
    digest: bytes

    @property
    def path(self) -> str:
        return self.name.rsplit(":", 2)[0] if self.is_shard else self.name

    @property
    def is_shard(self) -> bool:
        parts = self.name.rsplit(":", 2)
        return len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit()

    @property
    def span(self) -> tuple[int, int] | None:
        if not self.is_shard:
            return None
        _, start, end = self.name.rsplit(":", 2)
        return int(start), int(end)

    def sort_key(self) -> tuple[Any, ...]:
        # model_signing sorts resources by PurePosixPath (component-wise), then shard span.
        span = self.span or (0, 0)
        return (PurePosixPath(self.path).parts, span)

    def digest_str(self) -> str:
        return format_digest(self.algorithm.split("-sharded-")[0], self.digest)


@dataclass(frozen=True)
class TensorRecord:
    """A tensor's identity (name, dtype, shape, digest) and where it lives."""

    name: str
    dtype: str
    shape: tuple[int, ...]
    digest: str  # "sha256:hex" / "blake3:hex"
    file: str
    format: str = ""

    def identity(self) -> tuple[str, str, tuple[int, ...], str]:
        return (self.name, self.dtype, self.shape, self.digest)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "dtype": self.dtype,
            "shape": list(self.shape),
            "digest": self.digest,
            "file": self.file,
        }

    @classmethod
    def from_dict(cls, d: Any) -> TensorRecord:
        try:
            shape = d["shape"]
            if not isinstance(shape, list) or not all(type(x) is int for x in shape):
                raise TypeError("shape")
            parse_digest(str(d["digest"]))
            return cls(
                str(d["name"]), str(d["dtype"]), tuple(shape), str(d["digest"]), str(d["file"])
            )
        except (KeyError, TypeError) as exc:
            raise FormatError(f"malformed tensor record: {exc!r}") from None


@dataclass(frozen=True)
class Manifest:
    model_name: str
    serialization: Serialization
    resources: tuple[Resource, ...]
    tensors: tuple[TensorRecord, ...] | None = None
    file_sizes: dict[str, int] = field(default_factory=dict, compare=False)

    @property
    def root_digest(self) -> str:
        """OMS subject digest: sha256 over the raw resource digests, in resource order."""
        h = hashlib.sha256()
        for r in self.resources:
            h.update(r.digest)
        return format_digest("sha256", h.digest())

    @property
    def tensor_digest(self) -> str | None:
        if self.tensors is None:
            return None
        return tensor_set_digest(self.tensors)

    def files(self) -> list[str]:
        seen: dict[str, None] = {}
        for r in self.resources:
            seen.setdefault(r.path, None)
        return list(seen)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": MANIFEST_VERSION,
            "model_name": self.model_name,
            "serialization": self.serialization.to_oms(),
            "root_digest": self.root_digest,
            "tensor_digest": self.tensor_digest,
            "resources": [
                {"name": r.name, "algorithm": r.algorithm, "digest": r.digest.hex()}
                for r in self.resources
            ],
            "tensors": None if self.tensors is None else [t.to_dict() for t in self.tensors],
        }


def tensor_set_digest(tensors: Iterable[TensorRecord]) -> str:
    rows = sorted([t.name, t.dtype, list(t.shape), t.digest] for t in tensors)
    return format_digest("sha256", hashlib.sha256(canonical_json(rows)).digest())


def sorted_resources(resources: Iterable[Resource]) -> tuple[Resource, ...]:
    return tuple(sorted(resources, key=Resource.sort_key))


def _shards(size: int, shard_size: int) -> list[tuple[int, int]]:
    # model_signing file_shard._get_shards: empty files have no shards at all.
    return [(s, min(s + shard_size, size)) for s in range(0, size, shard_size)]


def tensor_records_for_file(
    f: ModelFile, algorithm: str, only: set[str] | None = None
) -> tuple[TensorRecord, ...] | None:
    """Digest every tensor of a safetensors/GGUF file (None when it is neither)."""
    table = read_tensor_table(f.path)
    if table is None:
        return None
    infos = [t for t in table.tensors if only is None or t.name in only]
    _, digests = hash_ranges_of_file(f.path, algorithm, [(t.name, t.start, t.end) for t in infos])
    return tuple(
        TensorRecord(
            t.name,
            t.dtype,
            t.shape,
            format_digest(algorithm, digests[t.name]),
            f.name,
            table.format,
        )
        for t in infos
    )


# A digest source: given (file, start, end) returns raw digest; lets the cache slot in.
RangeHasher = Callable[[ModelFile, str, int, int | None], bytes]


def _plain_range_hasher(f: ModelFile, algorithm: str, start: int, end: int | None) -> bytes:
    return hash_range(f.path, algorithm, start, end, threads=algorithm == "blake3")


def hash_files(
    files: Sequence[ModelFile],
    serialization: Serialization,
    *,
    range_hasher: RangeHasher | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> list[Resource]:
    """OMS resources for ``files`` under ``serialization`` (parallel across files/shards)."""
    algo = serialization.hash_type
    hasher = range_hasher or _plain_range_hasher
    jobs: list[tuple[ModelFile, str, int, int | None]] = []
    for f in files:
        if serialization.method == "files":
            jobs.append((f, f.name, 0, None))
        else:
            assert serialization.shard_size
            for s, e in _shards(f.size, serialization.shard_size):
                jobs.append((f, f"{f.name}:{s}:{e}", s, e))

    def run(job: tuple[ModelFile, str, int, int | None]) -> Resource:
        f, name, s, e = job
        digest = hasher(f, algo, s, e)
        return Resource(name, serialization.resource_algorithm, digest)

    def weight(job: tuple[ModelFile, str, int, int | None]) -> int:
        return (job[3] if job[3] is not None else job[0].size) - job[2]

    done = (lambda job: on_bytes(weight(job))) if on_bytes else None
    # blake3 already uses every core inside one file; more threads would only contend.
    workers = 1 if algo == "blake3" else None
    return parallel_map(run, jobs, weight=weight, workers=workers, on_done=done)


def build_manifest(
    path: str | Path,
    *,
    algorithm: str = "sha256",
    method: str = "files",
    shard_size: int = DEFAULT_SHARD_SIZE,
    tensors: bool = True,
    ignore_paths: Iterable[str] = (),
    allow_symlinks: bool = False,
    model_name: str | None = None,
    on_bytes: Callable[[int], None] | None = None,
) -> Manifest:
    """Hash the model at ``path`` into a manifest (files or shards, plus tensors).

    ``ignore_paths`` are relative to the model directory (OMS semantics).
    """
    ignore = tuple(ignore_paths)
    model = walk_model(path, ignore=ignore, allow_symlinks=allow_symlinks)
    ser = Serialization(
        method=method,
        hash_type=algorithm,
        shard_size=shard_size if method == "shards" else None,
        allow_symlinks=allow_symlinks or model.has_symlinks,
        ignore_paths=ignore
        + ((".git", ".gitattributes", ".github", ".gitignore") if not model.single_file else ()),
    )
    return manifest_for_files(model, ser, tensors=tensors, model_name=model_name, on_bytes=on_bytes)


def manifest_for_files(
    model: ModelFiles,
    ser: Serialization,
    *,
    tensors: bool = True,
    model_name: str | None = None,
    on_bytes: Callable[[int], None] | None = None,
    range_hasher: RangeHasher | None = None,
) -> Manifest:
    files = model.files
    if model.single_file:
        # model_signing names the only resource "." when the model is a single file.
        files = (replace(files[0], name="."),)
    resources = hash_files(files, ser, range_hasher=range_hasher, on_bytes=on_bytes)
    records: tuple[TensorRecord, ...] | None = None
    if tensors:
        per_file = parallel_map(
            lambda f: tensor_records_for_file(f, ser.hash_type) or (),
            files,
            weight=lambda f: f.size,
        )
        records = tuple(sorted((r for rs in per_file for r in rs), key=lambda r: r.name))
        check_unique_names(records, str(model.root))
    name = model_name or (
        model.files[0].path.name if model.single_file else Path(model.root).resolve().name
    )
    return Manifest(
        model_name=name,
        serialization=ser,
        resources=sorted_resources(resources),
        tensors=records,
        file_sizes={f.name: f.size for f in files},
    )


def check_unique_names(records: Iterable[TensorRecord], where: str) -> None:
    seen: dict[str, str] = {}
    for r in records:
        if r.name in seen:
            raise FormatError(  # the model contradicts itself: corrupt, not unreadable
                f"tensor {r.name!r} appears in both {seen[r.name]} and {r.file}", where
            )
        seen[r.name] = r.file
