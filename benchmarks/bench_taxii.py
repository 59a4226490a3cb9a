"""TAXII 2.1 at scale: first-page latency and the cost of a full walk, Détente vs medallion.

Both servers run as real HTTP servers on 127.0.0.1 in subprocesses and hold the same synthetic
STIX 2.1 indicators (throughput does not depend on content; no labelled data involved).
Détente: SQLite store, objects POSTed in envelopes of 1,000. medallion 3.0 (the OASIS
reference server): its memory backend, loaded from a data file (POSTing is itself quadratic
there). We time the first page (limit=100, median of 5) and a walk over every object
(``next`` for objects, ``added_after`` = X-TAXII-Date-Added-Last for the manifest), and check
the walk returned every object exactly once.

    python benchmarks/bench_taxii.py                       # 1k, 10k, 100k; medallion 500, 1k
    python benchmarks/bench_taxii.py --sizes 1000 --medallion-sizes 1000
    MEDALLION_PYTHON=/path/to/python  # an interpreter with medallion, if not this one
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

MEDIA = "application/taxii+json;version=2.1"
COL = "9a3d3f4e-2b7c-4c1e-8f57-3f0f2a1d6b10"
RECORDED = "medallion 3.0, recorded in issue 11 on this machine: first page 3.5 s at 1k, 59 s at 4k"


def indicator(i: int) -> dict[str, object]:
    return {
        "type": "indicator", "spec_version": "2.1", "id": f"indicator--{uuid.UUID(int=i + 1)}",
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
        "name": f"sample {i}", "pattern": f"[file:hashes.'SHA-256' = '{i:064x}']",
        "pattern_type": "stix", "valid_from": "2024-01-01T00:00:00Z",
    }  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(proc: subprocess.Popen[bytes], url: str, auth: tuple[str, str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "server died")
        try:
            httpx.get(url, auth=auth, headers={"Accept": MEDIA}, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def first_page(client: httpx.Client, url: str) -> float:
    times = []
    for _ in range(5):
        t = time.perf_counter()
        r = client.get(url, params={"limit": "100"}, timeout=600)
        r.raise_for_status()
        times.append(time.perf_counter() - t)
        if times[-1] > 2:  # one slow sample is enough to make the point
            break
    return statistics.median(times)


def walk_objects(client: httpx.Client, url: str, limit: int) -> tuple[float, list[str]]:
    t, ids, params = time.perf_counter(), [], {"limit": str(limit)}
    while True:
        body = client.get(url, params=params, timeout=600).json()
        ids += [o["id"] for o in body.get("objects", [])]
        if not body.get("more"):
            return time.perf_counter() - t, ids
        params = {"limit": str(limit), "next": body["next"]}


def walk_manifest(client: httpx.Client, url: str, limit: int) -> tuple[float, list[str]]:
    t, ids, params = time.perf_counter(), [], {"limit": str(limit)}
    while True:
        r = client.get(url, params=params, timeout=600)
        body = r.json()
        ids += [o["id"] for o in body.get("objects", [])]
        if not body.get("more"):
            return time.perf_counter() - t, ids
        params = {"limit": str(limit), "added_after": r.headers["X-TAXII-Date-Added-Last"]}


def detente_run(n: int, tmp: Path) -> dict[str, float]:
    from detente.incidents import hash_taxii_password

    users = tmp / "users.toml"
    users.write_text(
        f'[[collections]]\nid = "{COL}"\ntitle = "bench"\n'
        f'[users.bench]\npassword = "{hash_taxii_password("bench")}"\n'
        'read = ["*"]\nwrite = ["*"]\n'
    )
    db = tmp / f"taxii-{n}.sqlite3"
    port = free_port()
    env = {**os.environ, "DETENTE_TAXII_DB": f"sqlite:///{db}", "DETENTE_TAXII_USERS": str(users)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "detente.incidents:taxii_app_from_env",
         "--port", str(port), "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}/taxii2/detente/collections/{COL}"
    try:
        wait_up(proc, f"http://127.0.0.1:{port}/taxii2/", ("bench", "bench"))
        with httpx.Client(auth=("bench", "bench"), headers={"Accept": MEDIA}) as c:
            t = time.perf_counter()
            for start in range(0, n, 1000):
                env_ = {"objects": [indicator(i) for i in range(start, min(n, start + 1000))]}
                r = c.post(f"{base}/objects/", content=json.dumps(env_),
                           headers={"Content-Type": MEDIA}, timeout=600)  # fmt: skip
                assert r.status_code == 202 and r.json()["failure_count"] == 0, r.text[:300]
            ingest = time.perf_counter() - t
            fp = first_page(c, f"{base}/objects/")
            walk, ids = walk_objects(c, f"{base}/objects/", 1000)
            mwalk, mids = walk_manifest(c, f"{base}/manifest/", 1000)
        want = [indicator(i)["id"] for i in range(n)]
        assert ids == want and mids == want, "a walk lost or repeated objects"
        return {"ingest": ingest, "first": fp, "walk": walk, "mwalk": mwalk}
    finally:
        proc.kill()
        proc.wait()


def medallion_python() -> str | None:
    for py in (os.environ.get("MEDALLION_PYTHON"), sys.executable):
        if (
            py
            and subprocess.run(
                [py, "-c", "import medallion"], check=False, capture_output=True
            ).returncode
            == 0
        ):
            return py
    return None


def medallion_run(py: str, n: int, tmp: Path) -> dict[str, float]:
    port = free_port()
    objs = [indicator(i) for i in range(n)]
    manifest = [
        {"id": o["id"], "date_added": f"2024-01-01T00:{i // 60000 % 60:02d}:{i // 1000 % 60:02d}."
         f"{i % 1000:03d}000Z", "version": o["modified"],
         "media_type": "application/stix+json;version=2.1"}
        for i, o in enumerate(objs)
    ]  # fmt: skip
    data = {
        "/discovery": {"title": "bench", "default": f"http://127.0.0.1:{port}/api1/",
                       "api_roots": [f"http://127.0.0.1:{port}/api1/"]},
        "api1": {
            "information": {"title": "bench", "versions": [MEDIA], "max_content_length": 10**8},
            "status": [],
            "collections": [{"id": COL, "title": "bench", "can_read": True, "can_write": True,
                             "media_types": ["application/stix+json;version=2.1"],
                             "objects": objs, "manifest": manifest}],
        },
    }  # fmt: skip
    (tmp / "med-data.json").write_text(json.dumps(data))
    cfg = {
        "backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
                    "filename": str(tmp / "med-data.json")},
        "users": {"bench": "bench"}, "taxii": {"max_page_size": 1000},
    }  # fmt: skip
    (tmp / "med.json").write_text(json.dumps(cfg))
    proc = subprocess.Popen(
        [py, "-m", "medallion.scripts.run", "--port", str(port), str(tmp / "med.json")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}/api1/collections/{COL}"
    try:
        wait_up(proc, f"http://127.0.0.1:{port}/taxii2/", ("bench", "bench"))
        with httpx.Client(auth=("bench", "bench"), headers={"Accept": MEDIA}) as c:
            fp = first_page(c, f"{base}/objects/")
            walk, ids = walk_objects(c, f"{base}/objects/", 1000)
        return {
            "first": fp,
            "walk": walk,
            "complete": float(sorted(ids) == sorted(o["id"] for o in objs)),
        }
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--medallion-sizes", default="500,1000")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-taxii-"))
    ours: dict[int, dict[str, float]] = {}
    try:
        print(f"{'server':<10}{'objects':>9}{'ingest s':>10}{'first page ms':>15}"
              f"{'walk s':>9}{'µs/object':>11}{'manifest walk s':>17}")  # fmt: skip
        for n in (int(x) for x in args.sizes.split(",") if x):
            r = ours[n] = detente_run(n, tmp)
            print(f"{'détente':<10}{n:>9}{r['ingest']:>10.1f}{r['first'] * 1000:>15.1f}"
                  f"{r['walk']:>9.2f}{r['walk'] / n * 1e6:>11.1f}{r['mwalk']:>17.2f}")  # fmt: skip
        py = medallion_python()
        if py is None:
            print(f"medallion not installed; {RECORDED}")
            return
        for n in (int(x) for x in args.medallion_sizes.split(",") if x):
            m = medallion_run(py, n, tmp)
            line = f"{'medallion':<10}{n:>9}{'-':>10}{m['first'] * 1000:>15.1f}{m['walk']:>9.2f}"
            line += f"{m['walk'] / n * 1e6:>11.1f}{'-':>17}"
            print(line + ("" if m["complete"] else "  (walk incomplete!)"))
            if n in ours:
                print(f"{'':<10}first page: détente is {m['first'] / ours[n]['first']:.0f}x "
                      f"faster; full walk {m['walk'] / ours[n]['walk']:.0f}x faster")  # fmt: skip
        print(RECORDED + " (for reference; the rows above are this run)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
