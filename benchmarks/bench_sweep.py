"""Scaling of `detente sweep`: in-process vs Ray local (1 and 2 workers) vs picklescan and
model_signing over the same synthetic hub, in one run.

    python benchmarks/bench_sweep.py             # 10,000 small models + 2 × 2.5 GB models
    python benchmarks/bench_sweep.py --small     # 400 small models + 1 × 0.25 GB, ~1 minute
    python benchmarks/bench_sweep.py --models 20000 --big 4 --big-gb 4
    python benchmarks/bench_sweep.py --only small --repeat 3 --skip-tools   # the 2-vs-1 ratio

The hub is synthetic (written here, cached under --cache): small models of mixed formats
(safetensors + config.json; GGUF; a benign pickle ``pytorch_model.bin`` + config.json; ``.npy`` +
README) and a few large single-shard safetensors models of 64 MiB random tensors. Each
configuration runs in its own subprocess (so peak RSS is its own). Figures:

- files/s and GB/s of model bytes; for the large files also *hashed* GB/s — every byte is hashed
  twice (the OMS file digest and the tensor digests are both SHA-256 over it, and neither can
  be derived from the other) — against the raw bound: plain ``hashlib`` SHA-256 over the same
  bytes from the page cache on a pool of as many processes as the run has workers (256 MiB
  pieces), measured right before and right after each run (the mean is the bound), so bound and
  run see the same machine load. Every configuration first reads its tree once (page cache
  warm for all of them alike).
- CPU seconds by role (driver, Ray workers, raylet, GCS, Ray's other processes): what the
  wall-clock ratio cannot show on a shared machine.
- ``--repeat K`` runs K Ray 1-worker/2-worker pairs back to back and reports the median ratio.
- A machine check first: the same in-memory SHA-256 work on 1 and on 2 processes. On a shared
  machine that gives a job half a core, 2 processes are no faster than 1, and no 2-worker
  ratio below can be read as scaling.
- Ray overhead per task: trivial tasks through run_sweep's driver loop on one worker (the
  in-process run also plans on the same core, while a Ray driver plans beside its workers).
- peak RSS: the in-process run's own; for Ray each worker's ``ru_maxrss`` after the sweep.

Targets (issue 17): Ray 2 workers ≥ 1.8× 1 worker on small files; hashed GB/s ≥ 0.9× the raw
bound on large files; Ray overhead ≤ 5 ms per task. Nothing here is tuned to the synthetic hub.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

MiB = 1 << 20


def _safetensors(path: Path, tensors: dict[str, bytes], shape_of: dict[str, list[int]]) -> None:
    header: dict[str, Any] = {}
    off = 0
    for name, raw in tensors.items():
        header[name] = {
            "dtype": "F32",
            "shape": shape_of[name],
            "data_offsets": [off, off + len(raw)],
        }
        off += len(raw)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with path.open("wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for raw in tensors.values():
            f.write(raw)


def _small_model(root: Path, i: int, rng: np.random.Generator) -> None:
    root.mkdir(parents=True, exist_ok=True)
    kind = i % 4
    if kind == 0:
        a, b = (
            rng.standard_normal(64, dtype=np.float32),
            rng.standard_normal(256, dtype=np.float32),
        )
        _safetensors(
            root / "model.safetensors",
            {"a": a.tobytes(), "b": b.tobytes()},
            {"a": [64], "b": [256]},
        )
        (root / "config.json").write_text(json.dumps({"model_type": "toy", "i": i}))
    elif kind == 1:
        import gguf

        w = gguf.GGUFWriter(str(root / "model.gguf"), "llama")
        w.add_tensor("w", rng.standard_normal((16, 16), dtype=np.float32))
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_tensors_to_file()
        w.close()
    elif kind == 2:
        state = {"weight": [float(x) for x in rng.standard_normal(64)], "step": i}
        (root / "pytorch_model.bin").write_bytes(pickle.dumps(state, protocol=4))
        (root / "config.json").write_text(json.dumps({"model_type": "toy"}))
    else:
        np.save(root / "weights.npy", rng.standard_normal(512, dtype=np.float32))
        (root / "README.md").write_text(f"model {i}\n")


def _big_model(root: Path, gb: float, rng: np.random.Generator) -> None:
    root.mkdir(parents=True, exist_ok=True)
    n = max(1, int(gb * 1e9) // (64 * MiB))
    names = [f"layers.{k}.weight" for k in range(n)]
    header: dict[str, Any] = {}
    for k, name in enumerate(names):
        header[name] = {
            "dtype": "F32",
            "shape": [16 * MiB],
            "data_offsets": [k * 64 * MiB, (k + 1) * 64 * MiB],
        }
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with (root / "model.safetensors").open("wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for _ in names:
            f.write(rng.bytes(64 * MiB))


def build_hub(cache: Path, models: int, big: int, big_gb: float) -> Path:
    hub = cache / f"hub-{models}-{big}x{big_gb:g}"
    # The marker sits beside the hub, not in it: a file directly in the hub root would make
    # the walker count the root itself as one model.
    marker = cache / f"{hub.name}.complete"
    if marker.exists():
        return hub
    shutil.rmtree(hub, ignore_errors=True)
    rng = np.random.default_rng(17)
    for i in range(models):
        _small_model(hub / "small" / f"org-{i // 100:03d}" / f"m{i:05d}", i, rng)
    for j in range(big):
        _big_model(hub / "large" / f"big{j}", big_gb, rng)
    marker.write_text("ok\n")
    return hub


def _tree_stats(root: Path) -> tuple[int, int]:
    files = [p for p in root.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


# ---- children: one configuration each, printing one JSON object ------------------------------


def _worker_rss(ray: Any) -> list[int]:
    @ray.remote(num_cpus=1)
    def rss() -> tuple[int, int]:
        time.sleep(0.2)
        return os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    got = dict(ray.get([rss.remote() for _ in range(8)]))
    return sorted(got.values())


def _warm(ray: Any) -> None:
    """Start every worker and import detente in it before timing (a long sweep pays it once)."""

    @ray.remote(num_cpus=1)
    def warm() -> int:
        import detente.scan
        import detente.sweep  # noqa: F401

        time.sleep(0.5)
        return os.getpid()

    ray.get([warm.remote() for _ in range(8)])


def _cpu_by_role() -> dict[str, float]:
    """CPU seconds (user + system) so far of this driver and of the Ray processes it started
    (its descendants), by role: workers (``ray::`` processes), raylet, gcs_server, other."""
    import psutil

    me = psutil.Process()
    out = {
        "driver": sum(me.cpu_times()[:2]),
        "workers": 0.0,
        "raylet": 0.0,
        "gcs": 0.0,
        "other": 0.0,
    }
    for p in me.children(recursive=True):
        try:
            name, cmd, t = p.name(), " ".join(p.cmdline()[:1]), sum(p.cpu_times()[:2])
        except psutil.Error:
            continue
        role = ("workers" if cmd.startswith("ray::") or "default_worker" in cmd
                else "raylet" if "raylet" in name else "gcs" if "gcs_server" in name else "other")  # fmt: skip
        out[role] += t
    return out


def _ray_overhead(n: int = 3000) -> dict[str, Any]:
    """Ray's own cost per task: trivial tasks through the driver loop run_sweep uses (a window
    of 64 in flight, ray.wait for one, ray.get it), on one worker."""
    import ray

    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)
    _warm(ray)

    @ray.remote(num_cpus=1)
    def noop(i: int) -> int:
        return i

    t0 = time.perf_counter()
    inflight: list[Any] = []
    todo = iter(range(n))
    while True:
        for i in todo:
            inflight.append(noop.remote(i))
            if len(inflight) >= 64:
                break
        if not inflight:
            break
        ready, inflight = ray.wait(inflight, num_returns=1)
        ray.get(ready)
    secs = time.perf_counter() - t0
    ray.shutdown()
    return {
        "mode": "overhead",
        "seconds": secs,
        "tasks": n,
        "ms_per_task": secs / n * 1e3,
    }


def _warm_page_cache(root: Path) -> int:
    """Read every file once, so every configuration (and the raw bound) hashes from the page
    cache: the first run of a workload would otherwise pay the disk alone."""
    n = 0
    for p in sorted(root.rglob("*")):
        if p.is_file():
            with p.open("rb") as f:
                while chunk := f.read(64 * MiB):
                    n += len(chunk)
    return n


def _hash_piece(piece: tuple[str, int, int]) -> tuple[int, float]:
    path, start, end = piece
    cpu0 = time.process_time()
    h = hashlib.sha256()
    view = memoryview(bytearray(8 * MiB))
    with open(path, "rb", buffering=0) as f:
        f.seek(start)
        left = end - start
        while left > 0:
            n = f.readinto(view[: min(len(view), left)])
            if not n:
                break
            h.update(view[:n])
            left -= n
    return end - start, time.process_time() - cpu0


def _hash_memory(_: int) -> float:
    buf = bytes(range(256)) * (1 << 18)  # 64 MiB
    cpu0 = time.process_time()
    for _ in range(8):
        hashlib.sha256(buf).digest()
    return time.process_time() - cpu0


def cpu_check(rounds: int = 3) -> list[tuple[float, float]]:
    """Can this machine run 2 processes twice as fast as 1 right now? The same work (2 × 512 MiB
    of in-memory SHA-256, no I/O, no Ray, no detente) on a pool of 1 and of 2 processes; the
    wall times, alternating. If they are equal, no 2-worker figure below can reach 2×."""
    import multiprocessing as mp

    out = []
    for _ in range(rounds):
        pair = []
        for n in (1, 2):
            with mp.get_context("fork").Pool(n) as pool:
                pool.map(abs, range(n))
                t0 = time.perf_counter()
                pool.map(_hash_memory, range(2))
                pair.append(time.perf_counter() - t0)
        out.append((pair[0], pair[1]))
    return out


def _raw_bound(root: Path, procs: int) -> dict[str, Any]:
    """The honest best a user could do on this machine with ``procs`` cores: plain hashlib
    SHA-256 over the same bytes from the page cache, 256 MiB pieces on a pool of ``procs``
    processes (started before the clock)."""
    import multiprocessing as mp

    files = sorted(root.rglob("*.safetensors"))
    _warm_page_cache(root)
    step = 256 * MiB
    pieces = [(str(p), a, min(a + step, p.stat().st_size)) for p in files
              for a in range(0, p.stat().st_size, step)]  # fmt: skip
    with mp.get_context("fork").Pool(procs) as pool:
        pool.map(abs, range(procs))  # workers up before timing
        t0 = time.perf_counter()
        done = list(pool.imap_unordered(_hash_piece, pieces))
        secs = time.perf_counter() - t0
    n, cpu = sum(d[0] for d in done), sum(d[1] for d in done)
    return {"mode": f"raw{procs}", "seconds": secs, "bytes": n, "gbps": n / secs / 1e9,
            "gb_per_cpu_s": n / cpu / 1e9}  # fmt: skip


def child(mode: str, root: Path, split_above: int, unit_size: int, batch: int) -> dict[str, Any]:
    from detente.sweep import Settings, run_sweep

    settings = Settings(split_above=split_above, unit_size=unit_size)
    out: dict[str, Any] = {"mode": mode}
    if mode == "overhead":
        return _ray_overhead()
    if mode in ("inproc", "ray1", "ray2"):
        _warm_page_cache(root)
    if mode in ("ray1", "ray2"):
        import ray

        t0 = time.perf_counter()
        ray.init(num_cpus=int(mode[-1]), include_dashboard=False, log_to_driver=False)
        out["ray_init_s"] = time.perf_counter() - t0
        _warm(ray)
        cpu0 = _cpu_by_role()
        t0 = time.perf_counter()
        s = run_sweep([root], use_ray=True, settings=settings, batch=batch)
        out["seconds"] = time.perf_counter() - t0
        cpu1 = _cpu_by_role()
        out["cpu_s"] = {k: round(cpu1[k] - cpu0[k], 2) for k in cpu0}
        out["worker_rss_kb"] = _worker_rss(ray)
        ray.shutdown()
    elif mode == "inproc":
        from detente.sweep import discover_models, sweep_model

        sweep_model(discover_models([root])[0])  # imports and first-use caches, as on a worker
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        s = run_sweep([root], workers=1, settings=settings, batch=batch)
        out["seconds"] = time.perf_counter() - t0
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        out["cpu_s"] = {
            "driver": round(cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime, 2)
        }
    elif mode in ("raw1", "raw2"):
        return _raw_bound(root, int(mode[-1]))
    elif mode == "model_signing":
        from model_signing import hashing

        from detente.sweep import discover_models

        roots = discover_models([root])
        t0 = time.perf_counter()
        for r in roots:
            hashing.Config().hash(r)
        out["seconds"] = time.perf_counter() - t0
        return out
    out.update(units=s.units, models=s.models, failed=s.failed, files=s.files, bytes=s.bytes)
    out["rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return out


def run_child(mode: str, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", mode, "--root", str(root),
           "--split-above", str(args.split_above), "--unit-size", str(args.unit_size),
           "--batch", str(args.batch)]  # fmt: skip
    p = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=args.timeout)
    if p.returncode != 0:
        return {
            "mode": mode,
            "error": p.stderr.strip().splitlines()[-1] if p.stderr else "failed",
        }
    return dict(json.loads(p.stdout.strip().splitlines()[-1]))


def run_picklescan(root: Path, timeout: float) -> dict[str, Any]:
    exe = shutil.which("picklescan") or str(Path(sys.executable).parent / "picklescan")
    t0 = time.perf_counter()
    p = subprocess.run(
        [exe, "-p", str(root)],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    return {
        "mode": "picklescan",
        "seconds": time.perf_counter() - t0,
        "rc": p.returncode,
    }


def _load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _row(name: str, r: dict[str, Any], files: int, nbytes: int, hashed: int | None = None) -> str:
    if "error" in r:
        return f"  {name:<24} FAILED: {r['error']}"
    s = r["seconds"]
    line = f"  {name:<24} {s:8.2f} s {files / s:9.0f} files/s {nbytes / 1e9 / s:7.3f} GB/s"
    if hashed is not None:
        line += f"  hashed {hashed / 1e9 / s:6.3f} GB/s"
    if "rss_kb" in r:
        line += f"  driver RSS {r['rss_kb'] / 1024:.0f} MiB"
    if "worker_rss_kb" in r:
        line += "  worker RSS " + "/".join(f"{k / 1024:.0f}" for k in r["worker_rss_kb"]) + " MiB"
    if "cpu_s" in r:
        line += "  CPU s " + " ".join(f"{k} {v:.1f}" for k, v in r["cpu_s"].items())
    if "ray_init_s" in r:
        line += f"  (ray.init {r['ray_init_s']:.1f} s, not counted)"
    return line


_NAMES = {"inproc": "detente in-process", "ray1": "detente Ray 1 worker",
          "ray2": "detente Ray 2 workers"}  # fmt: skip
_WORKERS = {"inproc": 1, "ray1": 1, "ray2": 2}


def _bounded(mode: str, root: Path, args: argparse.Namespace) -> dict[str, Any]:
    """A large-file run between two measurements of the raw bound with as many processes as
    the run has workers, so the bound sees the same machine load as the run it judges."""
    n = _WORKERS[mode]
    before = run_child(f"raw{n}", root, args)
    r = run_child(mode, root, args)
    after = run_child(f"raw{n}", root, args)
    if "gbps" in before and "gbps" in after:
        r["bound_gbps"] = (before["gbps"] + after["gbps"]) / 2
        r["bound_gbps_before_after"] = [before["gbps"], after["gbps"]]
        r["raw_gb_per_cpu_s"] = (before["gb_per_cpu_s"] + after["gb_per_cpu_s"]) / 2
    return r


def _workload(
    title: str, root: Path, args: argparse.Namespace, hashed_x: int | None
) -> dict[str, Any]:
    files, nbytes = _tree_stats(root)
    print(f"\n{title}: {files} files, {nbytes / 1e9:.3f} GB  [{_load()}]", flush=True)
    res: dict[str, Any] = {"files": files, "bytes": nbytes}
    hashed = None if hashed_x is None else hashed_x * nbytes
    modes = ["inproc"] + ["ray1", "ray2"] * args.repeat
    for mode in modes:
        r = _bounded(mode, root, args) if hashed_x else run_child(mode, root, args)
        r["load"] = os.getloadavg()[0]
        res.setdefault(mode, []).append(r)
        line = _row(_NAMES[mode], r, files, nbytes, hashed)
        if hashed and "bound_gbps" in r and "seconds" in r:
            line += f"  = {hashed / r['seconds'] / 1e9 / r['bound_gbps']:.2f}x raw bound"
            line += f" {r['bound_gbps']:.3f} GB/s ({_WORKERS[mode]} proc)"
            cpu = r["cpu_s"].get("workers", r["cpu_s"]["driver"])
            line += f"; hashed GB per worker CPU s {hashed / 1e9 / cpu:.3f}"
            line += f" vs raw {r['raw_gb_per_cpu_s']:.3f}"
        print(f"{line}  [load {r['load']:.1f}]", flush=True)
    if not args.skip_tools:
        res["picklescan"] = [r := run_picklescan(root, args.timeout)]
        print(_row("picklescan (scan only)", r, files, nbytes), flush=True)
        res["model_signing"] = [r := run_child("model_signing", root, args)]
        print(_row("model_signing (hash only)", r, files, nbytes), flush=True)
    return res


def _median(xs: list[float]) -> float | None:
    return statistics.median(xs) if xs else None


def _ratio(a: dict[str, Any], b: dict[str, Any]) -> float | None:
    if "seconds" not in a or "seconds" not in b:
        return None
    return float(b["seconds"] / a["seconds"])


def _speedups(res: dict[str, Any]) -> list[float]:
    """Ray 2 workers vs 1, pair by pair (each pair run back to back)."""
    return [a["seconds"] / b["seconds"] for a, b in zip(res.get("ray1", []), res.get("ray2", []), strict=False)
            if "seconds" in a and "seconds" in b]  # fmt: skip


def _bound_ratios(res: dict[str, Any], mode: str) -> list[float]:
    return [2 * res["bytes"] / r["seconds"] / 1e9 / r["bound_gbps"]
            for r in res.get(mode, []) if "seconds" in r and "bound_gbps" in r]  # fmt: skip


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}x"


def _fmt_all(xs: list[float]) -> str:
    return "[" + ", ".join(f"{x:.2f}" for x in xs) + "]"


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--models", type=int, default=10_000)
    ap.add_argument("--big", type=int, default=2)
    ap.add_argument("--big-gb", type=float, default=2.5)
    ap.add_argument("--small", action="store_true", help="400 small models + 1 × 0.25 GB")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/detente-bench-sweep"))
    ap.add_argument("--split-above", type=int, default=None)
    ap.add_argument("--unit-size", type=int, default=None)
    ap.add_argument("--batch", type=int, default=64, help="small models per task")
    ap.add_argument("--skip-tools", action="store_true")
    ap.add_argument("--repeat", type=int, default=1, help="Ray 1-then-2-worker pairs per workload")
    ap.add_argument("--only", choices=["small", "large"], default=None, help="one workload")
    ap.add_argument("--timeout", type=float, default=3600)
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--root", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    # Large files split into 256 MiB range units (1 GB is the production default; smaller units
    # let 2 workers share the few large files of this hub).
    args.split_above = args.split_above or 128 * MiB
    args.unit_size = args.unit_size or 256 * MiB
    if args.child:
        print(
            json.dumps(child(args.child, args.root, args.split_above, args.unit_size, args.batch))
        )
        return
    if args.small:
        args.models, args.big, args.big_gb = 400, 1, 0.25
    t0 = time.perf_counter()
    hub = build_hub(args.cache, args.models, args.big, args.big_gb)
    print(f"hub {hub} ready in {time.perf_counter() - t0:.0f} s; cpus {os.cpu_count()}; {_load()}")
    pairs = cpu_check()
    print("machine check, in-memory SHA-256, same work on 1 vs 2 processes: "
          + ", ".join(f"{a:.2f} s vs {b:.2f} s ({a / b:.2f}x)" for a, b in pairs)
          + f"  [{_load()}]", flush=True)  # fmt: skip
    small: dict[str, Any] = {}
    large: dict[str, Any] = {"bytes": 0}
    if args.only != "large":
        small = _workload(f"small-file workload ({args.models} models)", hub / "small", args, None)
    if args.only != "small":
        large = _workload(
            f"large-file workload ({args.big} × {args.big_gb:g} GB)",
            hub / "large",
            args,
            2,
        )
    print("\nratios and targets (medians over --repeat pairs):")
    sp = _speedups(small)
    print(f"  small files, Ray 2 workers vs 1: {_fmt(_median(sp))} of {_fmt_all(sp)} (target >= 1.8x)")  # fmt: skip
    for mode in ("inproc", "ray1", "ray2"):
        br = _bound_ratios(large, mode)
        print(f"  large files, {mode}: hashed GB/s / raw bound of {_WORKERS[mode]} process(es): "
              f"{_fmt(_median(br))} of {_fmt_all(br)} (target >= 0.9x)")  # fmt: skip
    over = run_child("overhead", hub, args)
    if "ms_per_task" in over:
        print(f"  Ray overhead per task (trivial tasks, 1 worker, run_sweep's driver loop): "
              f"{over['ms_per_task']:.2f} ms (target <= 5 ms)  [{_load()}]")  # fmt: skip
    for tool in ("picklescan", "model_signing"):
        r = _ratio(small.get("inproc", [{}])[0], small.get(tool, [{}])[0])
        if r:
            print(f"  small files, {tool} time / detente in-process time: {r:.2f}")
    print(json.dumps({"small": small, "large": large, "overhead": over}, default=str))


if __name__ == "__main__":
    main()
