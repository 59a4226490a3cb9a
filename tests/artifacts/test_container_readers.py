"""Container readers (zip, tar, compressed streams, npy, protobuf) on files written by the real
libraries, and hostile bytes: a clear FormatError, never a crash."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.artifacts import (
    NPY_MAGIC,
    SizeLimitExceeded,
    decompress,
    is_tar,
    is_zip,
    iter_tar,
    protobuf_fields,
    protobuf_messages,
    protobuf_string,
    read_npy_header,
    read_zip_directory,
    read_zip_local_header,
    read_zip_member,
    sniff_compression,
    unsafe_member_name,
)
from detente.errors import FormatError


def _zip(method: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        z.writestr("archive/data.pkl", b"hello" * 100)
        z.writestr("archive/version", b"3\n")
    return buf.getvalue()


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2,
                                    zipfile.ZIP_LZMA])  # fmt: skip
def test_zip_members_read_like_zipfile(method: int) -> None:
    data = _zip(method)
    assert is_zip(data[:4])
    entries = read_zip_directory(data)
    assert [e.name for e in entries] == ["archive/data.pkl", "archive/version"]
    for e in entries:
        local = read_zip_local_header(data, e.local_offset)
        assert local is not None and local.name == e.name
        content = read_zip_member(data, local.data_start, e.method, e.csize, 1 << 20)
        assert content == zipfile.ZipFile(io.BytesIO(data)).read(e.name)
    with pytest.raises(SizeLimitExceeded):
        e = entries[0]
        local = read_zip_local_header(data, e.local_offset)
        assert local is not None
        read_zip_member(data, local.data_start, e.method, e.csize, 10)


def test_member_names_that_escape() -> None:
    assert unsafe_member_name("/etc/passwd") == "absolute path"
    assert unsafe_member_name("C:\\x") == "absolute path"
    assert unsafe_member_name("a/../../b") == "path traversal (..)"
    assert unsafe_member_name("archive/data/0") is None


def test_tar_members() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("model/weights.bin")
        info.size = 3
        tf.addfile(info, io.BytesIO(b"abc"))
    data = buf.getvalue()
    assert is_tar(data[:512])
    members = [(i.name, read()) for i, read in iter_tar(data)]
    assert members == [("model/weights.bin", b"abc")]
    with pytest.raises(FormatError, match="unreadable tar"):
        list(iter_tar(data[:700]))


@pytest.mark.parametrize(
    ("kind", "pack"),
    [("gzip", gzip.compress), ("bzip2", bz2.compress), ("xz", lzma.compress),
     ("lzma", lambda b: lzma.compress(b, format=lzma.FORMAT_ALONE)), ("zlib", zlib.compress)],
)  # fmt: skip
def test_compressed_streams(kind: str, pack: object) -> None:
    payload = b"x" * 100_000
    packed = pack(payload)  # type: ignore[operator]
    assert sniff_compression(packed[:16]) == kind
    assert decompress(packed, kind, 1 << 20) == payload
    with pytest.raises(SizeLimitExceeded):
        decompress(packed, kind, 1000)
    with pytest.raises(FormatError, match=f"corrupt {kind}"):
        decompress(packed[:3] + b"\xff" * 40, kind, 1 << 20)


def test_npy_headers() -> None:
    for arr, is_object in ((np.arange(6).reshape(2, 3), False), (np.array([(1,), None], dtype=object), True)):  # fmt: skip
        buf = io.BytesIO()
        np.save(buf, arr, allow_pickle=True)
        header = read_npy_header(buf.getvalue())
        assert header.is_object is is_object and header.fields["shape"] == arr.shape
    with pytest.raises(FormatError, match=r"malformed \.npy header"):
        read_npy_header(NPY_MAGIC + b"\x01\x00\x10\x00{'descr': __import__('os')}")


def test_protobuf_walk() -> None:
    # field 1 (string "ab"), field 2 (varint 300), field 3 (message{1: "x"})
    msg = b"\x0a\x02ab" + b"\x10\xac\x02" + b"\x1a\x03\x0a\x01x"
    assert [(f, wt) for f, wt, _ in protobuf_fields(msg)] == [(1, 2), (2, 0), (3, 2)]
    assert protobuf_string(msg, 1) == "ab"
    assert protobuf_string(protobuf_messages(msg, 3)[0], 1) == "x"
    with pytest.raises(FormatError, match="length past end"):
        list(protobuf_fields(b"\x0a\x05ab"))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600))
def test_hostile_bytes_raise_only_format_errors(data: bytes) -> None:
    for parse in (
        lambda: read_zip_directory(b"PK\x03\x04" + data),
        lambda: read_zip_local_header(b"PK\x03\x04" + data, 0),
        lambda: read_npy_header(NPY_MAGIC + data),
        lambda: list(protobuf_fields(data)),
        lambda: list(iter_tar(data + b"\0" * 512)),
        lambda: decompress(b"\x1f\x8b" + data, "gzip", 1 << 16),
        lambda: decompress(b"BZh" + data, "bzip2", 1 << 16),
    ):
        try:
            parse()
        except FormatError:
            pass
