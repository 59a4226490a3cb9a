"""Static tiles (c2sp.org/tlog-tiles): export, read back and verify from tiles alone, mirror."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from detente.attest import generate_key, sign_statement
from detente.errors import Error
from detente.registry import (
    Checkpoint,
    LogError,
    LogKey,
    connect,
    namespace_claim,
    release,
    revocation,
    sign_checkpoint,
    verify_consistency,
    verify_inclusion,
)
from detente.registry._tile_transport import TileTransport
from detente.registry._tiles import CompactRange, export_tiles, tile_path

OWNER = generate_key("ed25519")
D1, D2 = "sha256:" + "11" * 32, "sha256:" + "22" * 32


def test_paths_follow_the_spec() -> None:
    assert tile_path(0, 1234067) == "tile/0/x001/x234/067"
    assert tile_path(2, 0, 1) == "tile/2/000.p/1"
    assert tile_path(1, 5) == "tile/1/005"


def test_export_and_proofs_from_tiles_alone(tmp_path: Path) -> None:
    key = LogKey.generate("tiles.example/log")
    size = 256 * 256 + 300  # full level-0 and level-1 tiles, partial tiles at levels 0, 1, 2
    bodies = [b'{"n":%d}' % i for i in range(size)]
    tree = CompactRange()
    roots = {}
    from detente.registry import leaf_hash

    for i, b in enumerate(bodies):
        tree.append(leaf_hash(b))
        roots[i + 1] = tree.root()
    note = sign_checkpoint(Checkpoint(key.name, size, roots[size]), key)
    export_tiles(tmp_path / "t", size, bodies, note, key.vkey, expect_root=roots[size])
    assert (tmp_path / "t" / "tile/2/000.p/1").stat().st_size == 32
    assert (tmp_path / "t" / "tile/1/000").stat().st_size == 8192
    t = TileTransport(str(tmp_path / "t"), tmp_path / "index.sqlite3")
    t.checkpoint()
    for i in (0, 255, 256, 65535, 65536, size - 1):
        assert verify_inclusion(leaf_hash(bodies[i]), i, size, t.inclusion(i, size), roots[size])
    for first in (1, 256, 257, 65536, size - 1):
        proof = t.consistency(first, size)
        assert verify_consistency(first, size, roots[first], roots[size], proof)
    assert t.sync() == size
    # A second export adds nothing immutable; a wrong root publishes nothing.
    with pytest.raises(Error, match="do not hash"):
        export_tiles(tmp_path / "u", size, bodies, note, key.vkey, expect_root=bytes(32))
    assert not (tmp_path / "u" / "checkpoint").exists()


def test_registry_tiles_and_mirror_give_the_same_answers(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    live = connect(server.url, state_dir=tmp_path / "live")
    live.publish(sign_statement(namespace_claim("acme/t", [OWNER.public_key()]), OWNER))
    live.publish(sign_statement(release("acme/t", "m", "1", D1, None), OWNER))
    live.publish(sign_statement(release("acme/t", "m", "2", D2, None), OWNER))
    live.publish(sign_statement(revocation("acme/t", D1, "poisoned data", "high"), OWNER))
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "xdg")}

    def det(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "detente", *args], capture_output=True,
                              text=True, env=env, check=False)  # fmt: skip

    out = det("registry", "export-tiles", str(tmp_path / "site"), "--db", server.db,
              "--log-key", str(server.key_path))  # fmt: skip
    assert out.returncode == 0, out.stderr
    vkey = live.log_key.vkey
    out = det("registry", "mirror", server.url, str(tmp_path / "mirror"), "--log-key", vkey)
    assert out.returncode == 0, out.stderr
    for src in ("site", "mirror"):
        c = connect(str(tmp_path / src), vkey, state_dir=tmp_path / f"c-{src}")
        for d in (D1, D2):
            a, b = live.check_digest(d), c.check_digest(d)
            assert (a.status, a.reasons, a.entries) == (b.status, b.reasons, b.entries)
    # A mirror that changes an entry is caught, whatever it claims.
    bundle = tmp_path / "mirror" / "tile" / "entries" / "000.p" / "4"
    data = bytearray(bundle.read_bytes())
    data[-5] ^= 1
    bundle.write_bytes(bytes(data))
    with pytest.raises(LogError):
        connect(str(tmp_path / "mirror"), vkey, state_dir=tmp_path / "fresh").check_digest(D1)
    with pytest.raises(Error, match="static tile mirror"):
        connect(str(tmp_path / "site"), vkey, state_dir=tmp_path / "p").publish({})
