"""A pickle VM emulator: what a pickle would import and call, without importing or calling it.

The emulator (:mod:`._pickle_vm`) decodes every opcode of protocols 0–5 itself (``pickletools``
stops at the first STOP and raises on hostile input) and replaces every imported global and
every call result with a symbolic value; :mod:`._pickle_effects` judges each import and call
against the allowlist. On top of one stream's emulation this module handles:

* stacked pickles (several streams back to back, as legacy torch files are), trailing garbage
  after the last one, and protocol-2+ pickles hidden after garbage;
* the FRAME divergence: when a read crosses a frame's end, ``pickle.loads(bytes)`` and
  ``pickle.load(file)`` decode different opcodes, so the file path is emulated too;
* exponentially shared structure ("billion laughs"): a small pickle whose object graph, walked
  by whatever uses it, has billions of nodes.

joblib's NumpyArrayWrapper, whose array bytes follow the wrapper's BUILD inside the stream, is
followed like joblib's own unpickler.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import Any

from detente.scan import _rules as R
from detente.scan._finding import Finding, Location
from detente.scan._pickle_effects import Effects
from detente.scan._pickle_values import (
    Call,
    Instance,
    Limit,
    Malformed,
    PickleReport,
    Truncated,
)
from detente.scan._pickle_vm import VM
from detente.scan._rules import RULES

__all__ = ["TORCH_LEGACY_MAGIC", "PickleReport", "analyze_pickle", "looks_like_pickle"]

Nested = Callable[[bytes, Location], list[Finding]]
# Protocol 0/1 streams start with one of these opcodes (protocol 2+ starts with PROTO).
_PROTO01_STARTS = frozenset(b"(c]})NISVFLldiXUTKJMGqhjp")
# pickle of torch.serialization.MAGIC_NUMBER (0x1950a86a20f9469cfc6c) as LONG1, protocol 2.
TORCH_LEGACY_MAGIC = b"\x80\x02\x8a\nl\xfc\x9cF\xf9 j\xa8P\x19"
_LAUGHS_MIN = 10_000_000  # nodes an object graph expands to before it is a denial of service


def looks_like_pickle(head: bytes) -> bool:
    """Protocol 2+ starts with PROTO; protocol 0/1 streams start with a plausible opcode.
    Callers confirm by emulating (a stream that breaks before importing anything is not a
    pickle unless its name says so)."""
    if len(head) >= 2 and head[0] == 0x80 and head[1] <= 5:
        return True
    return bool(head) and head[0] in _PROTO01_STARTS


def analyze_pickle(
    data: Any,
    location: Location,
    *,
    nested: Nested | None = None,
    max_ops: int = 50_000_000,
    start: int = 0,
) -> PickleReport:
    """Emulate every pickle stream in ``data`` (stacked streams included)."""
    report = PickleReport()
    fx = Effects(location, nested, report)
    fx.data = data
    vm = VM(data, fx, max_ops)
    report.end = _run_streams(vm, start)
    if vm.crossings:
        _file_path(vm, start)
    return report


def _run_streams(vm: VM, pos: int) -> int:
    data, fx = vm.data, vm.fx
    legacy_torch = bytes(data[pos : pos + 14]) == TORCH_LEGACY_MAGIC
    while pos < vm.n:
        begin, shares = pos, vm.shares
        try:
            pos = vm.run_stream(pos)
            fx.report.streams += 1
        except Limit as exc:
            fx.add(R.PICKLE_033, str(exc), pos)
            break
        except (Truncated, Malformed, RecursionError) as exc:
            why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            if legacy_torch and fx.report.streams >= 5:
                break  # magic, protocol, sys_info, object, storage keys; then raw storages
            if fx.report.streams:
                fx.add(R.PICKLE_030, f"{vm.n - pos} bytes after the last complete pickle are "
                       f"not a pickle ({why})", pos, bytes(data[pos : pos + 16]).hex())  # fmt: skip
            else:
                fx.add(R.PICKLE_031, f"malformed or truncated pickle: {why}; what was read "
                       "before is reported", pos)  # fmt: skip
            _hunt_hidden_pickles(vm, pos + 1)
            break
        if vm.shares > shares:  # only DUP and memo GET share a subgraph
            _check_laughs(vm, pos - begin, begin)
        # Zero padding between stacked pickles is skipped.
        while pos < vm.n and data[pos] == 0:
            pos += 1
    return pos


def _file_path(vm: VM, start: int) -> None:
    """Reads crossed a FRAME's end: emulate ``pickle.load(file)`` too and report what it sees."""
    at = vm.crossings[0]
    vm.fx.add(R.PICKLE_017, "a read crosses the end of a FRAME: pickle.loads(bytes) and "
              "pickle.load(file) (torch.load, joblib) decode different opcodes from here; the "
              "file path was emulated too", at, f"offset {at}")  # fmt: skip
    shadow = PickleReport()
    fx = Effects(vm.fx.loc, vm.fx.nested, shadow)
    fx.data = vm.data
    file_vm = VM(vm.data, fx, vm.max_ops, file_mode=True)
    with contextlib.suppress(Truncated, Malformed, Limit, RecursionError):
        file_vm.run_stream(start)  # what ran before a failure has been seen
    for f in shadow.findings:
        vm.fx.add(RULES[f.rule_id], f"{f.message} (decoded as pickle.load(file) decodes it)",
                  f.location.offset, f.evidence, severity=f.severity)  # fmt: skip
    vm.fx.report.globals.extend(shadow.globals)


