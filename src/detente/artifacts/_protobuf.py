"""A bounded protobuf wire-format reader (protobuf encoding spec: varints, wire types 0, 1, 2
and 5). It yields (field number, wire type, value) without a schema, so ONNX and TensorFlow
SavedModel graphs can be walked without importing onnx or tensorflow."""

from __future__ import annotations

from collections.abc import Iterator

from detente.errors import FormatError

__all__ = ["protobuf_fields", "protobuf_messages", "protobuf_string"]


def _varint(b: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(b) or shift > 63:
            raise FormatError("bad varint")
        byte = b[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def protobuf_fields(b: bytes) -> Iterator[tuple[int, int, int | bytes]]:
    """Every (field, wire type, value) of one message; :class:`FormatError` when malformed."""
    pos = 0
    while pos < len(b):
        key, pos = _varint(b, pos)
        field, wt = key >> 3, key & 7
        val: int | bytes
        if wt == 0:
            val, pos = _varint(b, pos)
        elif wt == 1:
            val, pos = b[pos : pos + 8], pos + 8
        elif wt == 2:
            n, pos = _varint(b, pos)
            if pos + n > len(b):
                raise FormatError("length past end")
            val, pos = b[pos : pos + n], pos + n
        elif wt == 5:
            val, pos = b[pos : pos + 4], pos + 4
        else:
            raise FormatError(f"unsupported wire type {wt}")
        if pos > len(b):
            raise FormatError("truncated")
        yield field, wt, val


def protobuf_messages(b: bytes, field: int) -> list[bytes]:
    """The length-delimited values of ``field`` (sub-messages, strings, bytes)."""
    return [v for f, wt, v in protobuf_fields(b) if f == field and wt == 2 and isinstance(v, bytes)]


def protobuf_string(b: bytes, field: int) -> str | None:
    """The last value of a string ``field`` (proto3: last one wins), or None."""
    vals = protobuf_messages(b, field)
    return vals[-1].decode("utf-8", "replace") if vals else None
