"""Sandbox benchmarks (not a test).

1. Start-up: wall time of ``true`` run through :func:`detente.sandbox.run` (setpriv + bubblewrap
   + namespaces + the perl init that sets rlimits), against a plain subprocess (no isolation) and a bare
   ``bwrap --unshare-all`` (the isolation a user would otherwise hand-roll). Target: p95 <= 50 ms.
2. Overhead on a CPU-bound program (pure-Python loop, ~1 s) in one persistent Sandbox versus
   the same interpreter run directly; rounds alternate so CPU drift on a shared machine hits
   both sides. Target: <= 5 %.

    python benchmarks/bench_sandbox.py [--starts 60] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time

from detente.sandbox import Sandbox

CPU_PROGRAM = "s = 0\nfor i in range(12_000_000):\n    s += i * i % 7\nprint(s)"
BARE_BWRAP = [
    "bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/usr", "/usr",
    "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
    "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--",
]  # fmt: skip


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _time(fn: object, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append((time.perf_counter() - t0) * 1000)
    return out


def startup(n: int) -> None:
    with Sandbox() as box:
        box.run(["true"])  # warm caches
        ours = _time(lambda: box.run(["true"]), n)
    direct = _time(lambda: subprocess.run(["/usr/bin/true"], check=True), n)
    bare = _time(lambda: subprocess.run([*BARE_BWRAP, "/usr/bin/true"], check=True), n)
    print(f"start-up over {n} runs (ms)        p50     p95")
    for name, values in (("detente.sandbox", ours), ("bare bwrap", bare), ("subprocess", direct)):
        print(f"  {name:<28}{_pct(values, 0.5):8.1f}{_pct(values, 0.95):8.1f}")
    verdict = "ok" if _pct(ours, 0.95) <= 50 else "OVER TARGET"
    print(f"  target p95 <= 50 ms: {verdict}")


def cpu_overhead(rounds: int) -> None:
    """Wall time (what the target is about) and CPU time (user + system of everything that
    ran, which other jobs on a shared machine do not inflate) of the same program."""
    direct: list[float] = []
    boxed: list[float] = []
    direct_cpu: list[float] = []
    boxed_cpu: list[float] = []
    with Sandbox() as box:
        for _ in range(rounds):
            before = os.times()
            t0 = time.perf_counter()
            subprocess.run(["/usr/bin/python3", "-c", CPU_PROGRAM], check=True, capture_output=True)
            direct.append(time.perf_counter() - t0)
            after = os.times()
            direct_cpu.append(
                after.children_user + after.children_system
                - before.children_user - before.children_system
            )  # fmt: skip
            t0 = time.perf_counter()
            result = box.run(["python3", "-c", CPU_PROGRAM])
            boxed.append(time.perf_counter() - t0)
            boxed_cpu.append(result.cpu_seconds)
            assert result.exit_code == 0, result.stderr
    d, b = statistics.median(direct), statistics.median(boxed)
    dc, bc = statistics.median(direct_cpu), statistics.median(boxed_cpu)
    print(f"CPU-bound program, median of {rounds} alternating rounds")
    print(f"  wall: direct {d:.3f} s   sandboxed {b:.3f} s   overhead {100 * (b / d - 1):+.1f} %")
    print(
        f"  cpu:  direct {dc:.3f} s   sandboxed {bc:.3f} s   overhead {100 * (bc / dc - 1):+.1f} %"
    )
    print(f"  target <= 5 % (wall): {'ok' if b / d - 1 <= 0.05 else 'OVER TARGET'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    startup(args.starts)
    cpu_overhead(args.rounds)


if __name__ == "__main__":
    main()