def _check_laughs(vm: VM, length: int, begin: int) -> None:
    size = _expanded_size(vm.root, max(_LAUGHS_MIN, 1000 * length))
    if size is not None:
        vm.fx.add(R.PICKLE_034, f"a {length}-byte pickle builds an object graph of more than "
                  f"{size:,} nodes through shared references: whatever walks it (printing, "
                  "copying, a scanner) runs out of time or memory", begin,
                  f"> {size:,} nodes")  # fmt: skip


_CONTAINERS = (list, tuple, set, frozenset, dict, Call, Instance)


def _children(v: Any) -> Any:
    if isinstance(v, list | tuple | set | frozenset):
        return v
    if isinstance(v, dict):
        return (*v.keys(), *v.values())
    if isinstance(v, Call):
        return (v.args,)
    if isinstance(v, Instance):
        return (v.state,)
    return ()


def _expanded_size(root: Any, limit: int) -> int | None:
    """How many nodes ``root`` has as a tree (shared references counted each time), or None
    when it stays under ``limit``. Linear in distinct containers; cycles count once."""
    if not isinstance(root, _CONTAINERS):
        return None
    sizes: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        v, done = stack.pop()
        key = id(v)
        kids = _children(v)
        if done:
            on_path.discard(key)
            total = 1 + sum(sizes.get(id(c), 1) for c in kids)
            sizes[key] = total
            if total > limit:
                return total
            continue
        if key in sizes or key in on_path:
            continue
        on_path.add(key)
        stack.append((v, True))
        stack.extend((c, False) for c in kids if isinstance(c, _CONTAINERS) and id(c) not in sizes)
    return None


_HIDDEN = re.compile(rb"\x80[\x02-\x05]")


def _hunt_hidden_pickles(vm: VM, pos: int, limit: int = 64) -> None:
    """After garbage, look for later protocol-2+ pickles a loader could be pointed at."""
    found = 0
    step = 1 << 24
    for chunk_start in range(pos, vm.n, step):
        chunk = bytes(vm.data[chunk_start : min(vm.n, chunk_start + step + 1)])
        for m in _HIDDEN.finditer(chunk):
            at = chunk_start + m.start()
            if m.start() >= step or found >= limit:
                break
            found += 1
            _probe(vm, at)
        if found >= limit:
            return


def _probe(vm: VM, at: int) -> None:
    shadow = PickleReport()
    fx = Effects(vm.fx.loc, vm.fx.nested, shadow)
    fx.data = vm.data
    try:
        VM(vm.data, fx, vm.max_ops).run_stream(at)
    except (Truncated, Malformed, Limit, RecursionError):
        return
    for f in shadow.findings:
        vm.fx.add(RULES[f.rule_id], f"{f.message} (in a pickle hidden after invalid bytes, at "
                  f"offset {at})", f.location.offset, f.evidence, severity=f.severity)  # fmt: skip
    vm.fx.report.globals.extend(shadow.globals)
