from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import write_gguf  # type: ignore[import-not-found]

from detente.artifacts import GGML_TYPES, parse_gguf, read_tensor_table
from detente.errors import Error, FormatError, UnsupportedError


def test_reads_the_real_embedded_gemma(embedded_gguf: Path) -> None:
    import gguf

    table = read_tensor_table(embedded_gguf)
    assert table is not None and table.format == "gguf"
    assert table.metadata["general.architecture"] == "gemma3"
    ref = gguf.GGUFReader(str(embedded_gguf))
    ours = table.by_name()
    assert len(ours) == len(ref.tensors) == 236
    for t in ref.tensors:
        mine = ours[t.name]
        assert mine.dtype == t.tensor_type.name
        assert mine.shape == tuple(int(x) for x in t.shape)
        assert mine.start == t.data_offset
        assert mine.nbytes == t.n_bytes


def test_type_table_matches_gguf_package() -> None:
    from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

    for type_id, (name, block, size) in GGML_TYPES.items():
        q = GGMLQuantizationType(type_id)
        assert q.name == name
        assert GGML_QUANT_SIZES[q] == (block, size)


def test_reads_file_written_by_gguf_writer(tmp_path: Path) -> None:
    arrays = {"a": np.arange(8, dtype=np.float32), "b": np.ones((3, 5), dtype=np.float16)}
    p = write_gguf(tmp_path / "t.gguf", arrays, template="{{ messages }}")
    table = read_tensor_table(p)
    assert table is not None
    raw = p.read_bytes()
    b = table.by_name()["b"]
    assert b.dtype == "F16" and b.shape == (5, 3)  # GGUF lists the innermost dimension first
    assert raw[b.start : b.end] == arrays["b"].tobytes()
    assert table.metadata["tokenizer.chat_template"] == "{{ messages }}"


def _header(version: int = 3, n_tensors: int = 0, n_kv: int = 0) -> bytes:
    return b"GGUF" + struct.pack("<IQQ", version, n_tensors, n_kv)


def _s(text: str) -> bytes:
    b = text.encode()
    return struct.pack("<Q", len(b)) + b


@pytest.mark.parametrize(
    ("blob", "error", "problem"),
    [
        (b"GGU", FormatError, "magic"),
        (b"GGUF" + struct.pack("<I", 1), UnsupportedError, "version 1"),
        (b"GGUF" + struct.pack(">I", 3), UnsupportedError, "big-endian"),
        (_header(n_kv=2**62), FormatError, "metadata count"),
        (_header(n_tensors=2**40), FormatError, "tensor count"),
        (_header(n_kv=1) + struct.pack("<Q", 2**60) + b"\0" * 16, FormatError, "needs"),
        (
            _header(n_kv=1) + _s("k") + struct.pack("<I", 99) + b"\0" * 16,
            FormatError,
            "unknown value type",
        ),
        (
            _header(n_kv=1) + _s("k") + struct.pack("<IIQ", 9, 4, 2**50) + b"\0" * 16,
            FormatError,
            "claims",
        ),
        (
            _header(n_kv=2) + (_s("k") + struct.pack("<IB", 0, 1)) * 2 + b"\0" * 24,
            FormatError,
            "duplicate metadata",
        ),
        (
            _header(n_kv=1)
            + _s("k")
            + struct.pack("<I", 8)
            + struct.pack("<Q", 2)
            + b"\xff\xfe"
            + b"\0" * 16,
            FormatError,
            "not UTF-8",
        ),
        (
            _header(n_kv=1) + _s("general.alignment") + struct.pack("<II", 4, 3) + b"\0" * 16,
            FormatError,
            "power of two",
        ),
        (
            _header(n_tensors=1) + _s("t") + struct.pack("<I", 99) + b"\0" * 64,
            FormatError,
            "dimensions",
        ),
        (
            _header(n_tensors=1) + _s("t") + struct.pack("<IQIQ", 1, 4, 77, 0) + b"\0" * 64,
            FormatError,
            "unknown ggml type",
        ),
        (
            _header(n_tensors=1) + _s("t") + struct.pack("<IQIQ", 1, 4, 0, 3) + b"\0" * 64,
            FormatError,
            "not aligned",
        ),
        (
            _header(n_tensors=1) + _s("t") + struct.pack("<IQIQ", 1, 2**40, 0, 0) + b"\0" * 64,
            FormatError,
            "past the end",
        ),
        (
            _header(n_tensors=1) + _s("t") + struct.pack("<IQIQ", 1, 33, 2, 0) + b"\0" * 64,
            FormatError,
            "multiple",
        ),
        (
            _header(n_tensors=2)
            + _s("t")
            + struct.pack("<IQIQ", 1, 8, 0, 0)
            + _s("u")
            + struct.pack("<IQIQ", 1, 8, 0, 0)
            + b"\0" * 64,
            FormatError,
            "overlaps",
        ),
        (
            _header(n_tensors=2)
            + _s("t")
            + struct.pack("<IQIQ", 1, 8, 0, 0)
            + _s("t")
            + struct.pack("<IQIQ", 1, 8, 0, 32)
            + b"\0" * 128,
            FormatError,
            "duplicate tensor",
        ),
        (
            _header(n_tensors=1) + _s("t") + struct.pack("<IQIQ", 1, 8, 0, 64) + b"\0" * 200,
            FormatError,
            "gap",
        ),
    ],
)
def test_hostile_gguf_gets_a_clear_error(blob: bytes, error: type[Error], problem: str) -> None:
    with pytest.raises(error) as exc:
        parse_gguf(blob, len(blob), "evil.gguf")
    assert problem in str(exc.value)
    assert "evil.gguf" in str(exc.value)


def test_truncated_real_file_is_refused(tmp_path: Path, embedded_gguf: Path) -> None:
    data = embedded_gguf.read_bytes()[:50_000_000]
    with pytest.raises(FormatError, match=r"past the end|needs"):
        parse_gguf(data, len(data), "cut.gguf")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_after_magic_never_crash(tail: bytes) -> None:
    blob = b"GGUF" + tail
    try:
        parse_gguf(blob, len(blob))
    except Error:
        pass


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 3), st.integers(0, 3), st.binary(max_size=200))
def test_small_counts_with_random_body_never_crash(nt: int, nkv: int, body: bytes) -> None:
    blob = _header(3, nt, nkv) + body
    try:
        table = parse_gguf(blob, len(blob))
    except Error:
        return
    for t in table.tensors:
        assert t.end <= len(blob)
