"""Reference-vector conformance: signed notes, checkpoints and Merkle proofs checked against
the outcomes of the reference implementations (Go x/mod sumdb/note, transparency-dev/formats
and /merkle, the C2SP specs), read by path from ../shared/data/interop (never copied).

Every vector must agree with the reference, except the deliberate deviations listed in
``STRICTER`` (each with its reason); a new disagreement, or a deviation that disappears,
fails the test.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from detente.errors import Error
from detente.registry import Checkpoint, LogKey, parse_checkpoint, sign_checkpoint
from detente.registry._merkle import (
    _inclusion_ranges,
    leaf_hash,
    new_nodes_for_append,
    node_hash,
    range_hash,
    verify_consistency,
    verify_inclusion,
)
from detente.registry._note import open_note, parse_vkey

_ROOT_LEN = "we require 32-byte (SHA-256) root hashes; Go's log.ParseCheckpoint takes any length"
_SHORT_ROOTS = [
    *(f"parse/{x}" for x in ("just-log-sig", "log-and-known1-sig", "log-known1-and-unknown-sig",
                              "just-required-sigs", "one-verifier-signs-twice",
                              "just-required-sigs-in-mixed-order", "all-sigs")),
    *(f"unmarshal/{x}" for x in ("valid-one", "valid-with-different-origin",
                                  "valid-with-trailing-data",
                                  "valid-with-multiple-trailing-data-lines",
                                  "valid-with-trailing-newlines",
                                  "moon-log-TestExtendCheckpoint")),
]  # fmt: skip
STRICTER = {
    **dict.fromkeys(_SHORT_ROOTS, _ROOT_LEN),
    "derived-body/size-leading-zero": "tlog-checkpoint sizes are decimal without leading zeros",
}


def _accepts(fn: Callable[[], object]) -> bool:
    try:
        fn()
    except Error:
        return False  # hostile input is a clear error; anything else (a crash) propagates
    return True


def _vectors(shared_data: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (shared_data / "interop" / "signed-note" / "vectors.json").read_text()
    )
    return data


def _cp(c: dict[str, Any]) -> Checkpoint:
    return Checkpoint(
        c["origin"], c["size"], base64.b64decode(c["root_b64"]), tuple(c["extensions"])
    )


def test_verifier_keys_and_every_mangling(shared_data: Path) -> None:
    vec = _vectors(shared_data)
    bad = [
        v["id"]
        for v in vec["vkeys"]
        if _accepts(lambda v=v: parse_vkey(v["vkey"])) != v["go"]["ok"]
    ]
    vkey = vec["vkey_manglings"]["vkey"].encode()
    mangled = [vkey[i:j] for i in range(len(vkey)) for j in range(i, len(vkey) + 1)]
    mangled.remove(vkey)
    for i in range(len(vkey)):
        b = bytearray(vkey)
        b[i] = (b[i] + 1) % 256
        mangled.append(bytes(b))
    accepted = [m for m in mangled if _accepts(lambda m=m: parse_vkey(m))]
    assert (bad, accepted) == ([], [])
    assert len(vec["vkeys"]) + len(mangled) > 2300


def test_notes_open_as_go_opens_them(shared_data: Path) -> None:
    vec = _vectors(shared_data)["open"]
    bad = [
        v["id"]
        for v in vec
        if _accepts(
            lambda v=v: open_note(base64.b64decode(v["note_b64"]), [LogKey.from_vkey(v["vkey"])])
        )
        != v["go"]["ok"]
    ]
    assert bad == [] and len(vec) >= 40


def test_signing_reproduces_go_notes_and_bodies(shared_data: Path) -> None:
    vec = _vectors(shared_data)
    for v in vec["sign"]:
        note = sign_checkpoint(_cp(v["checkpoint"]), LogKey.from_skey(v["skey"]))
        assert note.encode() == base64.b64decode(v["go_note_b64"]), v["id"]
    for v in vec["body_format"]:
        assert _cp(v["checkpoint"]).body() == v["text"], v["id"]


def _parse(v: dict[str, Any]) -> Iterator[Checkpoint]:
    note = base64.b64decode(v["note_b64"])
    key = LogKey.from_vkey(v["log_vkey"])
    # formats' ParseCheckpoint: every given verifier's signature must verify, the log's must
    # be present, and the origin must be the expected one.
    open_note(note, [key, *(LogKey.from_vkey(o) for o in v.get("other_vkeys", []))])
    yield parse_checkpoint(note, key, origin=v["origin"])


def test_checkpoints_parse_as_formats_parses_them(shared_data: Path) -> None:
    vec = [v for v in _vectors(shared_data)["parse"] if "note_b64" in v]  # one is Sign-only
    disagree, wrong_values = {}, []
    for v in vec:
        got: list[Checkpoint] = []
        ok = _accepts(lambda v=v, got=got: got.extend(_parse(v)))
        if ok != v["go"]["ok"]:
            disagree[v["id"]] = ok
        elif ok:
            cp, g = got[0], v["go"]
            rest = "\n".join(cp.extensions) + "\n" if cp.extensions else ""
            if (cp.size, base64.b64encode(cp.root).decode(), rest) != (
                g["size"],
                g["hash_b64"],
                g["rest"],
            ):
                wrong_values.append(v["id"])
    assert wrong_values == []
    assert disagree == dict.fromkeys(STRICTER, False)


def _merkle_files(shared_data: Path, kind: str) -> list[tuple[str, dict[str, Any]]]:
    base = shared_data / "interop" / "merkle" / "testdata" / kind
    return [
        (str(p.relative_to(base)), json.loads(p.read_text())) for p in sorted(base.rglob("*.json"))
    ]


def _b(x: str | None) -> bytes:
    return base64.b64decode(x) if x else b""


def test_merkle_proof_vectors(shared_data: Path) -> None:
    inc = _merkle_files(shared_data, "inclusion")
    con = _merkle_files(shared_data, "consistency")
    bad = [
        name
        for name, v in inc
        if verify_inclusion(_b(v["leafHash"]), v["leafIdx"], v["treeSize"],
                            [_b(h) for h in v["proof"] or []], _b(v["root"])) == v["wantErr"]
    ] + [
        name
        for name, v in con
        if verify_consistency(v["size1"], v["size2"], _b(v["root1"]), _b(v["root2"]),
                              [_b(h) for h in v["proof"] or []]) == v["wantErr"]
    ]  # fmt: skip
    assert bad == [] and len(inc) + len(con) > 150


def _tree(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    nodes: dict[tuple[int, int], bytes] = {}
    for i, leaf in enumerate(leaves):
        nodes.update(new_nodes_for_append(i, leaf_hash(leaf), nodes.__getitem__))
    return nodes


def test_merkle_constants_and_subtree_rolling_hashes(shared_data: Path) -> None:
    c = json.loads((shared_data / "interop" / "merkle" / "constants.json").read_text())
    h = c["rfc6962_hasher"]
    assert range_hash(0, 0, {}).hex() == h["empty_root"]
    assert (
        leaf_hash(b"").hex() == h["leaf_empty"] and leaf_hash(b"L123456").hex() == h["leaf_L123456"]
    )
    assert node_hash(b"N123", b"N456").hex() == h["node_N123_N456"]
    leaves = [bytes.fromhex(x) for x in c["leaf_inputs_hex"]]
    nodes = _tree(leaves)
    assert [range_hash(0, n, nodes).hex() for n in range(len(leaves) + 1)] == c["root_hashes_hex"]
    # The 130-leaf tree d[i] = byte(i): every valid subtree's hash and inclusion proof.
    r = c["rolling"]
    nodes = _tree([bytes([i]) for i in range(r["tree_size"])])
    hashes, proofs = hashlib.sha256(), hashlib.sha256()
    for end in range(r["tree_size"] + 1):
        for start in range(end + 1):
            n = end - start
            if start and start != end and start % (1 << (n - 1).bit_length()):
                continue
            hashes.update(f"[{start}, {end}) {range_hash(start, end, nodes).hex()}\n".encode())
            for i in range(start, end):
                path = [
                    range_hash(a, b, nodes).hex()
                    for a, b in _inclusion_ranges(i - start, start, end)
                ]
                tail = "".join(" " + p for p in path)
                proofs.update(f"{i} [{start}, {end}){tail}\n".encode())
    assert hashes.hexdigest() == r["subtree_hash"]["sha256"]
    assert proofs.hexdigest() == r["subtree_inclusion_proof"]["sha256"]
