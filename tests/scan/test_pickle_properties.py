"""Property tests: the emulator and container parsers on arbitrary and on real pickles."""

from __future__ import annotations

import pickle
import pickletools
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detente.scan import Location, Severity
from detente.scan._base import Limits
from detente.scan._dispatch import _new_context, scan_bytes
from detente.scan._pickle import analyze_pickle

LOC = Location("x.pkl")
_data = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
    | st.binary(max_size=20),
    lambda c: st.lists(c, max_size=4) | st.tuples(c, c) | st.dictionaries(st.text(max_size=5), c, max_size=4)
    | st.frozensets(st.integers(), max_size=3) | st.sets(st.integers(), max_size=3),
    max_leaves=25,
)  # fmt: skip


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=512))
def test_arbitrary_bytes_never_crash_or_hang(blob: bytes) -> None:
    analyze_pickle(blob, LOC, max_ops=100_000)
    analyze_pickle(b"\x80\x04" + blob, LOC, max_ops=100_000)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.binary(max_size=512),
    st.sampled_from([b"PK\x03\x04", b"PK\x05\x06", b"\x93NUMPY\x01\x00", b"\x1f\x8b", b"GGUF"]),
)
def test_container_parsers_never_crash(blob: bytes, magic: bytes) -> None:
    findings = scan_bytes(magic + blob, Location("x.bin"), _new_context(Limits()))
    for f in findings:
        assert isinstance(f.severity, Severity)


@settings(max_examples=300, deadline=None)
@given(_data, st.integers(0, 5))
def test_real_pickles_of_plain_data_are_clean_and_match_pickletools(
    obj: object, proto: int
) -> None:
    data = pickle.dumps(obj, protocol=proto)
    report = analyze_pickle(data, LOC)
    assert report.streams == 1 and report.end == len(data)
    assert [f for f in report.findings if f.severity >= Severity.MEDIUM] == []
    # Every global pickletools sees is one we resolved, and nothing more.
    theirs: list[tuple[str, str]] = []
    strings: list[str] = []
    for op, arg, _ in pickletools.genops(data):
        if op.name in ("GLOBAL", "INST"):
            mod, name = str(arg).split(" ", 1)
            theirs.append((mod, name))
        elif isinstance(arg, str):
            strings.append(arg)
        if op.name == "STACK_GLOBAL":
            theirs.append((strings[-2], strings[-1]))
    assert sorted(report.globals) == sorted(theirs)


def test_op_budget_marks_incomplete() -> None:
    blob = b"\x80\x02" + b"N0" * 1000 + b"N."
    report = analyze_pickle(blob, LOC, max_ops=100)
    assert any(f.incomplete for f in report.findings)


def test_huge_lengths_do_not_allocate() -> None:
    blob = b"\x80\x04\x8e" + struct.pack("<Q", 2**62) + b"x"  # BINBYTES8 claiming 4 EiB
    report = analyze_pickle(blob, LOC)
    assert report.findings and report.findings[0].incomplete


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400), st.integers(0, 8))
def test_file_path_emulation_never_crashes(blob: bytes, frame_len: int) -> None:
    # A FRAME shorter than what follows forces reads across its end (the divergent path).
    data = b"\x80\x05\x95" + struct.pack("<Q", frame_len) + blob
    analyze_pickle(data, LOC, max_ops=100_000)


@settings(max_examples=100, deadline=None)
@given(_data, st.sampled_from([4, 5]))
def test_framed_real_pickles_read_the_same_both_ways(obj: object, proto: int) -> None:
    from detente.scan._pickle_effects import Effects
    from detente.scan._pickle_values import PickleReport
    from detente.scan._pickle_vm import VM

    data = pickle.dumps(obj, protocol=proto)
    ends = []
    for file_mode in (False, True):
        vm = VM(data, Effects(LOC, None, PickleReport()), 100_000, file_mode=file_mode)
        ends.append(vm.run_stream(0))
        assert vm.crossings == []
    assert ends == [len(data), len(data)]
