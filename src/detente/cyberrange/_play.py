"""Playing a challenge: its sandbox policy, its files in /work, flag checks, the oracle."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from pathlib import Path

from detente.cyberrange._model import Challenge, Subtask
from detente.sandbox import Limits, Mount, Policy, Sandbox, SandboxResult, Service

__all__ = [
    "FLAG_PATTERN",
    "OracleRun",
    "answer_matches",
    "challenge_policy",
    "copy_files",
    "flag_captured",
    "open_challenge",
    "run_oracle",
]

FLAG_ANSWER = "<flag>"
FLAG_PATTERN = re.compile(r"detente\{[0-9a-f]{24}\}")
ORACLE_DIR = ".oracle"


def challenge_policy(ch: Challenge, range_root: Path) -> Policy:
    """The sandbox for one challenge: its services on the private loopback, its service code
    and the range kit read-only, a wall clock of the challenge's timeout per command."""
    mounts = [Mount(str(range_root / "rangekit"), "/opt/range")]
    if ch.service_dir.is_dir():
        mounts.append(Mount(str(ch.service_dir), "/opt/service"))
    services = tuple(
        Service(s.name, s.argv, s.port, dict(s.secrets), cwd="/opt/service") for s in ch.services
    )
    limits = Limits(wall_seconds=float(ch.timeout), cpu_seconds=ch.timeout)
    return Policy(limits=limits, mounts=tuple(mounts), services=services)


def copy_files(box: Sandbox, source: Path, dest: str = "") -> None:
    if not source.is_dir():
        return
    for path in sorted(source.rglob("*")):
        if path.is_file():
            rel = path.relative_to(source).as_posix()
            box.write_file(f"{dest}/{rel}" if dest else rel, path.read_bytes())


def open_challenge(ch: Challenge, range_root: Path) -> Sandbox:
    """A sandbox with the challenge's public files in /work (close it when done)."""
    box = Sandbox(challenge_policy(ch, range_root))
    try:
        copy_files(box, ch.files_dir)
    except BaseException:
        box.close()
        raise
    return box


def flag_captured(ch: Challenge, text: str) -> bool:
    """Does ``text`` contain this challenge's flag? (compared by digest, in constant time)"""
    found = False
    for candidate in FLAG_PATTERN.findall(text):
        digest = hashlib.sha256(candidate.encode()).hexdigest()
        found |= hmac.compare_digest(digest, ch.flag_sha256)
    return found


def answer_matches(ch: Challenge, subtask: Subtask, answer: str) -> bool:
    """Guided subtasks: case- and whitespace-insensitive; the flag subtask by digest."""
    if subtask.answer == FLAG_ANSWER:
        return flag_captured(ch, answer)
    want = " ".join(subtask.answer.split()).casefold()
    return want in " ".join(answer.split()).casefold()


@dataclass(frozen=True)
class OracleRun:
    challenge_id: str
    captured: bool
    result: SandboxResult


def run_oracle(ch: Challenge, range_root: Path) -> OracleRun:
    """Run the challenge's solution inside its sandbox; captured if it prints the flag."""
    with open_challenge(ch, range_root) as box:
        solution = ch.root / ch.solution
        copy_files(box, solution.parent, ORACLE_DIR)
        result = box.run(["python3", f"{ORACLE_DIR}/{solution.name}"])
    text = result.stdout.decode("utf-8", "replace")
    return OracleRun(ch.id, flag_captured(ch, text), result)
