from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.artifacts import parse_safetensors, read_tensor_table
from detente.errors import Error, FormatError


def _raw(header: dict | bytes, data: bytes = b"", declared: int | None = None) -> bytes:
    h = header if isinstance(header, bytes) else json.dumps(header).encode()
    n = len(h) if declared is None else declared
    return struct.pack("<Q", n) + h + data


def _parse(blob: bytes):
    return parse_safetensors(io.BytesIO(blob), len(blob), "x.safetensors")


def test_reads_real_files_from_safetensors_and_torch(tmp_path: Path) -> None:
    import torch
    from safetensors.numpy import save_file
    from safetensors.torch import save_file as save_torch

    arrays = {"a": np.arange(12, dtype=np.float32).reshape(3, 4), "b": np.zeros((2,), np.int64)}
    save_file(arrays, str(tmp_path / "n.safetensors"), metadata={"format": "np"})
    save_torch(
        {"w": torch.ones(5, 7, dtype=torch.bfloat16), "e": torch.zeros(0)},
        str(tmp_path / "t.safetensors"),
    )
    t = read_tensor_table(tmp_path / "n.safetensors")
    assert t is not None and t.format == "safetensors"
    by = t.by_name()
    assert (by["a"].dtype, by["a"].shape, by["a"].nbytes) == ("F32", (3, 4), 48)
    assert by["b"].dtype == "I64" and t.metadata == {"format": "np"}
    raw = (tmp_path / "n.safetensors").read_bytes()
    assert raw[by["a"].start : by["a"].end] == arrays["a"].tobytes()
    t2 = read_tensor_table(tmp_path / "t.safetensors")
    assert t2 is not None
    assert t2.by_name()["w"].dtype == "BF16" and t2.by_name()["e"].shape == (0,)


@pytest.mark.parametrize(
    ("blob", "problem"),
    [
        (b"\x01\x02", "truncated"),
        (_raw({}, declared=10**12), "exceeds"),
        (_raw({}, declared=50), "past the end"),
        (_raw(b"\xff\xfe{}"), "not UTF-8"),
        (_raw(b'{"a": 1, "a": 2}'), "duplicate key"),
        (_raw(b"[1, 2]"), "not a JSON object"),
        (_raw(b"{not json"), "not valid JSON"),
        (
            _raw({"t": {"dtype": "F99", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4),
            "unknown dtype",
        ),
        (
            _raw({"t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4]}}, b"\0" * 4),
            "needs 8 bytes",
        ),
        (
            _raw({"t": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4),
            "invalid shape",
        ),
        (
            _raw({"t": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}, b"\0" * 4),
            "ends before",
        ),
        (
            _raw({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 2),
            "cover 4 bytes",
        ),
        (
            _raw({"t": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}, b"\0" * 8),
            "gap of 4",
        ),
        (
            _raw(
                {
                    "t": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                    "u": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]},
                },
                b"\0" * 8,
            ),
            "overlaps",
        ),
        (
            _raw({"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 12),
            "data buffer has 12",
        ),
        (_raw({"__metadata__": {"k": 1}}), "__metadata__"),
        (_raw({"t": [1]}), "not an object"),
        (_raw(b"[" * 100000 + b"]" * 100000), "JSON"),
    ],
)
def test_hostile_headers_get_a_clear_error(blob: bytes, problem: str) -> None:
    with pytest.raises(FormatError) as exc:
        _parse(blob)
    assert problem in str(exc.value)
    assert "x.safetensors" in str(exc.value)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes_never_crash(blob: bytes) -> None:
    try:
        _parse(blob)
    except Error:
        pass


_entry = st.fixed_dictionaries(
    {
        "dtype": st.sampled_from(["F32", "F16", "I8", "BOGUS"]),
        "shape": st.lists(st.integers(-1, 5), max_size=3),
        "data_offsets": st.lists(st.integers(-2, 64), min_size=0, max_size=3),
    }
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=5), _entry, max_size=4), st.integers(0, 80))
def test_structured_garbage_is_accepted_only_when_consistent(header: dict, data_len: int) -> None:
    blob = _raw(header, b"\0" * data_len)
    try:
        table = _parse(blob)
    except Error:
        return
    # Whatever parses must describe exactly the data region, in order, without overlap.
    covered = sum(t.nbytes for t in table.tensors)
    assert covered == data_len
    for t in table.tensors:
        assert table.data_start <= t.start <= t.end <= len(blob)
