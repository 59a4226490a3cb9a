"""The shipped range: its manifest, its challenges' schema, its oracles and a do-nothing agent."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.cyberrange import (
    CATEGORIES,
    DIFFICULTIES,
    SHIPPED_SEED,
    answer_matches,
    build_range,
    flag_captured,
    flag_for,
    load_range,
    manifest_for,
    open_challenge,
    parse_challenge,
    range_dir,
    run_oracle,
)
from detente.errors import FormatError, VerificationError


def detente(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detente", *args], capture_output=True, text=True, check=False
    )


needs_bwrap = pytest.mark.skipif(
    not os.access("/usr/bin/bwrap", os.X_OK), reason="bubblewrap is not installed"
)
TACTICS = {"TA0001", "TA0004", "TA0005", "TA0006", "TA0007", "TA0009", "TA0010", "TA0043"}


@pytest.fixture(scope="module")
def shipped():
    return load_range()


def test_shipped_range_is_complete_and_tagged(shipped) -> None:
    assert len(shipped.challenges) >= 40
    assert {c.category for c in shipped.challenges} == set(CATEGORIES)
    assert {c.difficulty for c in shipped.challenges} == set(DIFFICULTIES)
    assert {c.tactic for c in shipped.challenges} <= TACTICS
    assert len({c.tactic for c in shipped.challenges}) >= 7
    for ch in shipped.challenges:
        assert ch.subtasks[-1].answer == "<flag>" and len(ch.subtasks) >= 2
        assert ch.prompt and "detente{" not in ch.prompt.replace("detente{24 hex digits}", "")


def test_generation_is_deterministic_and_matches_the_shipped_data(tmp_path: Path, shipped) -> None:
    manifest = build_range(SHIPPED_SEED, tmp_path / "r")
    assert manifest["digest"] == shipped.digest
    other = build_range("another-seed", tmp_path / "r2")
    assert other["digest"] != shipped.digest
    fresh = load_range(tmp_path / "r2")
    ch = fresh.get("web-sqli-login")
    assert flag_captured(ch, flag_for("another-seed", "web-sqli-login"))
    assert not flag_captured(ch, flag_for(SHIPPED_SEED, "web-sqli-login"))


def test_flags_are_never_in_plain_text_in_agent_visible_files(shipped) -> None:
    for ch in shipped.challenges:
        flag = flag_for(shipped.seed, ch.id)
        assert flag_captured(ch, f"the answer is {flag}.")
        inner = flag[8:-1].encode()
        for path in list(ch.files_dir.rglob("*")) + list(ch.service_dir.rglob("*")):
            if path.is_file():
                assert inner not in path.read_bytes(), path


def _copy(tmp_path: Path) -> Path:
    dest = tmp_path / "range"
    shutil.copytree(range_dir(), dest)
    return dest


def _remanifest(root: Path) -> None:
    old = json.loads((root / "manifest.json").read_text())
    new = manifest_for(root, old["range"], old["version"], old["seed"])
    (root / "manifest.json").write_text(json.dumps(new))


def test_tampered_file_is_a_verification_error(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    target = root / "challenges" / "crypto-rsa-small-e" / "files" / "key.json"
    target.write_text(target.read_text().replace('"e": 3', '"e": 5'))
    with pytest.raises(VerificationError, match=r"key\.json"):
        load_range(root)
    result = detente("range", "verify", "--range", str(root))
    assert result.returncode == 1 and "key.json" in result.stderr


def test_unlisted_file_is_a_verification_error(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "challenges" / "web-idor" / "files").mkdir(exist_ok=True)
    (root / "challenges" / "web-idor" / "files" / "extra.txt").write_text("x")
    with pytest.raises(VerificationError, match=r"extra\.txt"):
        load_range(root)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("difficulty", "trivial", "difficulty"),
        ("tactic", "TA12", "tactic"),
        ("subtasks", [], "subtasks"),
        ("services", [{"name": "x", "argv": ["a"], "port": 80}], "port"),
        ("solution", "../../etc/passwd", "solution"),
        ("flag_sha256", "detente{plain}", "flag_sha256"),
    ],
)
def test_malformed_challenge_is_a_format_error_naming_the_file(
    tmp_path: Path, field: str, value: object, message: str
) -> None:
    root = _copy(tmp_path)
    path = root / "challenges" / "web-ssrf" / "challenge.json"
    data = json.loads(path.read_text())
    data[field] = value
    path.write_text(json.dumps(data))
    _remanifest(root)
    with pytest.raises(FormatError, match=message) as info:
        load_range(root)
    assert "web-ssrf/challenge.json" in str(info.value)
    result = detente("range", "list", "--range", str(root))
    assert result.returncode == 2
    assert "web-ssrf/challenge.json" in result.stderr


@pytest.mark.parametrize("content", ["not json", "[]", '{"schema": "detente.range-manifest/v1"}'])
def test_malformed_manifest_exits_2(tmp_path: Path, content: str) -> None:
    root = _copy(tmp_path)
    (root / "manifest.json").write_text(content)
    result = detente("range", "verify", "--range", str(root))
    assert result.returncode == 2
    assert "manifest.json" in result.stderr


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "schema",
                "id",
                "title",
                "category",
                "difficulty",
                "tactic",
                "technique",
                "cwe",
                "prompt",
                "subtasks",
                "flag_sha256",
                "services",
                "solution",
                "timeout",
            ]
        ),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=8), inner, max_size=3)
            ),
            max_leaves=8,
        ),
    )
)
def test_challenge_parser_rejects_garbage_cleanly(data: dict[str, object]) -> None:
    try:
        parse_challenge(data, Path("x/challenge.json"))
    except FormatError as exc:
        assert "challenge.json" in str(exc)


def test_guided_answers(shipped) -> None:
    ch = shipped.get("web-sqli-union")
    question = ch.subtasks[1]
    assert answer_matches(ch, question, "It is SQLite 3")
    assert not answer_matches(ch, question, "postgres")
    assert answer_matches(ch, ch.subtasks[-1], flag_for(shipped.seed, ch.id))
    assert not answer_matches(ch, ch.subtasks[-1], "detente{" + "0" * 24 + "}")


@needs_bwrap
@pytest.mark.slow
def test_every_oracle_captures_its_flag_inside_the_sandbox(shipped) -> None:
    with ThreadPoolExecutor(3) as pool:  # the services mostly wait on start-up
        runs = list(pool.map(lambda ch: run_oracle(ch, shipped.root), shipped.challenges))
    failed = [(r.challenge_id, r.result.stderr[-300:]) for r in runs if not r.captured]
    assert failed == []
    assert len(runs) == len(shipped.challenges)


# What an agent that "does nothing clever" sees: every file, every environment, the services'
# code and their answers to a plain request. It must capture no flag.
_LOOK_AROUND = r"""
import glob, os, socket, sys
out = []
for top in ("/work", "/opt", "/tmp", "/etc"):
    for d, _, files in os.walk(top):
        for f in files:
            try:
                out.append(open(os.path.join(d, f), "rb").read(200000).decode("latin-1"))
            except OSError:
                pass
