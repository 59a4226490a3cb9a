"""The analyzers, one per format family, and the ordered registry the dispatcher walks.

Order matters and is the documented decision procedure: containers and formats with a magic
number first (GGUF, npy, zip, tar, compressed streams, safetensors, HDF5, pickle), then
formats known by name (SavedModel, ONNX, Python, YAML, Jinja, JSON), then the by-name
fallbacks that report a model-file name whose content is not what the name says.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from detente.artifacts import (
    NPY_MAGIC,
    SizeLimitExceeded,
    decompress,
    is_tar,
    is_zip,
    looks_like_safetensors,
    sniff_compression,
)
from detente.errors import FormatError
from detente.scan import _rules as R
from detente.scan._analyzer import Analyzer, Item
from detente.scan._archives import ForeignArchive
from detente.scan._containers import scan_npy, scan_tar, scan_zip
from detente.scan._finding import Finding, Location
from detente.scan._pickle_scan import PICKLE_NAMES, looks_like_pickle, pickle_findings

if TYPE_CHECKING:
    from detente.scan._base import ScanContext

__all__ = ["ANALYZERS"]

# The format parsers (``_formats``: ast, json, protobuf; ``_template``) are imported by the
# analyse step that needs them, never by sniffing: start-up is the whole cost of scanning a
# torch zip, whose only analysed member is data.pkl (issue 16).

_MODEL_NAMES = (*PICKLE_NAMES, ".npy", ".npz", ".h5", ".hdf5", ".keras", ".onnx", ".gguf",
                ".safetensors", ".pb", ".tflite", ".nemo", ".mar", ".zip", ".tar")  # fmt: skip
_HDF5 = b"\x89HDF\r\n\x1a\n"
_WEAK_COMPRESSION = ("zlib", "lzma")  # plain data can start like these


class Gguf:
    name = "gguf"

    def __init__(self, *, by_name: bool = False) -> None:
        self.by_name = by_name

    def sniff(self, item: Item, ctx: ScanContext) -> bool:
        return item.name.endswith(".gguf") if self.by_name else item.head[:4] == b"GGUF"

    def analyse(self, item: Item, ctx: ScanContext) -> list[Finding] | None:
        from detente.scan._formats import scan_gguf

        if self.by_name:  # wrong magic: the parser reports it
            return scan_gguf(item.head, len(item.head), item.location)
        return scan_gguf(item.data, item.size, item.location)


class Npy:
    name = "npy"

    def sniff(self, item: Item, ctx: ScanContext) -> bool:
        return item.head.startswith(NPY_MAGIC)

    def analyse(self, item: Item, ctx: ScanContext) -> list[Finding] | None:
        return scan_npy(item.data, item.location,
                        lambda d, loc, off: pickle_findings(d, loc, ctx, off, claimed=True))  # fmt: skip


class Zip:
    name = "zip"

    def sniff(self, item: Item, ctx: ScanContext) -> bool:
        return is_zip(item.head)

    def analyse(self, item: Item, ctx: ScanContext) -> list[Finding] | None:
        return scan_zip(item.data, item.location, ctx, ctx.scan_nested)


class Tar:
    name = "tar"

    def sniff(self, item: Item, ctx: ScanContext) -> bool:
        return is_tar(item.head)

    def analyse(self, item: Item, ctx: ScanContext) -> list[Finding] | None:
        return scan_tar(item.data, item.location, ctx, ctx.scan_nested)


class Compressed:
    name = "compressed"

    def sniff(self, item: Item, ctx: ScanContext) -> bool:
        return not item.torch_storage and sniff_compression(item.head) is not None

    def analyse(self, item: Item, ctx: ScanContext) -> list[Finding] | None:
        kind = sniff_compression(item.head) or ""
        loc = item.location
        try:
            inner = decompress(item.data, kind, ctx.limits.max_member_bytes)
        except SizeLimitExceeded:
            return [R.SCAN_003.finding(f"{kind} stream decompresses past the size limit "
                                       "(possible bomb); not analysed", loc)]  # fmt: skip
        except FormatError as exc:
            if kind in _WEAK_COMPRESSION:
                return None
            return [R.SCAN_004.finding(exc.problem, loc)]
        child = ctx.child()
        child.bytes_expanded += len(inner)
        stem = item.name.rsplit(".", 1)[0] if "." in item.name else item.name
        return ctx.scan_nested(inner, Location(loc.path, (*loc.members, f"<{kind}:{stem}>")),
                               child)  # fmt: skip


# pickle of torch.serialization.MAGIC_NUMBER as LONG1, protocol 2: legacy torch, not safetensors.
_TORCH_LEGACY_PREFIX = b"\x80\x02\x8a\x0a"


class Safetensors:
    name = "safetensors"

    def __init__(self, *, by_name: bool = False) -> None:
        self.by_name = by_name

    def sniff(self, item: Item, ctx: ScanContext) -> bool:
        if self.by_name:
            return item.name.endswith(".safetensors")
        return (len(item.head) >= 9 and item.head[:8] != _TORCH_LEGACY_PREFIX
                and not item.torch_storage and looks_like_safetensors(item.head, item.size))  # fmt: skip

    def analyse(self, item: Item, ctx: ScanContext) -> list[Finding] | None:
        from detente.scan._formats import scan_safetensors

        if self.by_name:  # wrong header: the parser reports it
            return scan_safetensors(io.BytesIO(item.head), item.size, item.location)
        header = bytes(item.data[: min(item.size, 8 + 100_000_000)])
        return scan_safetensors(io.BytesIO(header), item.size, item.location)


class Hdf5:
    name = "hdf5"

    def sniff(self, item: Item, ctx: ScanContext) -> bool:
        return not item.torch_storage and item.head.startswith(_HDF5)

    def analyse(self, item: Item, ctx: ScanContext) -> list[Finding] | None:
        from detente.scan._formats import scan_h5

        return scan_h5(item.data, item.location)


class Pickle:
    name = "pickle"

    def sniff(self, item: Item, ctx: ScanContext) -> bool:
        return not item.torch_storage and looks_like_pickle(item.head)

    def analyse(self, item: Item, ctx: ScanContext) -> list[Finding] | None:
        claimed = item.name.endswith(PICKLE_NAMES) or item.name == "data.pkl"
        found = pickle_findings(item.data, item.location, ctx, claimed=claimed)
        if found or item.head[:1] == b"\x80":
            return found
        return None  # bytes that merely begin like a protocol 0/1 pickle


@dataclass(frozen=True)
class ByName:
    """Formats without a magic number, recognised by their file name."""

    name: str
    suffixes: tuple[str, ...]
    exact: tuple[str, ...]
    run: Callable[[bytes, Item], list[Finding]]

    def sniff(self, item: Item, ctx: ScanContext) -> bool:
        return item.name.endswith(self.suffixes) or item.name in self.exact

    def analyse(self, item: Item, ctx: ScanContext) -> list[Finding] | None:
        return self.run(bytes(item.data), item)


def _siblings(item: Item) -> set[str] | None:
    return None if item.siblings is None else set(item.siblings)


def _saved_model(data: bytes, item: Item) -> list[Finding]:
    from detente.scan._formats import scan_saved_model

    return scan_saved_model(data, item.location)


def _onnx(data: bytes, item: Item) -> list[Finding]:
    from detente.scan._formats import scan_onnx

    return scan_onnx(data, item.location, _siblings(item))


def _python(data: bytes, item: Item) -> list[Finding]:
    from detente.scan._formats import scan_python

    return scan_python(data, item.location, item.name)


def _yaml(data: bytes, item: Item) -> list[Finding]:
    from detente.scan._formats import scan_yaml

    return scan_yaml(data, item.location, item.name)


def _template(data: bytes, item: Item) -> list[Finding]:
    from detente.scan._template import analyze_template

    return analyze_template(data.decode("utf-8", "replace"), item.location, item.name)


class Json:
    name = "json"

    def sniff(self, item: Item, ctx: ScanContext) -> bool:
        if item.torch_storage:
            return False
        return item.name.endswith(".json") or item.head.lstrip()[:1] == b"{"

    def analyse(self, item: Item, ctx: ScanContext) -> list[Finding] | None:
        from detente.scan._formats import scan_json

        return scan_json(bytes(item.data), item.location, item.name, _siblings(item))


class UnknownModelFile:
    name = "unknown-model-file"

    def sniff(self, item: Item, ctx: ScanContext) -> bool:
        return item.name.endswith(_MODEL_NAMES) and not item.torch_storage

    def analyse(self, item: Item, ctx: ScanContext) -> list[Finding] | None:
        return [R.SCAN_007.finding("unrecognised content for a model-file name: nothing "
                                   "executable was found, but the format is unknown to this "
                                   "scanner", item.location, item.head[:16].hex())]  # fmt: skip


ANALYZERS: tuple[Analyzer, ...] = (
    Gguf(),
    Npy(),
    Zip(),
    Tar(),
    Compressed(),
    ForeignArchive(),
    Safetensors(),
    Hdf5(),
    Pickle(),
    ByName("saved_model", (), ("saved_model.pb",), _saved_model),
    ByName("onnx", (".onnx",), (), _onnx),
    ByName("python", (".py",), (), _python),
    ByName("yaml", (".yaml", ".yml"), (), _yaml),
    ByName("template", (".jinja", ".jinja2", ".j2", ".template", ".tmpl"), (), _template),
    Json(),
    Safetensors(by_name=True),
    Gguf(by_name=True),
    UnknownModelFile(),
)
