"""The status rule, table-driven over verified entries (no log, no I/O)."""

from __future__ import annotations

import pytest

from detente.registry import (
    EXIT_CODES,
    Status,
    VerifiedEntry,
    advisory,
    release,
    revocation,
    status_of,
)

D1, D2, D3 = ("sha256:" + c * 64 for c in "123")
NS = "acme/llm"


def rel(i: int, version: str, digest: str, name: str = "m", ns: str = NS) -> VerifiedEntry:
    return VerifiedEntry(i, ns, release(ns, name, version, digest, None))


def rev(i: int, digest: str, reason: str = "backdoor") -> VerifiedEntry:
    return VerifiedEntry(i, NS, revocation(NS, digest, reason, "critical"))


def adv(i: int, digests: list[str]) -> VerifiedEntry:
    return VerifiedEntry(i, NS, advisory(NS, digests, "9.9", "jailbreak", "high"))


CASES = [
    # (entries, digest, status, latest_version, reason fragment)
    ([], D1, "unknown", None, "no release"),
    ([rel(0, "1", D2)], D1, "unknown", None, "no release"),
    ([rel(0, "1", D1)], D1, "current", None, "release 1 of acme/llm/m (entry 0)"),
    ([rel(0, "1", D1), rel(1, "2", D2)], D1, "outdated", "2", "newer release 2"),
    ([rel(0, "1", D1), rel(1, "2", D2)], D2, "current", None, "release 2"),
    # A later release of the same version (a re-publish) does not make it outdated.
    ([rel(0, "1", D1), rel(1, "1", D2)], D1, "current", None, "release 1"),
    # Another model, or the same name in another namespace, is not a newer release.
    ([rel(0, "1", D1), rel(1, "2", D2, name="other")], D1, "current", None, "release 1"),
    ([rel(0, "1", D1), rel(1, "2", D2, ns="rival/llm")], D1, "current", None, "release 1"),
    # The lineage is ordered by index, whatever order the entries come in.
    ([rel(1, "2", D2), rel(0, "1", D1)], D1, "outdated", "2", "entry 1"),
    ([rel(0, "1", D1), adv(1, [D1, D3])], D1, "flagged", None, "advisory (entry 1"),
    ([adv(1, [D3])], D3, "flagged", None, "fixed in 9.9"),
    ([rel(0, "1", D1), adv(1, [D3])], D1, "current", None, "release 1"),
    ([rel(0, "1", D1), adv(1, [D1]), rev(2, D1)], D1, "revoked", None, "backdoor"),
    ([rel(0, "1", D1), rev(2, D2)], D1, "current", None, "release 1"),
    ([rev(0, D1)], D1, "revoked", None, "revoked (entry 0, severity critical)"),
    # Revoked beats outdated; flagged beats outdated.
    ([rel(0, "1", D1), rel(1, "2", D2), rev(2, D1)], D1, "revoked", None, "revoked"),
    ([rel(0, "1", D1), rel(1, "2", D2), adv(2, [D1])], D1, "flagged", None, "advisory"),
]


@pytest.mark.parametrize(("entries", "digest", "status", "latest", "reason"), CASES)
def test_status_table(
    entries: list[VerifiedEntry], digest: str, status: str, latest: str | None, reason: str
) -> None:
    s = status_of(digest, entries, checkpoint_size=10)
    assert (s.status, s.latest_version) == (status, latest)
    assert any(reason in r for r in s.reasons), s.reasons
    assert s.exit_code == EXIT_CODES[status]
    assert s.entries == tuple(sorted(e.index for e in entries if digest in e.subjects))


def test_release_names_the_first_release_of_the_digest() -> None:
    s = status_of(D1, [rel(3, "1", D1), rel(5, "1-again", D1)], checkpoint_size=6)
    assert s.release == {"index": 3, "namespace": NS, "name": "m", "version": "1"}
    assert s.status == "outdated" and s.latest_version == "1-again"


def test_to_dict_is_json_ready() -> None:
    d = status_of(D1, [rel(0, "1", D1)], checkpoint_size=1).to_dict()
    assert d["status"] == "current" and d["entries"] == [0] and isinstance(d["reasons"], list)
    assert Status("unknown", D1, 0).exit_code == 4
