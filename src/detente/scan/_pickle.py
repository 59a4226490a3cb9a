"""A pickle VM emulator: what a pickle would import and call, without importing or calling it.

The emulator decodes every opcode of protocols 0–5 itself (``pickletools`` stops at the first
STOP and raises on hostile input), keeps the stack, memo and mark stack as CPython's
``_pickle.c`` unpickler does, and replaces every imported global and every call result with
a symbolic value. From that it reports:

* every global that would be imported (GLOBAL, INST, STACK_GLOBAL operands taken from the
  emulated stack; an operand that is not a literal string is itself critical);
* every call (REDUCE, INST, OBJ, NEWOBJ, NEWOBJ_EX, BUILD on a module-level object, calls of
  computed callables — resolver gadgets like ``getattr(os, "system")``);
* nested pickles (``pickle.loads(b"...")``): the literal bytes are handed back to the
  dispatcher and scanned in turn;
* EXT opcodes (the copyreg extension registry can map them to any global);
* stacked pickles (several streams back to back, as legacy torch files are) and trailing
  garbage after the last one.

FRAME (protocol 4) follows the C unpickler: the frame only requires that many bytes to be
available and is otherwise transparent, so opcodes are decoded exactly where ``_pickle.c``
decodes them. joblib's NumpyArrayWrapper, whose array bytes follow the wrapper's BUILD inside
the stream, is followed like joblib's own unpickler.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from detente.scan import _rules as R
from detente.scan._allowlist import Verdict, classify_global, is_nested_loader
from detente.scan._finding import Finding, Location
from detente.scan._rulebase import Rule
from detente.scan._rules import RULES
from detente.taxonomy import Severity

__all__ = ["PickleReport", "analyze_pickle", "looks_like_pickle"]


class _Mark:
    pass


@dataclass(frozen=True, eq=False)
class Global:
    module: str
    name: str

    def __str__(self) -> str:
        return f"{self.module}.{self.name}"


@dataclass(frozen=True, eq=False)
class Call:
    func: Any
    args: Any
    offset: int

    def __str__(self) -> str:
        return f"{_describe(self.func)}(…)"


@dataclass(eq=False)
class Instance:
    cls: Any
    state: Any = None


@dataclass(frozen=True, eq=False)
class Unknown:
    why: str


def _describe(v: Any) -> str:
    if isinstance(v, Global):
        return str(v)
    if isinstance(v, Call):
        return f"{_describe(v.func)}(…)"
    if isinstance(v, Instance):
        return f"<{_describe(v.cls)} instance>"
    return type(v).__name__


@dataclass
class PickleReport:
    findings: list[Finding] = field(default_factory=list)
    globals: list[tuple[str, str]] = field(default_factory=list)
    streams: int = 0
    end: int = 0


class _Truncated(Exception):
    pass


class _Malformed(Exception):
    pass


class _Limit(Exception):
    pass


def looks_like_pickle(head: bytes) -> bool:
    """Protocol 2+ starts with PROTO; protocol 0/1 streams start with a plausible opcode and
    must contain a STOP. Callers confirm by emulating."""
    if len(head) >= 2 and head[0] == 0x80 and head[1] <= 5:
        return True
    return bool(head) and head[:1] in _PROTO01_STARTS and b"." in head


_PROTO01_STARTS = {b"(", b"c", b"]", b"}", b")", b"N", b"I", b"S", b"V", b"F", b"L", b"l", b"d", b"i", b"X", b"U", b"T", b"K", b"J", b"M", b"G", b"q"}  # fmt: skip

_JOBLIB_WRAPPERS = {
    ("joblib.numpy_pickle", "NumpyArrayWrapper"),
    ("sklearn.externals.joblib.numpy_pickle", "NumpyArrayWrapper"),
}
_DTYPE_RE = re.compile(r"^[<>|=]?([biufcmMOSUV])(\d*)$")
_NAMED_DTYPES = {"float64": 8, "float32": 4, "float16": 2, "int64": 8, "int32": 4, "int16": 2, "int8": 1, "uint8": 1, "uint16": 2, "uint32": 4, "uint64": 8, "bool": 1, "complex64": 8, "complex128": 16}  # fmt: skip


class _VM:
    def __init__(
        self,
        data: bytes | memoryview,
        location: Location,
        nested: Callable[[bytes, Location], list[Finding]] | None,
        max_ops: int,
    ) -> None:
        self.data = data
        self.n = len(data)
        self.loc = location
        self.nested = nested
        self.max_ops = max_ops
        self.ops = 0
        self.report = PickleReport()
        self._seen: set[tuple[str, int | None, str]] = set()

    # -- findings -------------------------------------------------------------------------
    def add(
        self,
        rule: Rule,
        message: str,
        offset: int | None,
        evidence: str = "",
        *,
        severity: Severity | None = None,
    ) -> None:
        key = (rule.id, offset, evidence)
        if key in self._seen:
            return
        self._seen.add(key)
        loc = Location(self.loc.path, self.loc.members, offset)
        self.report.findings.append(rule.finding(message, loc, evidence[:300], severity=severity))

    # -- reading --------------------------------------------------------------------------
    def take(self, pos: int, k: int) -> bytes:
        if k < 0 or pos + k > self.n:
            raise _Truncated(f"needs {k} bytes at offset {pos}, {self.n - pos} remain")
        return bytes(self.data[pos : pos + k])

    def line(self, pos: int) -> tuple[bytes, int]:
        end = bytes(self.data[pos : min(self.n, pos + (1 << 20))]).find(b"\n")
        if end < 0:
            raise _Truncated(f"unterminated line argument at offset {pos}")
        return bytes(self.data[pos : pos + end]), pos + end + 1

    # -- globals and calls ----------------------------------------------------------------
    def import_global(self, module: str, name: str, offset: int, how: str) -> Global:
        self.report.globals.append((module, name))
        verdict = classify_global(module, name)
        self._report_global(verdict, module, name, offset, how)
        return Global(module, name)

    def _report_global(self, v: Verdict, module: str, name: str, offset: int, how: str) -> None:
        ev = f"{module}.{name}"
        if v.severity is None:
            return
        rule = {Severity.CRITICAL: R.PICKLE_001, Severity.HIGH: R.PICKLE_002}.get(
            v.severity, R.PICKLE_003
        )
        self.add(rule, f"pickle imports {ev} ({how}): {v.reason}", offset, ev)

    def call(self, func: Any, args: Any, offset: int, how: str) -> Any:
        if isinstance(func, Global):
            key = (func.module, func.name)
            if is_nested_loader(*key):
                self._nested(func, args, offset)
            if key in _JOBLIB_WRAPPERS:
                return Instance(func)
            verdict = classify_global(*key)
            if verdict.severity is not None and verdict.severity >= Severity.HIGH:
                self.add(
                    R.PICKLE_010,
                    f"pickle calls {func} via {how}: {verdict.reason}",
                    offset,
                    f"{func}({_args_preview(args)})",
                )
        elif isinstance(func, Call | Instance | Unknown):
            self.add(
                R.PICKLE_011,
                f"pickle calls a computed callable via {how} (resolver gadget: the function "
                "is the result of another call, e.g. getattr(module, name))",
                offset,
                _describe(func),
            )
        elif func is not None and not isinstance(func, str | bytes | int | float):
            self.add(
                R.PICKLE_012,
                f"pickle calls a non-global value via {how}",
                offset,
                _describe(func),
            )
        return Call(func, args, offset)

    def _nested(self, func: Global, args: Any, offset: int) -> None:
        self.add(
            R.PICKLE_020,
            f"pickle calls a deserializer ({func}) on embedded data: a nested payload",
            offset,
            str(func),
        )
        payload = args[0] if isinstance(args, tuple) and args else None
        if isinstance(payload, bytes | bytearray) and self.nested is not None:
            inner = Location(self.loc.path, (*self.loc.members, f"<nested pickle @{offset}>"))
            self.report.findings.extend(self.nested(bytes(payload), inner))

    # -- the interpreter ------------------------------------------------------------------
    def run_stream(self, pos: int) -> int:
        """Emulate one pickle from ``pos`` to its STOP; return the offset after STOP."""
        stack: list[Any] = []
        metastack: list[list[Any]] = []
        memo: dict[int, Any] = {}
        data = self.data

        def pop() -> Any:
            if not stack:
                raise _Malformed("stack underflow")
            return stack.pop()

        def pop_mark() -> list[Any]:
            nonlocal stack
            if not metastack:
                raise _Malformed("mark not found")
            items = stack
            stack = metastack.pop()
            return items

        def memo_get(idx: int, at: int) -> Any:
            if idx not in memo:
                raise _Malformed(f"memo key {idx} not found (offset {at})")
            return memo[idx]

        def memo_put(idx: int) -> None:
            if not stack:
                raise _Malformed("PUT on an empty stack")
            memo[idx] = stack[-1]

        while True:
            self.ops += 1
            if self.ops > self.max_ops:
                raise _Limit(f"more than {self.max_ops} pickle opcodes; analysis stopped")
            if pos >= self.n:
                raise _Truncated(f"pickle ends at offset {pos} without STOP")
            at = pos
            op = data[pos]
            pos += 1
            if op == 0x2E:  # STOP
                if stack:
                    pop()
                return pos
            if op == 0x28:  # MARK
                metastack.append(stack)
                stack = []
            elif op == 0x80:  # PROTO
                proto = self.take(pos, 1)[0]
                pos += 1
                if proto > 5:
                    raise _Malformed(f"unsupported protocol {proto}")
            elif op == 0x95:  # FRAME: C unpickler requires the bytes, then reads on linearly
                (flen,) = struct.unpack("<Q", self.take(pos, 8))
                pos += 8
                if flen > self.n - pos:
                    raise _Truncated(f"FRAME of {flen} bytes exceeds the data")
            elif op == 0x4E:  # NONE
                stack.append(None)
            elif op == 0x88:
                stack.append(True)
            elif op == 0x89:
                stack.append(False)
            elif op == 0x49:  # INT (line)
                raw, pos = self.line(pos)
                stack.append(_parse_int_line(raw))
            elif op == 0x4A:  # BININT
                stack.append(struct.unpack("<i", self.take(pos, 4))[0])
                pos += 4
            elif op == 0x4B:  # BININT1
                stack.append(self.take(pos, 1)[0])
                pos += 1
            elif op == 0x4D:  # BININT2
                stack.append(struct.unpack("<H", self.take(pos, 2))[0])
                pos += 2
            elif op == 0x4C:  # LONG (line)
                raw, pos = self.line(pos)
                stack.append(_parse_int_line(raw.rstrip(b"L")))
            elif op in (0x8A, 0x8B):  # LONG1, LONG4
                size = 1 if op == 0x8A else 4
                (n,) = struct.unpack("<B" if size == 1 else "<i", self.take(pos, size))
                pos += size
                if n < 0:
                    raise _Malformed("negative LONG4 length")
                raw = self.take(pos, n)
                pos += n
                stack.append(int.from_bytes(raw, "little", signed=True) if n <= 64 else 0)
            elif op == 0x46:  # FLOAT (line)
                raw, pos = self.line(pos)
                stack.append(_parse_float(raw))
            elif op == 0x47:  # BINFLOAT
                stack.append(struct.unpack(">d", self.take(pos, 8))[0])
                pos += 8
            elif op == 0x53:  # STRING (line, quoted)
                raw, pos = self.line(pos)
                stack.append(_parse_quoted(raw))
            elif op in (0x54, 0x55, 0x42, 0x43, 0x8E, 0x96, 0x58, 0x8C, 0x8D):
                fmt, kind = _LEN_OPS[op]
                size = struct.calcsize(fmt)
                (n,) = struct.unpack(fmt, self.take(pos, size))
                pos += size
                if n < 0:
                    raise _Malformed("negative length")
                raw = self.take(pos, n)
                pos += n
                if kind == "str":
                    stack.append(raw.decode("utf-8", "surrogatepass"))
                elif kind == "latin1":
                    stack.append(raw.decode("latin-1"))
                else:
                    stack.append(raw)
            elif op == 0x56:  # UNICODE (line, raw-unicode-escape)
                raw, pos = self.line(pos)
                stack.append(raw.decode("raw_unicode_escape", "replace"))
            elif op == 0x29:
                stack.append(())
            elif op == 0x74:  # TUPLE
                items = pop_mark()  # before stack.append: pop_mark rebinds ``stack``
                stack.append(tuple(items))
            elif op in (0x85, 0x86, 0x87):
                k = op - 0x84
                if len(stack) < k:
                    raise _Malformed("stack underflow")
                packed = tuple(stack[-k:])
                del stack[-k:]
                stack.append(packed)
            elif op == 0x5D:
                stack.append([])
            elif op == 0x6C:  # LIST
                items = pop_mark()
                stack.append(list(items))
            elif op == 0x7D:
                stack.append({})
            elif op == 0x64:  # DICT
                items = pop_mark()
                stack.append(_pairs_to_dict(items))
            elif op == 0x8F:
                stack.append(set())
            elif op == 0x91:  # FROZENSET
                items = pop_mark()
                stack.append(frozenset(_hashable(x) for x in items))
            elif op == 0x90:  # ADDITEMS
                items = pop_mark()
                target = stack[-1] if stack else None
                if isinstance(target, set):
                    target.update(_hashable(x) for x in items)
            elif op == 0x61:  # APPEND
                v = pop()
                self._append(stack, [v], at)
            elif op == 0x65:  # APPENDS
                items = pop_mark()
                self._append(stack, items, at)
            elif op == 0x73:  # SETITEM
                v = pop()
                k_ = pop()
                self._setitems(stack, [k_, v], at)
            elif op == 0x75:  # SETITEMS
                items = pop_mark()
                self._setitems(stack, items, at)
            elif op == 0x30:  # POP
                if stack:
                    stack.pop()
                else:
                    pop_mark()
            elif op == 0x31:  # POP_MARK
                pop_mark()
            elif op == 0x32:  # DUP
                if not stack:
                    raise _Malformed("DUP on empty stack")
                stack.append(stack[-1])
            elif op == 0x67:  # GET (line)
                raw, pos = self.line(pos)
                stack.append(memo_get(_parse_int_line(raw), at))
            elif op == 0x68:
                stack.append(memo_get(self.take(pos, 1)[0], at))
                pos += 1
            elif op == 0x6A:
                stack.append(memo_get(struct.unpack("<I", self.take(pos, 4))[0], at))
                pos += 4
            elif op == 0x70:  # PUT (line)
                raw, pos = self.line(pos)
                memo_put(_parse_int_line(raw))
            elif op == 0x71:
                memo_put(self.take(pos, 1)[0])
                pos += 1
            elif op == 0x72:
                memo_put(struct.unpack("<I", self.take(pos, 4))[0])
                pos += 4
            elif op == 0x94:  # MEMOIZE
                memo_put(len(memo))
            elif op == 0x63:  # GLOBAL
                mod, pos = self.line(pos)
                name, pos = self.line(pos)
                stack.append(self.import_global(_ascii(mod), _ascii(name), at, "GLOBAL"))
            elif op == 0x93:  # STACK_GLOBAL
                name_v = pop()
                mod_v = pop()
                if not isinstance(mod_v, str) or not isinstance(name_v, str):
                    self.add(
                        R.PICKLE_004,
                        "STACK_GLOBAL with a module or name that is not a literal string "
                        "(computed import target)",
                        at,
                        f"{_describe(mod_v)} / {_describe(name_v)}",
                    )
                    stack.append(Unknown("computed global"))
                else:
                    stack.append(self.import_global(mod_v, name_v, at, "STACK_GLOBAL"))
            elif op == 0x69:  # INST
                mod, pos = self.line(pos)
                name, pos = self.line(pos)
                g = self.import_global(_ascii(mod), _ascii(name), at, "INST")
                args = tuple(pop_mark())
                stack.append(self.call(g, args, at, "INST"))
            elif op == 0x6F:  # OBJ
                items = pop_mark()
                if not items:
                    raise _Malformed("OBJ without a class")
                stack.append(self.call(items[0], tuple(items[1:]), at, "OBJ"))
            elif op == 0x52:  # REDUCE
                args = pop()
                func = pop()
                stack.append(self.call(func, args, at, "REDUCE"))
            elif op == 0x81:  # NEWOBJ
                args = pop()
                cls = pop()
                stack.append(self.call(cls, args, at, "NEWOBJ"))
            elif op == 0x92:  # NEWOBJ_EX
                kwargs = pop()
                args = pop()
                cls = pop()
                stack.append(self.call(cls, (args, kwargs), at, "NEWOBJ_EX"))
            elif op == 0x62:  # BUILD
                state = pop()
                if not stack:
                    raise _Malformed("BUILD on empty stack")
                obj = stack[-1]
                pos = self._build(obj, state, at, pos)
            elif op in (0x82, 0x83, 0x84):  # EXT1/2/4
                size = {0x82: 1, 0x83: 2, 0x84: 4}[op]
                code = int.from_bytes(self.take(pos, size), "little")
                pos += size
                self.add(
                    R.PICKLE_005,
                    f"EXT{size} opcode (extension code {code}): the copyreg extension registry "
                    "maps it to a global this scan cannot see",
                    at,
                    f"EXT{size} {code}",
                )
                stack.append(Unknown(f"extension {code}"))
            elif op == 0x50:  # PERSID (line)
                raw, pos = self.line(pos)
                stack.append(Unknown(f"persistent id {raw[:40]!r}"))
            elif op == 0x51:  # BINPERSID
                pid = pop()
                stack.append(Instance(Unknown("persistent"), pid))
            elif op == 0x97:  # NEXT_BUFFER
                stack.append(Unknown("out-of-band buffer"))
            elif op == 0x98:  # READONLY_BUFFER
                pass
            else:
                raise _Malformed(f"unknown opcode 0x{op:02x} at offset {at}")

    def _append(self, stack: list[Any], items: list[Any], at: int) -> None:
        if not stack:
            raise _Malformed("APPEND on empty stack")
        target = stack[-1]
        if isinstance(target, list):
            target.extend(items)
        elif isinstance(target, Global | Call | Instance):
            # CPython calls target.extend / target.append: a method call on an arbitrary object.
            self.add(
                R.PICKLE_013,
                "APPEND(S) on a non-list object calls its append/extend method",
                at,
                _describe(target),
            )

    def _setitems(self, stack: list[Any], items: list[Any], at: int) -> None:
        if not stack:
            raise _Malformed("SETITEM on empty stack")
        target = stack[-1]
        if isinstance(target, dict):
            for i in range(0, len(items) - 1, 2):
                target[_hashable(items[i])] = items[i + 1]
        elif isinstance(target, Global):
            self.add(
                R.PICKLE_014,
                "SETITEM(S) on a module-level object calls its __setitem__",
                at,
                str(target),
            )

    def _build(self, obj: Any, state: Any, at: int, pos: int) -> int:
        if isinstance(obj, Global):
            self.add(
                R.PICKLE_015,
                f"BUILD on the module-level object {obj}: sets attributes of (or calls "
                "__setstate__ on) an imported object",
                at,
                str(obj),
            )
            return pos
        if isinstance(obj, Instance):
            obj.state = state
            if isinstance(obj.cls, Global) and (obj.cls.module, obj.cls.name) in _JOBLIB_WRAPPERS:
                return self._joblib_array(state, at, pos)
        return pos

    def _joblib_array(self, state: Any, at: int, pos: int) -> int:
        """joblib writes the array right after the wrapper's BUILD (numpy_pickle.py)."""
        if not isinstance(state, dict):
            raise _Malformed("joblib NumpyArrayWrapper without a state dict")
        shape = state.get("shape")
        dtype = state.get("dtype")
        itemsize = _dtype_itemsize(dtype)
        if itemsize is None:  # object arrays are pickled inline with pickle.dump(protocol=5)
            end = self.run_stream(pos)
            self.report.streams += 1
            return end
        if not isinstance(shape, tuple) or not all(isinstance(d, int) and d >= 0 for d in shape):
            raise _Malformed("joblib array with an unreadable shape")
        if state.get("numpy_array_alignment_bytes") is not None:
            pad = self.take(pos, 1)[0]
            pos += 1 + pad
        nbytes = math.prod(shape) * itemsize
        if pos + nbytes > self.n:
            raise _Truncated("joblib array data runs past the end of the file")
        return pos + nbytes


