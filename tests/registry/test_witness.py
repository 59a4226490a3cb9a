"""The witness's add-checkpoint rules (c2sp.org/tlog-witness) and cosignature quorum, on a
real SQLite/PostgreSQL state store, without HTTP."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from detente.registry import (
    Checkpoint,
    LogKey,
    QuorumError,
    ServiceError,
    Witness,
    WitnessKey,
    check_quorum,
    leaf_hash,
    require_quorum,
    sign_checkpoint,
)
from detente.registry._merkle import consistency_proof, new_nodes_for_append, range_hash
from detente.registry._witness import WitnessConflict, format_add_checkpoint

LOG = LogKey.generate("log.example/a")


def tree(n: int, salt: bytes = b"") -> dict[tuple[int, int], bytes]:
    nodes: dict[tuple[int, int], bytes] = {}
    for i in range(n):
        nodes.update(new_nodes_for_append(i, leaf_hash(salt + b"%d" % i), nodes.__getitem__))
    return nodes


def note(n: int, salt: bytes = b"", key: LogKey = LOG) -> str:
    return sign_checkpoint(Checkpoint(key.name, n, range_hash(0, n, tree(n, salt))), key)


def add(w: Witness, old: int, new: int, salt: bytes = b"", proof: list[bytes] | None = None) -> str:
    if proof is None:
        proof = consistency_proof(old, new, tree(new, salt)) if 0 < old < new else []
    return w.add_checkpoint(format_add_checkpoint(old, proof, note(new, salt)), now=1700000000)


@pytest.fixture
def witness(tmp_path: Path) -> Witness:
    return Witness(WitnessKey.generate("w1.example/w"), [LOG], f"sqlite:///{tmp_path / 'w.db'}")


def test_cosigns_a_consistent_history_and_persists(witness: Witness, tmp_path: Path) -> None:
    line = add(witness, 0, 5)
    assert line.startswith("\u2014 w1.example/w ") and line.endswith("\n")
    cosigned = note(5) + line
    q = check_quorum(cosigned, [witness.key], 1)
    assert q.ok and q.timestamps == (1700000000,)
    add(witness, 5, 9)
    add(witness, 9, 9)  # the same checkpoint again is fine
    # A new process over the same database sees the state (durable).
    again = Witness(witness.key, [LOG], f"sqlite:///{tmp_path / 'w.db'}")
    assert again.state(LOG.name) == (9, range_hash(0, 9, tree(9)))


def test_refusals_follow_the_spec(witness: Witness) -> None:
    add(witness, 0, 4)
    with pytest.raises(WitnessConflict) as conflict:
        add(witness, 2, 6)  # wrong old size: 409 with the witness's size
    assert conflict.value.size == 4 and conflict.value.status == 409
    with pytest.raises(WitnessConflict):
        add(witness, 4, 4, salt=b"fork")  # same size, other root
    with pytest.raises(ServiceError) as bad:
        add(witness, 4, 6, salt=b"fork")  # a fork: the proof cannot link it
    assert bad.value.status == 422
    with pytest.raises(ServiceError) as bad:
        add(witness, 6, 4)
    assert bad.value.status == 400
    stranger = LogKey.generate("log.example/b")
    with pytest.raises(ServiceError) as bad:
        witness.add_checkpoint(format_add_checkpoint(0, [], note(3, key=stranger)))
    assert bad.value.status == 404
    impostor = LogKey.generate(LOG.name)  # right origin, wrong key
    with pytest.raises(ServiceError) as bad:
        witness.add_checkpoint(format_add_checkpoint(4, [], note(4, key=impostor)))
    assert bad.value.status == 403
    for body in (b"", b"old 4\n", b"old 04\n\n" + note(4).encode(), b"old x\n\n", b"\xff"):
        with pytest.raises(ServiceError) as bad:
            witness.add_checkpoint(body)
        assert bad.value.status == 400
    assert witness.state(LOG.name) == (4, range_hash(0, 4, tree(4)))


def test_quorum_counts_distinct_valid_trusted_witnesses() -> None:
    ws = [WitnessKey.generate(f"w{i}.example") for i in range(4)]
    body = note(3)
    text = body[: body.rfind("\n\n") + 1]
    good = [w.cosign(text, 1) for w in ws[:3]]
    forged = ws[3].cosign(note(3, b"other")[: body.rfind("\n\n") + 1], 1)
    full = body + "".join(good)
    assert check_quorum(full, ws, 3).ok and not check_quorum(full, ws, 4).ok
    assert check_quorum(body + good[0] * 3, ws, 2).cosigners == (ws[0].vkey,)  # no double count
    q = check_quorum(body + good[0] + forged, ws, 2)
    assert not q.ok and q.invalid == (ws[3].vkey,) and "insufficient witnesses" in q.reason
    assert not check_quorum(full, [WitnessKey.generate("w0.example")], 1).ok  # same name
    with pytest.raises(QuorumError, match="insufficient witnesses: 0 of the 2"):
        require_quorum(body, ws, 2)
    raw = base64.b64decode(good[1].split()[-1])
    tampered = body + good[1].replace(
        good[1].split()[-1], base64.b64encode(raw[:-1] + b"x").decode()
    )
    assert not check_quorum(tampered, ws, 1).ok


def test_witness_key_round_trips_and_rejects_log_keys() -> None:
    w = WitnessKey.generate("w.example")
    assert WitnessKey.from_vkey(w.vkey) == w
    with pytest.raises(Exception, match="0x04"):
        WitnessKey.from_vkey(LOG.vkey)
    with pytest.raises(Exception, match="0x01"):
        LogKey.from_vkey(w.vkey)
