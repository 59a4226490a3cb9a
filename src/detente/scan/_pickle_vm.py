"""The pickle interpreter: every opcode of protocols 0–5 decoded as CPython's ``_pickle.c``
decodes it, with the stack, memo and mark stack, over symbolic values (nothing is imported or
called; :mod:`._pickle_effects` judges what would be).

Input is read the way the C unpickler reads it, in one of two modes, because they differ:

* ``pickle.loads(bytes)``: the whole input is one buffer, so a FRAME (protocol 4) only checks
  that its bytes exist and is otherwise transparent;
* ``pickle.load(file)`` on a file without ``peek`` (what torch.load does with the ``data.pkl``
  of a zip, through ``io.BytesIO``): FRAME reads exactly its bytes into the buffer, and a read
  that needs more than the buffer holds *drops the rest of the buffer* and reads afresh from the
  file (``_Unpickler_ReadFromFile``; ``_Unpickler_ReadInto`` for BINBYTES/BYTEARRAY8 payloads
  keeps them). A pickle whose reads cross a frame's end therefore decodes differently, which
  hides opcodes from a scanner that reads only one way; both are emulated.
"""

from __future__ import annotations

import math
import struct
from typing import Any

from detente.scan import _rules as R
from detente.scan._pickle_effects import Effects
from detente.scan._pickle_values import (
    BLOB_MIN,
    Blob,
    Limit,
    Malformed,
    Truncated,
    Unknown,
    decode_name,
    describe,
    dtype_itemsize,
    hashable,
    pairs_to_dict,
    parse_float,
    parse_int_line,
    parse_quoted,
)

__all__ = ["VM"]

_LEN_OPS: dict[int, tuple[str, int, str]] = {
    0x54: ("<i", 4, "latin1"),  # BINSTRING
    0x55: ("<B", 1, "latin1"),  # SHORT_BINSTRING
    0x42: ("<I", 4, "bytes"),  # BINBYTES
    0x43: ("<B", 1, "bytes"),  # SHORT_BINBYTES
    0x8E: ("<Q", 8, "bytes"),  # BINBYTES8
    0x96: ("<Q", 8, "bytes"),  # BYTEARRAY8
    0x58: ("<I", 4, "str"),  # BINUNICODE
    0x8C: ("<B", 1, "str"),  # SHORT_BINUNICODE
    0x8D: ("<Q", 8, "str"),  # BINUNICODE8
}
# Payloads _pickle.c reads with _Unpickler_ReadInto (load_counted_binbytes, _bytearray).
_READ_INTO = frozenset({0x42, 0x43, 0x8E, 0x96})
_STOP = 0x2E