_LEN_OPS: dict[int, tuple[str, str]] = {
    0x54: ("<i", "latin1"),  # BINSTRING
    0x55: ("<B", "latin1"),  # SHORT_BINSTRING
    0x42: ("<I", "bytes"),  # BINBYTES
    0x43: ("<B", "bytes"),  # SHORT_BINBYTES
    0x8E: ("<Q", "bytes"),  # BINBYTES8
    0x96: ("<Q", "bytes"),  # BYTEARRAY8
    0x58: ("<I", "str"),  # BINUNICODE
    0x8C: ("<B", "str"),  # SHORT_BINUNICODE
    0x8D: ("<Q", "str"),  # BINUNICODE8
}


def _dtype_itemsize(dtype: Any) -> int | None:
    """Item size of a symbolic ``numpy.dtype('f8', ...)`` call; None for object dtype."""
    code = None
    if isinstance(dtype, Call) and isinstance(dtype.args, tuple) and dtype.args:
        code = dtype.args[0]
    elif isinstance(dtype, Instance) and isinstance(dtype.cls, Call):
        args = dtype.cls.args
        code = args[0] if isinstance(args, tuple) and args else None
    if not isinstance(code, str):
        raise _Malformed("joblib array with an unreadable dtype")
    if code in _NAMED_DTYPES:
        return _NAMED_DTYPES[code]
    m = _DTYPE_RE.match(code)
    if not m:
        raise _Malformed(f"joblib array with unsupported dtype {code!r}")
    kind, size = m.group(1), int(m.group(2) or 0)
    if kind == "O":
        return None
    if kind == "U":
        return 4 * size
    if kind == "b" and not size:
        return 1
    return size


