"""Decide by content what each file or archive member is, and hand it to the right analyzer.

Containers recurse through :meth:`ScanContext.scan_nested`, with depth and size limits, so a
pickle inside a zip inside a tar is found, and a decompression bomb is stopped and reported.
Anything that could not be fully analysed becomes an ``incomplete`` finding — never "clean".
"""

from __future__ import annotations

import lzma
import mmap
import os
import stat
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from detente import __version__
from detente.errors import InputError
from detente.scan._base import Limits, ScanContext, ScanReport
from detente.scan._containers import (
    NPY_MAGIC,
    TooLarge,
    decompress,
    is_compressed,
    is_tar,
    is_zip,
    scan_npy,
    scan_tar,
    scan_zip,
)
from detente.scan._finding import Finding, Location, Severity
from detente.scan._formats import (
    scan_gguf,
    scan_h5,
    scan_json,
    scan_onnx,
    scan_python,
    scan_safetensors,
    scan_saved_model,
    scan_yaml,
)
from detente.scan._pickle import analyze_pickle, looks_like_pickle
from detente.scan._template import analyze_template

__all__ = ["scan_bytes", "scan_paths"]

_PICKLE_NAMES = (
    ".pkl",
    ".pickle",
    ".pt",
    ".pth",
    ".bin",
    ".ckpt",
    ".joblib",
    ".dill",
    ".sav",
    ".model",
    ".p",
    ".data",
)
_MODEL_NAMES = (
    *_PICKLE_NAMES,
    ".npy",
    ".npz",
    ".h5",
    ".hdf5",
    ".keras",
    ".onnx",
    ".gguf",
    ".safetensors",
    ".pb",
    ".tflite",
    ".nemo",
    ".mar",
    ".zip",
    ".tar",
)
_HDF5 = b"\x89HDF\r\n\x1a\n"
# pickle of torch.serialization.MAGIC_NUMBER (0x1950a86a20f9469cfc6c) as LONG1, protocol 2.
_TORCH_LEGACY_MAGIC = b"\x80\x02\x8a\nl\xfc\x9cF\xf9 j\xa8P\x19"


def _base(location: Location) -> str:
    name = location.members[-1] if location.members else location.path
    return name.replace("\\", "/").rsplit("/", 1)[-1]


def _is_torch_storage(location: Location) -> bool:
    # torch.save zips keep raw tensor bytes in "<archive>/data/<key>"; torch never unpickles them.
    if not location.members:
        return False
    parts = location.members[-1].split("/")
    return len(parts) >= 2 and parts[-2] == "data" and parts[-1].isdigit()


def _pickle_findings(
    data: Any, location: Location, ctx: ScanContext, start: int = 0, *, claimed: bool
) -> list[Finding]:
    def nested(payload: bytes, loc: Location) -> list[Finding]:
        return ctx.scan_nested(payload, loc, ctx.child())

    report = analyze_pickle(
        data, location, nested=nested, max_ops=ctx.limits.max_pickle_ops, start=start
    )
    if report.streams >= 5 and bytes(data[start : start + 14]) == _TORCH_LEGACY_MAGIC:
        # Legacy torch.save: magic, protocol, sys_info, object and storage-key pickles, then raw
        # storage bytes — not trailing garbage.
        return [f for f in report.findings if f.rule_id != "DT-PICKLE-030"]
    if report.streams or claimed:
        return report.findings
    # Not a pickle after all (bytes that merely begin like one) unless something was imported
    # before the stream broke: pickle executes as it reads, so that still counts.
    if report.globals:
        return report.findings
    return []


