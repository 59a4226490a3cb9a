"""One publisher process for the concurrency/crash tests: claim a namespace, then append N
releases, retrying through server restarts; print one JSON line per acknowledged entry."""

from __future__ import annotations

import json
import sys
import time

import httpx

from detente.attest import generate_key, sign_statement
from detente.registry import namespace_claim, release


def main(url: str, ns: str, n: int) -> None:
    key = generate_key("ec-p256")
    bundles = [sign_statement(namespace_claim(ns, [key.public_key()]), key)]
    for i in range(n):
        digest = "sha256:%064x" % (hash((ns, i)) & (2**256 - 1))
        bundles.append(sign_statement(release(ns, "m", str(i), digest, None), key))
    with httpx.Client(base_url=url, timeout=10) as http:
        for b in bundles:
            for _attempt in range(300):
                try:
                    r = http.post("/v1/entries", json={"bundle": b})
                except httpx.HTTPError:
                    time.sleep(0.1)  # server down (crash test): retry
                    continue
                if r.status_code in (200, 201):
                    print(
                        json.dumps(
                            {"index": r.json()["index"], "leaf_hash": r.json()["leaf_hash"]}
                        ),
                        flush=True,
                    )
                    break
                raise SystemExit(f"unexpected {r.status_code}: {r.text}")
            else:
                raise SystemExit("gave up")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