class VM:
    def __init__(self, data: Any, fx: Effects, max_ops: int, *, file_mode: bool = False) -> None:
        self.data = data
        self.n = len(data)
        self.fx = fx
        self.max_ops = max_ops
        self.ops = 0
        self.file_mode = file_mode
        self.buf_end = 0 if file_mode else self.n  # end of what the unpickler has buffered
        self.frame_end = -1  # bytes mode: end of the last FRAME, to see reads that cross it
        self.crossings: list[int] = []
        self.shares = 0  # DUP and memo GET opcodes: the only way to share a subgraph
        self.root: Any = None  # the value the last stream returned
        self._find = getattr(data, "find", None)

    # -- reading, as _pickle.c reads --------------------------------------------------------
    def advance(self, pos: int, k: int) -> tuple[int, int]:
        """(start, end) of a k-byte read at ``pos``; in file mode a read past the buffer drops
        the buffer's rest and starts at the file position."""
        end = pos + k
        if end > self.buf_end:
            if self.file_mode:
                pos = max(pos, self.buf_end)
                end = pos + k
                self.buf_end = end
            if k < 0 or end > self.n:
                raise Truncated(f"needs {k} bytes at offset {pos}, {self.n - pos} remain")
        elif pos < self.frame_end < end:
            self.crossings.append(pos)
        return pos, end

    def take(self, pos: int, k: int) -> tuple[bytes, int]:
        start, end = self.advance(pos, k)
        return bytes(self.data[start:end]), end

    def take_into(self, pos: int, k: int) -> int:
        """A payload read with _Unpickler_ReadInto: buffer rest, then the file; contiguous."""
        end = pos + k
        if k < 0 or end > self.n:
            raise Truncated(f"needs {k} bytes at offset {pos}, {self.n - pos} remain")
        if self.file_mode and end > self.buf_end:
            self.buf_end = end
        elif pos < self.frame_end < end:
            self.crossings.append(pos)
        return end

    def line(self, pos: int) -> tuple[bytes, int]:
        nl = self._newline(pos)
        if self.file_mode and nl >= self.buf_end:
            if pos < self.buf_end:  # partial line in the buffer: dropped, readline() afresh
                pos = self.buf_end
                nl = self._newline(pos)
            self.buf_end = nl + 1
        elif pos < self.frame_end <= nl:
            self.crossings.append(pos)
        return bytes(self.data[pos:nl]), nl + 1

    def _newline(self, pos: int) -> int:
        limit = min(self.n, pos + (1 << 20))
        if self._find is not None:  # bytes and mmap search in place
            nl = self._find(b"\n", pos, limit)
        else:  # a memoryview: look in a small window first, lines are short
            nl = bytes(self.data[pos : min(limit, pos + 4096)]).find(b"\n")
            if nl < 0 and limit > pos + 4096:
                nl = bytes(self.data[pos:limit]).find(b"\n")
            nl = nl + pos if nl >= 0 else -1
        if nl < 0:
            raise Truncated(f"unterminated line argument at offset {pos}")
        return int(nl)

    def frame(self, pos: int) -> int:
        raw, pos = self.take(pos, 8)
        flen = int.from_bytes(raw, "little")
        if flen > self.n - pos:
            raise Truncated(f"FRAME of {flen} bytes exceeds the data")
        if not self.file_mode:
            self.frame_end = pos + flen
            return pos
        end = self.advance(pos, flen)[1]
        return end - flen  # load_frame rewinds to the start of what it buffered

    def string(self, op: int, pos: int) -> tuple[Any, int]:
        fmt, size, kind = _LEN_OPS[op]
        raw, pos = self.take(pos, size)
        (k,) = struct.unpack(fmt, raw)
        if k < 0:
            raise Malformed("negative length")
        if op in _READ_INTO:
            start, end = pos, self.take_into(pos, k)
        else:
            start, end = self.advance(pos, k)
        if k >= BLOB_MIN:  # leave it in the input: never copy a tensor's worth of bytes
            return Blob(start, k, kind != "bytes"), end
        raw = bytes(self.data[start:end])
        if kind == "str":
            return raw.decode("utf-8", "surrogatepass"), end
        return (raw.decode("latin-1") if kind == "latin1" else raw), end

    # -- the interpreter --------------------------------------------------------------------
    def run_stream(self, pos: int) -> int:
        """Emulate one pickle from ``pos`` to its STOP; return the offset after STOP."""
        stack: list[Any] = []
        metastack: list[list[Any]] = []
        memo: dict[int, Any] = {}
        data = self.data
        fx = self.fx
        file_mode = self.file_mode

        def pop() -> Any:
            if not stack:
                raise Malformed("stack underflow")
            return stack.pop()

        def pop_mark() -> list[Any]:
            nonlocal stack
            if not metastack:
                raise Malformed("mark not found")
            items = stack
            stack = metastack.pop()
            return items

        def memo_get(idx: int, at: int) -> Any:
            self.shares += 1
            if idx not in memo:
                raise Malformed(f"memo key {idx} not found (offset {at})")
            return memo[idx]

        def memo_put(idx: int) -> None:
            if not stack:
                raise Malformed("PUT on an empty stack")
            memo[idx] = stack[-1]

        while True:
            self.ops += 1
            if self.ops > self.max_ops:
                raise Limit(f"more than {self.max_ops} pickle opcodes; analysis stopped")
            if file_mode and pos >= self.buf_end:
                pos = self.buf_end
                self.buf_end = pos + 1
            if pos >= self.n:
                raise Truncated(f"pickle ends at offset {pos} without STOP")
            at = pos
            op = data[pos]
            pos += 1
            if op == _STOP:
                self.root = stack[-1] if stack else None
                return pos
            if op == 0x28:  # MARK
                metastack.append(stack)
                stack = []
            elif op == 0x80:  # PROTO
                raw, pos = self.take(pos, 1)
                if raw[0] > 5:
                    raise Malformed(f"unsupported protocol {raw[0]}")
            elif op == 0x95:  # FRAME
                pos = self.frame(pos)
            elif op == 0x4E:  # NONE
                stack.append(None)
            elif op == 0x88:
                stack.append(True)
            elif op == 0x89:
                stack.append(False)
            elif op == 0x49:  # INT (line)
                raw, pos = self.line(pos)
                stack.append(parse_int_line(raw))
            elif op == 0x4A:  # BININT
                raw, pos = self.take(pos, 4)
                stack.append(struct.unpack("<i", raw)[0])
            elif op == 0x4B:  # BININT1
                raw, pos = self.take(pos, 1)
                stack.append(raw[0])
            elif op == 0x4D:  # BININT2
                raw, pos = self.take(pos, 2)
                stack.append(struct.unpack("<H", raw)[0])
            elif op == 0x4C:  # LONG (line)
                raw, pos = self.line(pos)
                stack.append(parse_int_line(raw.rstrip(b"L")))
            elif op in (0x8A, 0x8B):  # LONG1, LONG4
                size = 1 if op == 0x8A else 4
                raw, pos = self.take(pos, size)
                (k,) = struct.unpack("<B" if size == 1 else "<i", raw)
                if k < 0:
                    raise Malformed("negative LONG4 length")
                raw, pos = self.take(pos, k) if k <= 64 else (b"", self.advance(pos, k)[1])
                stack.append(int.from_bytes(raw, "little", signed=True))
            elif op == 0x46:  # FLOAT (line)
                raw, pos = self.line(pos)
                stack.append(parse_float(raw))
            elif op == 0x47:  # BINFLOAT
                raw, pos = self.take(pos, 8)
                stack.append(struct.unpack(">d", raw)[0])
            elif op == 0x53:  # STRING (line, quoted)
                raw, pos = self.line(pos)
                stack.append(parse_quoted(raw))
            elif op in _LEN_OPS:
                value, pos = self.string(op, pos)
                stack.append(value)
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
                    raise Malformed("stack underflow")
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
                stack.append(pairs_to_dict(items))
            elif op == 0x8F:
                stack.append(set())
            elif op == 0x91:  # FROZENSET
                items = pop_mark()
                stack.append(frozenset(hashable(x) for x in items))
            elif op == 0x90:  # ADDITEMS
                items = pop_mark()
                target = stack[-1] if stack else None
                if isinstance(target, set):
                    target.update(hashable(x) for x in items)
            elif op == 0x61:  # APPEND
                v = pop()
                if not stack:
                    raise Malformed("APPEND on empty stack")
                fx.append(stack[-1], [v], at)
            elif op == 0x65:  # APPENDS
                items = pop_mark()
                if not stack:
                    raise Malformed("APPENDS on empty stack")
                fx.append(stack[-1], items, at)
            elif op == 0x73:  # SETITEM
                v = pop()
                k_ = pop()
                if not stack:
                    raise Malformed("SETITEM on empty stack")
                fx.setitems(stack[-1], [k_, v], at)
            elif op == 0x75:  # SETITEMS
                items = pop_mark()
                if not stack:
                    raise Malformed("SETITEMS on empty stack")
                fx.setitems(stack[-1], items, at)
            elif op == 0x30:  # POP
                if stack:
                    stack.pop()
                else:
                    pop_mark()
            elif op == 0x31:  # POP_MARK
                pop_mark()
            elif op == 0x32:  # DUP
                self.shares += 1
                if not stack:
                    raise Malformed("DUP on empty stack")
                stack.append(stack[-1])
            elif op == 0x67:  # GET (line)
                raw, pos = self.line(pos)
                stack.append(memo_get(parse_int_line(raw), at))
            elif op == 0x68:
                raw, pos = self.take(pos, 1)
                stack.append(memo_get(raw[0], at))
            elif op == 0x6A:
                raw, pos = self.take(pos, 4)
                stack.append(memo_get(struct.unpack("<I", raw)[0], at))
            elif op == 0x70:  # PUT (line)
                raw, pos = self.line(pos)
                memo_put(parse_int_line(raw))
            elif op == 0x71:
                raw, pos = self.take(pos, 1)
                memo_put(raw[0])
            elif op == 0x72:
                raw, pos = self.take(pos, 4)
                memo_put(struct.unpack("<I", raw)[0])
            elif op == 0x94:  # MEMOIZE
                memo_put(len(memo))
            elif op == 0x63:  # GLOBAL
                mod, pos = self.line(pos)
                name, pos = self.line(pos)
                stack.append(fx.import_global(*_operands(mod, name), at, "GLOBAL"))
            elif op == 0x93:  # STACK_GLOBAL
                name_v = pop()
                mod_v = pop()
                if not isinstance(mod_v, str) or not isinstance(name_v, str):
                    fx.add(R.PICKLE_004, "STACK_GLOBAL with a module or name that is not a "
                           "literal string (computed import target)", at,
                           f"{describe(mod_v)} / {describe(name_v)}")  # fmt: skip
                    stack.append(Unknown("computed global"))
                else:
                    stack.append(fx.import_global(mod_v, name_v, at, "STACK_GLOBAL"))
            elif op == 0x69:  # INST
                mod, pos = self.line(pos)
                name, pos = self.line(pos)
                g = fx.import_global(*_operands(mod, name), at, "INST")
                args = tuple(pop_mark())
                stack.append(fx.call(g, args, at, "INST"))
            elif op == 0x6F:  # OBJ
                items = pop_mark()
                if not items:
                    raise Malformed("OBJ without a class")
                stack.append(fx.call(items[0], tuple(items[1:]), at, "OBJ"))
            elif op == 0x52:  # REDUCE
                args = pop()
                func = pop()
                stack.append(fx.call(func, args, at, "REDUCE"))
            elif op == 0x81:  # NEWOBJ
                args = pop()
                cls = pop()
                stack.append(fx.call(cls, args, at, "NEWOBJ"))
            elif op == 0x92:  # NEWOBJ_EX
                kwargs = pop()
                args = pop()
                cls = pop()
                stack.append(fx.call(cls, (args, kwargs), at, "NEWOBJ_EX"))
            elif op == 0x62:  # BUILD
                state = pop()
                if not stack:
                    raise Malformed("BUILD on empty stack")
                if fx.build(stack[-1], state, at):
                    pos = self._joblib_array(state, pos)
            elif op in (0x82, 0x83, 0x84):  # EXT1/2/4
                size = {0x82: 1, 0x83: 2, 0x84: 4}[op]
                raw, pos = self.take(pos, size)
                code = int.from_bytes(raw, "little")
                fx.add(R.PICKLE_005, f"EXT{size} opcode (extension code {code}): the copyreg "
                       "extension registry maps it to a global this scan cannot see", at,
                       f"EXT{size} {code}")  # fmt: skip
                stack.append(Unknown(f"extension {code}"))
            elif op == 0x50:  # PERSID (line)
                raw, pos = self.line(pos)
                stack.append(Unknown(f"persistent id {raw[:40]!r}"))
            elif op == 0x51:  # BINPERSID
                stack.append(fx.persistent(pop()))
            elif op == 0x97:  # NEXT_BUFFER
                stack.append(Unknown("out-of-band buffer"))
            elif op == 0x98:  # READONLY_BUFFER
                pass
            else:
                raise Malformed(f"unknown opcode 0x{op:02x} at offset {at}")

    def _joblib_array(self, state: Any, pos: int) -> int:
        """joblib writes the array right after the wrapper's BUILD (numpy_pickle.py)."""
        if not isinstance(state, dict):
            raise Malformed("joblib NumpyArrayWrapper without a state dict")
        shape = state.get("shape")
        itemsize = dtype_itemsize(state.get("dtype"))
        if itemsize is None:  # object arrays are pickled inline with pickle.dump(protocol=5)
            end = self.run_stream(pos)
            self.fx.report.streams += 1
            return end
        if not isinstance(shape, tuple) or not all(isinstance(d, int) and d >= 0 for d in shape):
            raise Malformed("joblib array with an unreadable shape")
        if state.get("numpy_array_alignment_bytes") is not None:
            raw, pos = self.take(pos, 1)
            pos += raw[0]
        return self.take_into(pos, math.prod(shape) * itemsize)


# A GLOBAL whose module cannot be a module name makes the import fail: the load stops there
# (this is how a YAML file that starts with "c" reads as protocol 0).
_MODULE_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def _operands(mod: bytes, name: bytes) -> tuple[str, str]:
    module = decode_name(mod)
    if not module or not set(module) <= _MODULE_CHARS:
        raise Malformed(f"GLOBAL names no importable module ({module[:40]!r})")
    return module, decode_name(name)