for p in glob.glob("/proc/[0-9]*/environ") + glob.glob("/proc/[0-9]*/cmdline"):
    try:
        out.append(open(p, "rb").read().decode("latin-1"))
    except OSError:
        pass
for port in range(8000, 9000):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            out.append(s.recv(4096).decode("latin-1"))
    except OSError:
        pass
sys.stdout.write("\n".join(out))
"""


@needs_bwrap
@pytest.mark.slow
def test_an_agent_that_does_nothing_captures_no_flag(shipped) -> None:
    def look(ch: object) -> tuple[str, str]:
        with open_challenge(ch, shipped.root) as box:  # type: ignore[arg-type]
            result = box.run(["python3", "-c", _LOOK_AROUND])
        return ch.id, (result.stdout + result.stderr).decode("latin-1")  # type: ignore[attr-defined]

    with ThreadPoolExecutor(3) as pool:
        seen = dict(pool.map(look, shipped.challenges))
    assert all(len(text) > 0 for text in seen.values())
    # the check itself works: a transcript holding the flag is a capture
    ch = shipped.challenges[0]
    assert flag_captured(ch, seen[ch.id] + flag_for(shipped.seed, ch.id))
    assert [cid for cid, text in seen.items() if flag_captured(shipped.get(cid), text)] == []


def test_cli_list_json_and_oracle_solve() -> None:
    listed = detente("range", "list", "--format", "json")
    assert listed.returncode == 0
    data = json.loads(listed.stdout)
    assert len(data["challenges"]) >= 40 and data["range"]["digest"].startswith("sha256:")
    if os.access("/usr/bin/bwrap", os.X_OK):
        solved = detente(
            "range", "solve", "--oracle", "--challenge", "crypto-pin-hash", "--format", "json"
        )
        assert solved.returncode == 0, solved.stderr
        assert json.loads(solved.stdout)["captured"] == 1
    unknown = detente("range", "solve", "--oracle", "--challenge", "no-such-thing")
    assert unknown.returncode == 2
