"""Issue 16: the allowlist decides calls, FRAME divergence, broken streams, foreign archives,
templates anywhere, and the false alarms that must not come back."""

from __future__ import annotations

import io
import pickle
import struct
import zipfile
from pathlib import Path

import pytest

from detente.scan import Location, Severity, scan_paths, to_text
from detente.scan._pickle import analyze_pickle


def _s(text: str) -> bytes:
    raw = text.encode()
    return b"\x8c" + bytes([len(raw)]) + raw


def _top(path: Path) -> Severity | None:
    return max((f.severity for f in scan_paths([path]).findings), default=None)


def _rules(path: Path) -> set[str]:
    return {f.rule_id for f in scan_paths([path]).findings}


# -- calls: the allowlist decides ---------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        _s("pydoc") + _s("pipepager") + b"\x93" + _s("") + _s("id") + b"\x86R.",  # REDUCE
        b"(" + _s("x") + b"ipoplib\nPOP3\n.",  # INST
        b"(cimaplib\nIMAP4_stream\n" + _s("id") + b"o.",  # OBJ
        b"cmylib.gadgets\nRunner\n(" + _s("id") + b"t\x81.",  # NEWOBJ with arguments
        # copyreg._reconstructor(cls, base, state) calls base.__init__(obj, state)
        b"ccopyreg\n_reconstructor\n(cmylib\nC\ncmylib.x\nRun\n" + _s("id") + b"tR.",
    ],
    ids=["reduce", "inst", "obj", "newobj-args", "reconstructor-base"],
)
def test_a_call_outside_the_allowlist_is_high(tmp_path: Path, body: bytes) -> None:
    (tmp_path / "m.pkl").write_bytes(b"\x80\x04" + body)
    assert _top(tmp_path) == Severity.HIGH
    assert "DT-PICKLE-016" in _rules(tmp_path)


def test_setstate_injection_is_a_call(tmp_path: Path) -> None:
    # BUILD {"__setstate__": mylib.run} on an object, then BUILD "id": calls mylib.run("id").
    body = (b"\x80\x02cmylib\nThing\n)\x81}" + _s("__setstate__") + b"cmylib\nrun\nsb"
            + _s("id") + b"b.")  # fmt: skip
    (tmp_path / "m.pkl").write_bytes(body)
    assert "DT-PICKLE-016" in _rules(tmp_path)


@pytest.mark.parametrize(
    "body",
    [
        b"\x80\x04" + _s("__main__") + _s("MyDict") + b"\x93)\x81}" + _s("k") + _s("v") + b"s.",
        b"\x80\x04" + _s("__future__") + _s("annotations") + b"\x93.",
        b"\x80\x02cbuiltins\nlen\n]\x85R.",
        b"\x80\x02cmylib.models\nThing\n)\x81}" + _s("w") + b"Kdsb.",  # NEWOBJ () + BUILD
    ],
    ids=["main-class", "future", "len", "plain-class-state"],
)
def test_imports_and_harmless_calls_do_not_fail_the_scan(tmp_path: Path, body: bytes) -> None:
    (tmp_path / "m.pkl").write_bytes(body)
    top = _top(tmp_path)
    assert top is None or top <= Severity.MEDIUM


def test_summary_never_says_clean_with_findings(tmp_path: Path) -> None:
    (tmp_path / "m.pkl").write_bytes(b"\x80\x02cmylib\nThing\n)\x81.")
    last = to_text(scan_paths([tmp_path]), Severity.HIGH).splitlines()[-1]
    assert "clean" not in last and "nothing at or above high" in last


# -- reading like pickle.load(file) -------------------------------------------------------
def _frame_divergent(call: bytes) -> bytes:
    """FRAME of 2 bytes, then BINBYTES whose 4-byte length crosses the frame's end: loads()
    reads 263 bytes of data; load(file) drops the buffered byte and decodes ``call``."""
    return (b"\x80\x05N(\x95" + struct.pack("<Q", 2) + b"B" + struct.pack("<I", 263)
            + b"\x00\x00" + call + b"N" * (261 - len(call)) + b"1.")  # fmt: skip


def test_frame_divergence_emulates_the_file_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = b"cbuiltins\nprint\nVran-from-file\n\x85R"
    data = _frame_divergent(marker)
    # Our own payload calling print: CPython really does decode the two paths differently.
    pickle.loads(data)
    assert "ran-from-file" not in capsys.readouterr().out
    pickle.load(io.BytesIO(data))
    assert "ran-from-file" in capsys.readouterr().out
    (tmp_path / "m.pkl").write_bytes(_frame_divergent(b"cos\nsystem\nVid\n\x85R"))
    findings = scan_paths([tmp_path]).findings
    assert {"DT-PICKLE-017", "DT-PICKLE-010"} <= {f.rule_id for f in findings}