def scan_bytes(
    data: Any,
    location: Location,
    ctx: ScanContext,
    siblings: set[str] | None = None,
) -> list[Finding]:
    """Scan one file's or member's bytes (``bytes``, ``memoryview`` or ``mmap``)."""
    if ctx.depth > ctx.limits.max_depth:
        return [Finding("DT-SCAN-002", Severity.MEDIUM, f"nesting deeper than {ctx.limits.max_depth} "
                        "levels; not analysed", location, "", (), (), True)]  # fmt: skip
    size = len(data)
    head = bytes(data[:65536])
    name = _base(location).lower()

    def nested(payload: bytes, loc: Location, child: ScanContext) -> list[Finding]:
        return scan_bytes(payload, loc, child)

    if head[:4] == b"GGUF":
        return scan_gguf(data, size, location)
    if head.startswith(NPY_MAGIC):
        return scan_npy(
            data,
            location,
            ctx,
            lambda d, loc, off: _pickle_findings(d, loc, ctx, off, claimed=True),
        )
    if is_zip(head):
        return scan_zip(data, location, ctx, nested)
    if is_tar(head):
        return scan_tar(data, location, ctx, nested)
    kind = is_compressed(head)
    if kind is not None and not _is_torch_storage(location):
        try:
            inner = decompress(data, kind, ctx.limits.max_member_bytes)
        except TooLarge:
            return [Finding("DT-SCAN-003", Severity.MEDIUM, f"{kind} stream decompresses past the size "
                            "limit (possible bomb); not analysed", location, "", (), (), True)]  # fmt: skip
        except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as exc:
            if kind in ("zlib", "lzma"):  # weak magic: plain data can start like this
                inner = None
            else:
                return [Finding("DT-SCAN-004", Severity.MEDIUM, f"corrupt {kind} stream: {exc}",
                                location, "", (), (), True)]  # fmt: skip
        if inner is not None:
            child = ctx.child()
            child.bytes_expanded += len(inner)
            stem = name.rsplit(".", 1)[0] if "." in name else name
            return scan_bytes(
                inner, Location(location.path, (*location.members, f"<{kind}:{stem}>")), child
            )
    if len(head) >= 9 and head[:8] != b"\x80\x02\x8a\x0a" and not _is_torch_storage(location):
        from detente.artifacts._safetensors import looks_like_safetensors

        if looks_like_safetensors(head, size):
            import io

            return scan_safetensors(
                io.BytesIO(bytes(data[: min(size, 8 + 100_000_000)])), size, location
            )
    if head.startswith(_HDF5):
        return scan_h5(data, location)
    if not _is_torch_storage(location) and looks_like_pickle(head):
        claimed = name.endswith(_PICKLE_NAMES) or name in ("data.pkl",)
        found = _pickle_findings(data, location, ctx, claimed=claimed)
        if found or head[:1] == b"\x80":
            return found
    if name == "saved_model.pb":
        return scan_saved_model(bytes(data), location)
    if name.endswith(".onnx"):
        return scan_onnx(bytes(data), location, siblings)
    if name.endswith(".py"):
        return scan_python(bytes(data), location, name)
    if name.endswith((".yaml", ".yml")):
        return scan_yaml(bytes(data), location, name)
    if name.endswith((".jinja", ".j2")) or name == "chat_template.jinja":
        return analyze_template(bytes(data).decode("utf-8", "replace"), location, name)
    if name.endswith(".json") or head.lstrip()[:1] == b"{":
        return scan_json(bytes(data), location, name, siblings)
    if name.endswith(".safetensors"):
        import io

        return scan_safetensors(io.BytesIO(head), size, location)
    if name.endswith(".gguf"):
        return scan_gguf(head, len(head), location)
    if name.endswith(_MODEL_NAMES) and not _is_torch_storage(location):
        return [
            Finding(
                "DT-SCAN-007",
                Severity.INFO,
                "unrecognised content for a model-file name: nothing executable was found, but "
                "the format is unknown to this scanner",
                location,
                head[:16].hex(),
                (),
                (),
            )
        ]
    return []


def _new_context(limits: Limits) -> ScanContext:
    def nested(payload: bytes, loc: Location, ctx: ScanContext) -> list[Finding]:
        return scan_bytes(payload, loc, ctx)

    return ScanContext(limits, nested)


def _scan_file(
    path: Path, shown: str, ctx: ScanContext, siblings: set[str]
) -> tuple[list[Finding], int]:
    loc = Location(shown)
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size == 0:
                return [], 0
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                try:
                    return scan_bytes(mm, loc, ctx, siblings), size
                except (MemoryError, RecursionError) as exc:
                    return [Finding("DT-SCAN-001", Severity.MEDIUM, f"analysis aborted: {type(exc).__name__}",
                                    loc, "", (), (), True)], size  # fmt: skip
    except OSError as exc:
        return [Finding("DT-SCAN-005", Severity.MEDIUM, f"cannot read: {exc.strerror}", loc, "", (), (),
                        True)], 0  # fmt: skip


def scan_paths(paths: Sequence[str | Path], limits: Limits | None = None) -> ScanReport:
    """Scan files and directories (hidden files included; symlinks not followed)."""
    limits = limits or Limits()
    ctx = _new_context(limits)
    findings: list[Finding] = []
    files = 0
    nbytes = 0
    for raw in paths:
        root = Path(raw)
        try:
            st = root.lstat()
        except FileNotFoundError:
            raise InputError("no such file or directory", root) from None
        if stat.S_ISREG(st.st_mode):
            f, n = _scan_file(root, str(root), ctx, {p.name for p in root.parent.iterdir()})
            findings += f
            files += 1
            nbytes += n
            continue
        if not stat.S_ISDIR(st.st_mode):
            raise InputError("not a regular file or directory", root)
        real_root = root.resolve()
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames.sort()
            base = Path(dirpath)
            siblings = set(filenames)
            for fname in sorted(filenames):
                p = base / fname
                shown = str(p)
                if p.is_symlink():
                    target = p.resolve()
                    if not target.is_relative_to(real_root):
                        findings.append(
                            Finding(
                                "DT-SCAN-006",
                                Severity.HIGH,
                                f"symlink points outside the scanned directory ({target})",
                                Location(shown),
                                str(target),
                                ("CWE-59",),
                                (),
                            )
                        )
                    continue
                if not p.is_file():
                    continue
                f, n = _scan_file(p, shown, ctx, siblings)
                findings += f
                files += 1
                nbytes += n
            for d in list(dirnames):
                if (base / d).is_symlink():
                    findings.append(
                        Finding(
                            "DT-SCAN-006",
                            Severity.MEDIUM,
                            "symlinked directory not followed",
                            Location(str(base / d)),
                            "",
                            ("CWE-59",),
                            (),
                        )
                    )
                    dirnames.remove(d)
    return ScanReport(tuple(findings), files, nbytes, __version__, tuple(str(p) for p in paths))
