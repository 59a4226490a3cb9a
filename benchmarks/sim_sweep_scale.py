"""Simulate `detente sweep` on a real cluster: the task graph of a 10^7-file hub, scheduled the
way the driver schedules it, for several cluster sizes. Prints makespan estimates.

    python benchmarks/sim_sweep_scale.py                       # the defaults below
    python benchmarks/sim_sweep_scale.py --files 1e6 --rate 1.8 --model-ms 12 --overhead-ms 1

Not a benchmark: a model. Its inputs are per-task costs *measured* by benchmarks/bench_sweep.py
(pass yours) and a synthetic hub whose shape is stated here:

- ``files / 8`` models; 88 % small (config, tokenizer, README and weights < 200 MB,
  log-normal), 12 % large (1–8 safetensors shards of 2–10 GB each), plus ``--giants`` models
  holding one 400 GB shard each.
- a small model is one task (or ``--batch`` models per task); a large file (> 2 GB) is a
  file-digest task (``files`` serialization only: one sequential SHA-256 pass) plus range tasks
  of ``--unit-gb`` each (tensor digests; with ``shards`` serialization also the shard digests).

Scheduling is what ``run_sweep`` does: tasks submitted in discovery order, each model's units
longest first, at most ``window`` in flight, each started on the first free worker; the driver
spends ``--driver-ms`` per task (submit + result + store write). Every task also pays
``--overhead-ms`` (Ray's per-task cost). The makespan is compared with the lower bound
max(total work / workers, longest task, driver time).
"""

from __future__ import annotations

import argparse
import heapq
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

GB = 1e9


@dataclass(frozen=True)
class Costs:
    rate: float  # SHA-256 bytes/s per core
    model_s: float  # fixed cost of a small model's unit (walk, scan, inventory, header reads)
    overhead_s: float  # per task on the worker (Ray)
    driver_s: float  # per task on the driver
    unit: float  # range-unit bytes
    method: str  # files | shards
    batch: int  # small models per task


def hub(files: float, giants: int, seed: int = 7) -> Iterator[tuple[float, list[float]]]:
    """(small bytes, [large file sizes]) per model, in discovery order."""
    rng = np.random.default_rng(seed)
    n = int(files / 8)
    large = rng.random(n) < 0.12
    small_bytes = np.minimum(rng.lognormal(np.log(20e6), 1.5, n), 200e6)
    shards = rng.integers(1, 9, n)
    for i in range(n):
        if large[i]:
            yield 2e6, list(rng.uniform(2 * GB, 10 * GB, int(shards[i])))
        else:
            yield float(small_bytes[i]), []
        if giants and i % (n // giants) == 0:
            yield 1e6, [400 * GB]


def tasks(files: float, giants: int, c: Costs) -> Iterator[float]:
    """Task durations in submission order."""
    pending_small = 0.0
    count = 0
    for small, big in hub(files, giants):
        work = []
        for size in big:
            if c.method == "files":
                work.append(size / c.rate)  # the file-digest unit
            per = c.unit / c.rate * (2 if c.method == "shards" else 1)
            k, rest = divmod(size, c.unit)
            work += [per] * int(k) + ([rest / c.unit * per] if rest else [])
        model = c.model_s + 2 * small / c.rate  # file digests + tensor digests, inline
        if big:
            yield from sorted(work, reverse=True)
            yield model
            continue
        pending_small += model
        count += 1
        if count == c.batch:
            yield pending_small
            pending_small, count = 0.0, 0
    if count:
        yield pending_small


def simulate(files: float, giants: int, workers: int, c: Costs, window: int) -> dict[str, float]:
    free = [0.0] * workers  # min-heap of worker free times
    inflight: list[float] = []  # min-heap of finish times of submitted tasks
    driver = 0.0
    work = longest = 0.0
    n = 0
    for t in tasks(files, giants, c):
        d = t + c.overhead_s
        while len(inflight) >= window:  # the driver waits for a result before submitting more
            driver = max(driver, heapq.heappop(inflight))
        driver += c.driver_s
        start = max(heapq.heappop(free), driver)
        end = start + d
        heapq.heappush(free, end)
        heapq.heappush(inflight, end)
        work += d
        longest = max(longest, d)
        n += 1
    makespan = max(*free, driver)
    bound = max(work / workers, longest, n * c.driver_s)
    return {"tasks": n, "work_h": work / 3600, "makespan_h": makespan / 3600,
            "bound_h": bound / 3600, "longest_h": longest / 3600}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--files", type=float, default=1e7)
    ap.add_argument("--giants", type=int, default=10, help="models with one 400 GB shard")
    ap.add_argument("--rate", type=float, default=0.29, help="SHA-256 GB/s per core (measured)")
    ap.add_argument("--model-ms", type=float, default=15.0, help="small-model unit, ms (measured)")
    ap.add_argument("--overhead-ms", type=float, default=5.0, help="Ray per-task cost, ms")
    ap.add_argument("--driver-ms", type=float, default=1.0, help="driver per task, ms")
    ap.add_argument("--unit-gb", type=float, default=4.0)
    ap.add_argument("--batch", type=int, default=64, help="small models per task")
    ap.add_argument("--workers", default="64,256,1024,4096")
    ap.add_argument("--window", type=int, default=0, help="tasks in flight [default: 4 × workers]")
    a = ap.parse_args()
    print(f"hub: {a.files:.0e} files, {int(a.files / 8)} models, {a.giants} × 400 GB shards; "
          f"SHA-256 {a.rate} GB/s/core, small model {a.model_ms} ms, Ray {a.overhead_ms} ms/task, "
          f"driver {a.driver_ms} ms/task, range unit {a.unit_gb} GB, {a.batch} small models/task")  # fmt: skip
    print(
        f"{'method':<7} {'workers':>7} {'tasks':>9} {'work h':>9} {'makespan h':>11} {'bound h':>8} {'longest h':>9}"
    )
    for method in ("files", "shards"):
        for w in (int(x) for x in a.workers.split(",")):
            c = Costs(a.rate * GB, a.model_ms / 1e3, a.overhead_ms / 1e3, a.driver_ms / 1e3,
                      a.unit_gb * GB, method, a.batch)  # fmt: skip
            r = simulate(a.files, a.giants, w, c, a.window or 4 * w)
            print(f"{method:<7} {w:>7} {r['tasks']:>9} {r['work_h']:>9.1f} {r['makespan_h']:>11.2f} "
                  f"{r['bound_h']:>8.2f} {r['longest_h']:>9.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