def _hashable(v: Any) -> Any:
    try:
        hash(v)
    except TypeError:
        return Unknown("unhashable")
    return v


def _pairs_to_dict(items: list[Any]) -> dict[Any, Any]:
    return {_hashable(items[i]): items[i + 1] for i in range(0, len(items) - 1, 2)}


def _ascii(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").strip()


def _parse_int_line(raw: bytes) -> int:
    text = raw.strip()
    if text == b"00":
        return 0
    if text == b"01":
        return 1
    try:
        return int(text[:4300])
    except ValueError:
        raise _Malformed(f"bad integer {text[:40]!r}") from None


def _parse_float(raw: bytes) -> float:
    try:
        return float(raw.strip()[:400])
    except ValueError:
        raise _Malformed(f"bad float {raw[:40]!r}") from None


def _parse_quoted(raw: bytes) -> bytes:
    text = raw.strip()
    if len(text) >= 2 and text[:1] == text[-1:] and text[:1] in (b"'", b'"'):
        return text[1:-1]
    raise _Malformed("STRING argument is not quoted")


def _args_preview(args: Any) -> str:
    if isinstance(args, tuple):
        parts = []
        for a in args[:3]:
            if isinstance(a, str | bytes | int | float) or a is None:
                parts.append(repr(a)[:60])
            else:
                parts.append(_describe(a))
        return ", ".join(parts)
    return _describe(args)


def analyze_pickle(
    data: bytes | memoryview,
    location: Location,
    *,
    nested: Callable[[bytes, Location], list[Finding]] | None = None,
    max_ops: int = 50_000_000,
    start: int = 0,
) -> PickleReport:
    """Emulate every pickle stream in ``data`` (stacked streams included)."""
    vm = _VM(data, location, nested, max_ops)
    pos = start
    while pos < vm.n:
        try:
            pos = vm.run_stream(pos)
            vm.report.streams += 1
        except _Limit as exc:
            vm.add(R.PICKLE_033, str(exc), pos)
            break
        except (_Truncated, _Malformed, RecursionError) as exc:
            why = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            if vm.report.streams:
                vm.add(
                    R.PICKLE_030,
                    f"{vm.n - pos} bytes after the last complete pickle are not a pickle ({why})",
                    pos,
                    bytes(data[pos : pos + 16]).hex(),
                )
            else:
                vm.add(
                    R.PICKLE_031,
                    f"malformed or truncated pickle: {why}; what was read before is reported",
                    pos,
                )
            _hunt_hidden_pickles(vm, pos + 1)
            break
        # Zero padding between stacked pickles is skipped.
        while pos < vm.n and data[pos] == 0:
            pos += 1
    vm.report.end = pos
    return vm.report


_HIDDEN = re.compile(rb"\x80[\x02-\x05]")


def _hunt_hidden_pickles(vm: _VM, pos: int, limit: int = 64) -> None:
    """After garbage, look for later protocol-2+ pickles a loader could be pointed at."""
    for m in list(_HIDDEN.finditer(bytes(vm.data[pos:])))[:limit]:
        at = pos + m.start()
        probe = _VM(vm.data, vm.loc, vm.nested, vm.max_ops)
        try:
            probe.run_stream(at)
        except (_Truncated, _Malformed, _Limit, RecursionError):
            continue
        for f in probe.report.findings:
            vm.add(
                RULES[f.rule_id],
                f"{f.message} (in a pickle hidden after invalid bytes, at offset {at})",
                f.location.offset,
                f.evidence,
                severity=f.severity,
            )
        vm.report.globals.extend(probe.report.globals)
