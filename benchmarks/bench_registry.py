"""Registry benchmark: append throughput and inclusion-proof latency vs log size. Not a test.

For each backend (SQLite always; PostgreSQL when --pg URL is given) it grows one log to
10^4, 10^5 and 10^6 entries (bulk-loaded in large batches, since the 10^6 point measures
proof cost, not load speed) and at each size prints:

* single appends/s: one entry per transaction (fsync per entry), through the store API;
* batched appends/s: 1000 entries per transaction;
* HTTP appends/s: signed bundles POSTed to a real server on loopback, verified before append
  (measured once at the start, single client);
* inclusion-proof latency p50/p99 over 2000 random leaves (store API: node lookups + hashing),
  and the number of stored nodes read per proof, which should grow as log2(n).

With --witnesses it also measures, beside the same figures without witnesses:

* HTTP appends/s with 3 witnesses on loopback (8 and 64 concurrent publishers, each one
  keep-alive connection; each append is acknowledged only once a cosigned checkpoint covers
  it; rounds are batched), and the CPU milliseconds per entry the server and the witnesses
  spent: on a shared machine the rate follows the load, the CPU per entry much less so
  (one server process cannot append faster than 1 / its CPU per entry);
* a client's `check` from static tiles alone at the largest size (tile export time, the cold
  index build, then the warm check p50 over 20 runs).

Usage: python benchmarks/bench_registry.py [--pg postgresql+psycopg://…] [--max 1000000]
       python benchmarks/bench_registry.py --witnesses [--max 1000000]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from detente.registry import LogKey
from detente.registry._merkle import inclusion_plan
from detente.registry._store import LogStore, NewEntry


def entry(i: int) -> NewEntry:
    body = b'{"bench":%d}' % i
    return NewEntry(body, "attestation", "bench/ns", (f"sha256:{i:064x}",))


def grow(store: LogStore, target: int, batch: int = 10_000) -> None:
    n = store.size()
    while n < target:
        k = min(batch, target - n)
        store.append([entry(i) for i in range(n, n + k)])
        n += k


def rate(store: LogStore, count: int, per_tx: int) -> float:
    start = store.size()
    t0 = time.perf_counter()
    for j in range(0, count, per_tx):
        store.append([entry(10**9 + start + j + k) for k in range(per_tx)])
    return count / (time.perf_counter() - t0)


def proof_latency(store: LogStore, samples: int = 2000) -> tuple[float, float, int]:
    n = store.size()
    rng = random.Random(1)
    times = []
    reads = 0
    for _ in range(samples):
        i = rng.randrange(n)
        t0 = time.perf_counter()
        store.inclusion(i, n)
        times.append(time.perf_counter() - t0)
        reads = max(reads, len(inclusion_plan(i, n)))
    q = statistics.quantiles(times, n=100)
    return q[49] * 1000, q[98] * 1000, reads


def http_rate(db: str, key_path: Path, count: int = 300) -> float:
    import socket
    import subprocess
    import sys

    import httpx

    from detente.attest import generate_key, sign_statement
    from detente.registry import namespace_claim, release

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "detente", "registry", "serve", "--db", db, "--port", str(port),
                             "--log-key", str(key_path)], stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(url + "/v1/log-key")
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        key = generate_key("ec-p256")
        ns = f"bench/http{port}"
        bundles = [
            sign_statement(release(ns, "m", str(i), "sha256:%064x" % (i + 7), None), key)
            for i in range(count)
        ]
        with httpx.Client(base_url=url) as http:
            http.post(
                "/v1/entries",
                json={"bundle": sign_statement(namespace_claim(ns, [key.public_key()]), key)},
            )
            t0 = time.perf_counter()
            for b in bundles:
                r = http.post("/v1/entries", json={"bundle": b})
                assert r.status_code == 201, r.text
            return count / (time.perf_counter() - t0)
    finally:
        proc.kill()


def run_backend(name: str, url: str, sizes: list[int], key_path: Path) -> None:
    key = LogKey.from_private_pem("bench.example/log", key_path.read_bytes())
    store = LogStore(url, key)
    print(f"\n== {name} ==", flush=True)
    print(
        f"HTTP appends (signed bundles, verified, 1 client): {http_rate(url, key_path):.0f}/s",
        flush=True,
    )
    print(
        f"{'size':>9} {'single/s':>9} {'batch/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'nodes':>6} {'log2 n':>7}"
    )
    for target in sizes:
        grow(store, target)
        single = rate(store, 200, 1)
        batched = rate(store, 5000, 1000)
        p50, p99, reads = proof_latency(store)
        n = store.size()
        print(
            f"{n:>9} {single:>9.0f} {batched:>9.0f} {p50:>8.3f} {p99:>8.3f} {reads:>6} {math.log2(n):>7.1f}",
            flush=True,
        )


def _serve(args: list[str], probe: str) -> object:
    import subprocess
    import sys

    import httpx

    proc = subprocess.Popen([sys.executable, "-m", "detente", *args], stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            httpx.get(probe, timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{probe} did not come up")


def _port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux /proc)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def witnessed_rate(work: Path, witnesses: int, count: int = 1280, clients: int = 8) -> float:
    """Appends/s through `registry serve` with ``witnesses`` witness processes on loopback."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from detente.attest import generate_key, sign_statement
    from detente.registry import load_or_create_witness_key, namespace_claim, release

    tag = f"w{witnesses}c{clients}"
    key_path = work / f"{tag}-log.key"
    log_key = LogKey.generate("bench.example/log")
    key_path.write_bytes(log_key.private_pem())
    procs = []
    try:
        specs = []
        for i in range(witnesses):
            wkey = load_or_create_witness_key(work / f"{tag}-{i}.key", f"w{i}.bench/w")
            port = _port()
            procs.append(_serve(["witness", "serve", "--name", wkey.name, "--key",
                                 str(work / f"{tag}-{i}.key"), "--db",
                                 f"sqlite:///{work / f'{tag}-{i}.db'}", "--log", log_key.vkey,
                                 "--port", str(port)], f"http://127.0.0.1:{port}/witness-key"))  # fmt: skip
            specs += ["--witness", f"http://127.0.0.1:{port}={wkey.vkey}"]
        port = _port()
        url = f"http://127.0.0.1:{port}"
        procs.append(_serve(["registry", "serve", "--db", f"sqlite:///{work / f'{tag}.db'}",
                             "--log-key", str(key_path), "--origin", "bench.example/log",
                             "--port", str(port), *specs], url + "/v1/log-key"))  # fmt: skip
        keys = [generate_key("ec-p256") for _ in range(clients)]
        batches = [
            [sign_statement(release(f"bench/{tag}{c}", "m", str(i), "sha256:%064x" % (c * 10**6 + i), None), k)
             for i in range(count // clients)]
            for c, k in enumerate(keys)
        ]  # fmt: skip
        with httpx.Client(base_url=url, timeout=60) as http:
            for c, k in enumerate(keys):
                claim = sign_statement(namespace_claim(f"bench/{tag}{c}", [k.public_key()]), k)
                http.post("/v1/entries", json={"bundle": claim})

        # Request bodies are built before timing (the target is the log's append rate, and
        # the publishers share the server's 2 cores); the client's CPU share is reported.
        # Each publisher is one keep-alive connection through the standard library's client:
        # httpx cost ~4 ms of CPU per request here, in the same 2 cores as the server.
        bodies = [[json.dumps({"bundle": b}).encode() for b in bs] for bs in batches]
        headers = {"content-type": "application/json"}

        def publish(reqs: list[bytes]) -> None:
            import http.client

            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                for body in reqs:
                    conn.request("POST", "/v1/entries", body, headers)
                    r = conn.getresponse()
                    r.read()
                    assert r.status == 201, r.status
            finally:
                conn.close()

        # CPU per entry (server, witnesses) does not depend on what else runs on the machine,
        # unlike the rate: 1 / (the server's CPU per entry) bounds one server process.
        pids = [p.pid for p in procs]  # type: ignore[attr-defined]
        cpu0 = [_cpu(p) for p in pids]
        t0, c0 = time.perf_counter(), time.process_time()
        with ThreadPoolExecutor(clients) as pool:
            list(pool.map(publish, bodies))
        wall = time.perf_counter() - t0
        cpu = [(_cpu(p) - c) * 1000 / count for p, c in zip(pids, cpu0, strict=True)]
        wit = f", witnesses {sum(cpu[:-1]):.2f}" if witnesses else ""
        print(f"  ({clients} publishers, {witnesses} witnesses: CPU ms per entry: server "
              f"{cpu[-1]:.2f}{wit}; publisher process CPU "
              f"{(time.process_time() - c0) / wall:.0%} of one core)", flush=True)  # fmt: skip
        return count / wall
    finally:
        for p in procs:
            p.kill()  # type: ignore[attr-defined]


def tiles_check(work: Path, size: int) -> None:
    """Grow a log to ``size``, export tiles, and time a client's check from the tiles."""
    from detente.attest import generate_key, sign_statement
    from detente.registry import LogService, connect, namespace_claim, release

    key = LogKey.generate("bench.example/log")
    store = LogStore(f"sqlite:///{work / 'tiles.db'}", key)
    owner = generate_key("ec-p256")
    digest = "sha256:" + "ab" * 32
    svc = LogService(store)
    svc.append(sign_statement(namespace_claim("bench/tiles", [owner.public_key()]), owner))
    grow(store, size - 1)
    svc.append(sign_statement(release("bench/tiles", "m", "1", digest, None), owner))
    t0 = time.perf_counter()
    svc.export_tiles(work / "site")
    export_s = time.perf_counter() - t0
    client = connect(str(work / "site"), key.vkey, state_dir=work / "client")
    t0 = time.perf_counter()
    assert client.check_digest(digest).status == "current"
    cold_s = time.perf_counter() - t0
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        client.check_digest(digest)
        times.append(time.perf_counter() - t0)
    print(f"tiles at {store.size()} entries: export {export_s:.1f} s "
          f"({store.size() / export_s:.0f} entries/s), cold check (index build) {cold_s:.1f} s, "
          f"warm check p50 {statistics.median(times) * 1000:.1f} ms (target < 50 ms)", flush=True)  # fmt: skip


def _synthetic_bodies(size: int, claim: bytes, last: bytes) -> Iterator[bytes]:
    yield claim
    for i in range(1, size - 1):
        yield b'{"bench":%d}' % i
    yield last


def tiles_synthetic(work: Path, size: int) -> tuple[float, float]:
    """Tiles written straight from synthetic leaves (no database): a namespace claim, filler
    entries and one release last; returns (export seconds, warm check p50 seconds)."""
    from detente.attest import generate_key, sign_statement
    from detente.registry import (
        Checkpoint,
        canonical_bundle,
        connect,
        namespace_claim,
        release,
        sign_checkpoint,
    )
    from detente.registry._merkle import leaf_hash
    from detente.registry._tiles import CompactRange, export_tiles

    key = LogKey.generate("bench.example/log")
    owner = generate_key("ec-p256")
    digest = "sha256:" + "cd" * 32
    claim = canonical_bundle(
        sign_statement(namespace_claim("bench/syn", [owner.public_key()]), owner)
    )
    last = canonical_bundle(sign_statement(release("bench/syn", "m", "1", digest, None), owner))
    tree = CompactRange()
    for body in _synthetic_bodies(size, claim, last):
        tree.append(leaf_hash(body))
    note = sign_checkpoint(Checkpoint("bench.example/log", size, tree.root()), key)
    site = work / f"syn-{size}"
    t0 = time.perf_counter()
    export_tiles(site, size, _synthetic_bodies(size, claim, last), note, key.vkey,
                 expect_root=tree.root())  # fmt: skip
    export_s = time.perf_counter() - t0
    client = connect(str(site), key.vkey, state_dir=work / f"syn-client-{size}")
    t0 = time.perf_counter()
    assert client.check_digest(digest).status == "current"
    cold_s = time.perf_counter() - t0
    times = []
    for _ in range(20):
        t0 = time.perf_counter()
        client.check_digest(digest)
        times.append(time.perf_counter() - t0)
    warm = statistics.median(times)
    print(f"synthetic tiles at {size} entries: export {export_s:.1f} s ({size / export_s:.0f} "
          f"entries/s), cold check (index build) {cold_s:.1f} s, warm check p50 "
          f"{warm * 1000:.1f} ms (target < 50 ms)", flush=True)  # fmt: skip
    return export_s, warm


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--pg", default=None, help="PostgreSQL URL (an empty database).")
    ap.add_argument("--max", type=int, default=1_000_000)
    ap.add_argument("--witnesses", action="store_true", help="witnessed appends and tiles check")
    args = ap.parse_args()
    if args.witnesses:
        work = Path(tempfile.mkdtemp(prefix="detente-witbench-"))
        for clients in (8, 64):
            plain = witnessed_rate(work, 0, clients=clients)
            witnessed = witnessed_rate(work, 3, clients=clients)
            print(f"HTTP appends, {clients} publishers: no witnesses {plain:.0f}/s; 3 witnesses "
                  f"{witnessed:.0f}/s (ratio {witnessed / plain:.2f}; target >= 200/s)", flush=True)  # fmt: skip
        tiles_check(work, min(args.max, 100_000))
        small = max(args.max // 10, 1000)
        e_small, _ = tiles_synthetic(work, small)
        e_big, _ = tiles_synthetic(work, args.max)
        print(
            f"tile export linearity: {args.max // small}x the entries took "
            f"{e_big / e_small:.1f}x the time",
            flush=True,
        )
        return
    sizes = [s for s in (10_000, 100_000, 1_000_000) if s <= args.max]
    work = Path(tempfile.mkdtemp(prefix="detente-regbench-"))
    key_path = work / "log.key"
    key_path.write_bytes(LogKey.generate("bench.example/log").private_pem())
    run_backend("SQLite", f"sqlite:///{work / 'log.sqlite3'}", sizes, key_path)
    if args.pg:
        run_backend("PostgreSQL", args.pg, sizes, key_path)


if __name__ == "__main__":
    main()