def test_well_formed_frames_do_not_diverge() -> None:
    for obj in ([1, b"y" * 100_000, 2], b"x" * 100_000, list(range(20_000)), {"a": [1.5] * 999}):
        for proto in (4, 5):
            report = analyze_pickle(pickle.dumps(obj, protocol=proto), Location("x.pkl"))
            assert report.findings == []


def test_broken_streams_are_reported_whatever_their_name(tmp_path: Path) -> None:
    # nullifAI: the call comes first, STOP is gone and junk follows; pickle runs the call.
    payload = b"cos\nsystem\n(S'id'\ntR" + b"\x99" * 20
    (tmp_path / "weights.pt").write_bytes(payload)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", b"\x80\x02" + payload)
    (tmp_path / "model.pt").write_bytes(buf.getvalue())
    findings = scan_paths([tmp_path]).findings
    crit = {f.location.path.rsplit("/", 1)[-1] for f in findings if f.severity == Severity.CRITICAL}
    assert crit == {"weights.pt", "model.pt"}


def test_yaml_that_starts_with_c_is_not_a_pickle(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(
        "chat_template: '{% for m in messages %}{{ m.content }}{% endfor %}'\n"
    )
    (tmp_path / "notes.txt").write_text("cat\ndog\n")
    assert _top(tmp_path) is None


def test_billion_laughs(tmp_path: Path) -> None:
    # Nine levels of a list holding ten references to the level below: 10**9 leaves.
    levels = b"S'" + b"lol" * 10 + b"'\n"
    for _ in range(9):
        levels = b"(" + levels + b"2" * 9 + b"l"
    assert len(pickle.loads(levels + b".")) == 10  # well formed (and cheap to build)
    (tmp_path / "laughs.pkl").write_bytes(levels + b".")
    assert "DT-PICKLE-034" in _rules(tmp_path)
    assert _top(tmp_path) == Severity.HIGH


# -- archives, templates --------------------------------------------------------------------
def test_foreign_archives_are_recognised_by_content(tmp_path: Path) -> None:
    (tmp_path / "weights.bin").write_bytes(b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x00" * 40)
    report = scan_paths([tmp_path])
    assert report.incomplete and {f.rule_id for f in report.findings} & {"DT-ARC-010", "DT-ARC-011"}


def test_templates_under_any_key_and_in_template_files(tmp_path: Path) -> None:
    evil = "{{ self.__init__.__globals__['os'].system('id') }}"
    (tmp_path / "tokenizer_config.json").write_text(
        '{"chat_template": "{{ messages }}", "custom_chat_template": "' + evil + '"}'
    )
    (tmp_path / "chat.template").write_text(evil)
    hits = {f.location.path.rsplit("/", 1)[-1] for f in scan_paths([tmp_path]).findings
            if f.severity == Severity.CRITICAL}  # fmt: skip
    assert hits == {"tokenizer_config.json", "chat.template"}


@pytest.mark.parametrize("legacy", [True, False])
def test_whole_module_torch_save_is_an_import_not_a_call(tmp_path: Path, legacy: bool) -> None:
    torch = pytest.importorskip("torch")
    buf = io.BytesIO()
    torch.save(torch.nn.Linear(2, 2), buf, _use_new_zipfile_serialization=not legacy)
    (tmp_path / "module.pt").write_bytes(buf.getvalue())
    findings = scan_paths([tmp_path]).findings
    assert max(f.severity for f in findings) == Severity.MEDIUM
    assert any("torch.nn.modules.linear.Linear" in f.evidence for f in findings)


def test_list_subclass_items_are_not_a_method_call(tmp_path: Path) -> None:
    # copyreg.__reduce_ex__ of a list subclass: NEWOBJ () then APPENDS on the new instance.
    (tmp_path / "l.pkl").write_bytes(b"\x80\x02c__main__\nMyList\nq\x00)\x81q\x01(K\x01K\x02e.")
    (tmp_path / "g.pkl").write_bytes(b"\x80\x02csys\npath\n(" + _s("/tmp/x") + b"e.")
    by_file = {f.location.path.rsplit("/", 1)[-1]: f.rule_id for f in scan_paths([tmp_path]).findings
               if f.rule_id == "DT-PICKLE-013"}  # fmt: skip
    assert by_file == {"g.pkl": "DT-PICKLE-013"}
