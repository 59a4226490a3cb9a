"""Hostile input to every parser here is a clear error (detente.errors.Error), never a crash."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import Error
from detente.registry import LogKey, WitnessKey, check_quorum, parse_checkpoint
from detente.registry._note import open_note, parse_vkey
from detente.registry._tiles import bundle_entries
from detente.registry._witness import parse_add_checkpoint

KEY = LogKey.generate("fuzz.example/log")
WIT = WitnessKey.generate("w.fuzz.example")
NOTE = "fuzz.example/log\n7\n" + "A" * 43 + "=\n\n\u2014 fuzz.example/log AAAAAAAAAAA=\n"
text = st.one_of(
    st.text(max_size=300),
    st.binary(max_size=300),
    st.builds(
        lambda a, b: NOTE[:a] + b + NOTE[a:], st.integers(0, len(NOTE)), st.text(max_size=20)
    ),
)


def _clean(fn, *args):  # type: ignore[no-untyped-def]
    try:
        fn(*args)
    except Error:
        pass


@settings(max_examples=300, deadline=None)
@given(text)
def test_notes_checkpoints_vkeys_and_quorum(data: str | bytes) -> None:
    _clean(open_note, data, [KEY])
    _clean(parse_checkpoint, data, KEY)
    _clean(parse_vkey, data)
    _clean(check_quorum, data, [WIT], 1)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400), st.integers(0, 300))
def test_witness_requests_and_entry_bundles(data: bytes, width: int) -> None:
    _clean(parse_add_checkpoint, data)
    _clean(parse_add_checkpoint, b"old 3\n" + data)
    _clean(bundle_entries, data, width)
