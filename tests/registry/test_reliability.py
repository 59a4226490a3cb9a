"""8 publisher processes × 200 entries at once, with and without kill -9 of the server."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

from detente.registry import LogKey, parse_checkpoint, verify_consistency, verify_inclusion

PUBLISHERS = 8
PER_PUBLISHER = 200
SCRIPT = Path(__file__).with_name("load_publisher.py")


def _run_load(server, crash: bool) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    procs = [
        subprocess.Popen(
            [sys.executable, str(SCRIPT), server.url, f"load/p{i}", str(PER_PUBLISHER)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for i in range(PUBLISHERS)
    ]
    if crash:
        time.sleep(1.5)
        server.kill()  # SIGKILL mid-load
        time.sleep(0.5)
        server.start()
    acked = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err.decode()
        acked += [json.loads(line) for line in out.decode().splitlines()]
    return acked


def _verify(server, acked: list[dict[str, object]]) -> None:  # type: ignore[no-untyped-def]
    key = LogKey.from_vkey(httpx.get(server.url + "/v1/log-key").text)
    final = parse_checkpoint(httpx.get(server.url + "/v1/checkpoint").text, key)
    assert len(acked) == PUBLISHERS * (PER_PUBLISHER + 1)
    indexes = [int(a["index"]) for a in acked]  # type: ignore[call-overload]
    assert len(set(indexes)) == len(indexes), "an index was handed out twice"
    assert final.size >= len(acked)
    with httpx.Client(base_url=server.url) as http:
        for a in acked:
            proof = http.get(
                "/v1/proof/inclusion", params={"index": a["index"], "size": final.size}
            ).json()
            hashes = [base64.b64decode(h) for h in proof["hashes"]]
            leaf = base64.b64decode(str(a["leaf_hash"]))
            assert verify_inclusion(leaf, int(a["index"]), final.size, hashes, final.root)  # type: ignore[call-overload]
        empty = parse_checkpoint(http.get("/v1/checkpoint/0").text, key)
        assert verify_consistency(0, 0, empty.root, empty.root, [])  # the empty-tree root
        for size in range(1, final.size + 1):  # a proof from size 0 is meaningless (RFC 9162)
            cp = parse_checkpoint(http.get(f"/v1/checkpoint/{size}").text, key)
            proof = http.get(
                "/v1/proof/consistency", params={"first": size, "second": final.size}
            ).json()
            hashes = [base64.b64decode(h) for h in proof["hashes"]]
            assert verify_consistency(size, final.size, cp.root, final.root, hashes), size


def test_concurrent_publishers(server) -> None:  # type: ignore[no-untyped-def]
    acked = _run_load(server, crash=False)
    _verify(server, acked)


def test_kill_9_during_load(server) -> None:  # type: ignore[no-untyped-def]
    acked = _run_load(server, crash=True)
    _verify(server, acked)
