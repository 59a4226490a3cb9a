"""Side-by-side: Détente vs the model-file scanners a user would otherwise pick. Not a test.

Three parts, measured in one run:

1. **Accuracy on data we did not write** (the headline): ../shared/data/peer-scan, the sample
   files of picklescan's, fickling's, modelscan's, ModelAudit's and aisbom's own test suites and
   published bypasses (INDEX.tsv: 200 real payloads, 48 peer-labelled but harmless in effect,
   72 benign). Inert data: every tool only scans it. "Flagged" is counted as matrix.txt counts
   it: exit 1; for detente also exit 2 with a critical or high finding. A peer that is not
   installed is shown with the figures matrix.txt recorded for it, labelled "recorded".
2. **Regression floor on our own corpus** (``--own``): tests/scan/corpus.py attack shapes and
   tests/scan/benign.py files written by torch, numpy, scikit-learn, joblib, safetensors, onnx.
3. **Throughput and peak RSS** against picklescan on a generated pickle (``--pickle-mib``,
   default 1024: a dict of float32 arrays, protocol 4) and a generated torch zip
   (``--zip-mib``, default 4096: ``torch.save`` of a state dict). Each tool runs ``--repeat``
   times (default 5) per file, each in its own process, the tools taking turns; the least CPU
   and wall time are shown
   (the other processes on a shared machine only ever add to them; on a zip both scanners read
   only ``data.pkl``, so process start-up is most of the cost and one run is mostly noise) and
   the largest peak RSS (that process's ``ru_maxrss``; file pages it touched through mmap count
   too). ``--perf-only`` / ``--no-perf`` pick parts; ``--keep DIR`` reuses files.

Peers: picklescan (pinned in the dev extra). modelscan 0.8.8, fickling 0.1.12 and modelaudit
0.2.54 pin dependencies that clash with ours; install each into its own venv and pass the
executable (``--modelscan /tmp/ms/bin/modelscan`` …) or put it on PATH.

Usage: python benchmarks/compare_scanners.py [--own] [--pickle-mib N] [--zip-mib N]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(ROOT.parent / "shared" / "data" / "peer-scan")
sys.path.insert(0, str(ROOT))

Cmd = Callable[[Path], list[str]]
PEERS: dict[str, tuple[str, Callable[[str, Path], list[str]]]] = {
    # name: (matrix.txt column, argv builder)
    "picklescan": ("pscan", lambda exe, p: [exe, "-p", str(p)]),
    "modelscan": ("mscan", lambda exe, p: [exe, "-p", str(p)]),
    "fickling": ("fick", lambda exe, p: [exe, "--check-safety", str(p)]),
    "modelaudit": ("maudit", lambda exe, p: [exe, "scan", str(p)]),
}
# Wall time and peak RSS of one child, measured from a fresh wrapper process.
_MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "r = subprocess.run(sys.argv[1:], capture_output=True)\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(r.returncode, time.perf_counter() - t, u.ru_utime + u.ru_stime, u.ru_maxrss)\n"
)


def detente_cmd(path: Path) -> list[str]:
    return [sys.executable, "-m", "detente", "scan", str(path), "-q", "--format", "json"]


def _find(name: str, given: str | None) -> str | None:
    for cand in (given, shutil.which(name), str(Path(sys.executable).parent / name)):
        if cand and Path(cand).exists():
            return cand
    return None


def _flagged(tool: str, cmd: list[str]) -> bool:
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False,
                           cwd=tempfile.gettempdir())  # fmt: skip
    except subprocess.TimeoutExpired:
        return False
    if "Traceback (most recent call last)" in r.stdout + r.stderr:
        return False  # a crash is not a detection (matrix.txt counts it the same way)
    if tool == "detente" and r.returncode == 2:
        try:
            counts = json.loads(r.stdout)["summary"]["by_severity"]
        except (ValueError, KeyError):
            return False
        return counts.get("critical", 0) + counts.get("high", 0) > 0
    return r.returncode == 1


def _recorded(column: str) -> str:
    """The summary line matrix.txt recorded for a peer we could not run here."""
    for line in (SHARED / "matrix.txt").read_text().splitlines():
        parts = line.split()
        if parts and parts[0] == column and len(parts) >= 4 and "/" in parts[2]:
            return f"{parts[2]:>9} {parts[3]:>9}  (recorded in matrix.txt)"
    return "not recorded"


def accuracy(tools: dict[str, Cmd], missing: list[str]) -> None:
    rows = [line.split("\t") for line in (SHARED / "INDEX.tsv").read_text().splitlines()[1:]]
    real = [SHARED / r[0] for r in rows if r[1] == "malicious" and not r[5].startswith("HARMLESS")]
    benign = [SHARED / r[0] for r in rows if r[1] == "benign"]
    print(f"\n== accuracy on {SHARED} ({len(real)} real payloads, {len(benign)} benign) ==")
    print(f"{'tool':12} {'payloads':>9} {'alarms':>9}  wall time")
    for name, cmd in tools.items():
        t0 = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as ex:
            hit = sum(ex.map(lambda p: _flagged(name, cmd(p)), real))
            alarms = sum(ex.map(lambda p: _flagged(name, cmd(p)), benign))
        took = time.perf_counter() - t0
        print(f"{name:12} {f'{hit}/{len(real)}':>9} {f'{alarms}/{len(benign)}':>9}  {took:.0f} s")
    for name in missing:
        print(f"{name:12} {_recorded(PEERS[name][0])}")


def own_corpus(tools: dict[str, Cmd]) -> None:
    from tests.scan.benign import write_benign
    from tests.scan.corpus import malicious

    work = Path(tempfile.mkdtemp(prefix="detente-own-"))
    samples: list[tuple[str, Path]] = []
    for name, files, _sev, _what in malicious():
        d = work / "malicious" / name
        d.mkdir(parents=True)
        for rel, data in files.items():
            (d / rel).write_bytes(data)
        samples.append(("malicious", d))
    samples += [("benign", p) for p in write_benign(work / "benign")]
    n_mal = sum(k == "malicious" for k, _ in samples)
    print(f"\n== regression floor: our own corpus ({n_mal} malicious, "
          f"{len(samples) - n_mal} benign) ==")  # fmt: skip
    for name, cmd in tools.items():
        flags = [(k, _flagged(name, cmd(p))) for k, p in samples]
        det = sum(f for k, f in flags if k == "malicious")
        fa = sum(f for k, f in flags if k == "benign")
        print(f"{name:12} detected {det}/{n_mal}, false alarms {fa}/{len(samples) - n_mal}")
    shutil.rmtree(work, ignore_errors=True)


def _make_pickle(path: Path, mib: int) -> None:
    import pickle

    import numpy as np

    rng = np.random.default_rng(0)
    n = max(1, mib // 16)  # 16 MiB float32 tensors
    state = {f"layer{i}.weight": rng.standard_normal((2048, 2048), dtype=np.float32)
             for i in range(n)}  # fmt: skip
    with path.open("wb") as fh:
        pickle.dump(state, fh, protocol=4)


def _make_torch_zip(path: Path, mib: int) -> None:
    import torch

    torch.manual_seed(0)
    n = max(1, mib // 64)  # 64 MiB float32 tensors, written one state dict at a time
    state = {f"layers.{i}.weight": torch.randn(4096, 4096) for i in range(n)}
    torch.save(state, path)


def _measure(cmd: list[str]) -> tuple[int, float, float, int]:
    """(exit code, wall seconds, CPU seconds, peak RSS in MB) of one run of ``cmd``."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, *cmd], capture_output=True, text=True,
                         check=True).stdout.split()  # fmt: skip
    return int(out[0]), float(out[1]), float(out[2]), int(out[3]) // 1024


_IN_PROCESS = {
    # CPU seconds of the scan alone, in a fresh process: the scanners' own cost, without the
    # interpreter start-up that dominates a command-line run on a zip of tensors.
    "detente": "from detente.scan import scan_paths as scan\narg = [sys.argv[1]]",
    "picklescan": "from picklescan.scanner import scan_file_path as scan\narg = sys.argv[1]",
}


def _scan_cpu(tool: str, path: Path) -> float:
    code = f"import sys, time\n{_IN_PROCESS[tool]}\nt = time.process_time()\nscan(arg)\n"
    code += "print(time.process_time() - t)\n"
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, check=True)  # fmt: skip
    return float(out.stdout.split()[-1])


def _best(cmds: dict[str, list[str]], repeat: int) -> dict[str, tuple[int, float, float, int]]:
    """Per tool: exit code, least wall and CPU seconds, largest peak RSS over ``repeat`` runs.
    The tools take turns (A B A B …), so load from other processes on a shared machine falls
    on both alike instead of on whichever ran during a busy spell."""
    runs: dict[str, list[tuple[int, float, float, int]]] = {tool: [] for tool in cmds}
    for _ in range(max(1, repeat)):
        for tool, cmd in cmds.items():
            runs[tool].append(_measure(cmd))
    return {tool: (r[-1][0], min(x[1] for x in r), min(x[2] for x in r), max(x[3] for x in r))
            for tool, r in runs.items()}  # fmt: skip


def performance(
    picklescan: str | None, work: Path, pickle_mib: int, zip_mib: int, repeat: int = 5
) -> None:
    files = [("pickle", work / f"state-{pickle_mib}MiB.pkl", pickle_mib, _make_pickle),
             ("torch zip", work / f"state-{zip_mib}MiB.pt", zip_mib, _make_torch_zip)]  # fmt: skip
    import compileall

    # Measure detente as an installed package runs: with bytecode (pip compiles at install;
    # an editable checkout under PYTHONDONTWRITEBYTECODE would recompile every module per run).
    compileall.compile_dir(ROOT / "src" / "detente", quiet=1)
    print(f"\n== throughput and peak RSS (best of {repeat} runs; MB/s on CPU time, which the")
    print("   other processes on a shared machine do not inflate; wall time beside it) ==")
    print(f"{'file':18} {'tool':11} {'exit':>4} {'wall s':>7} {'CPU s':>7} {'MB/s':>7} "
          f"{'peak RSS MB':>12} {'scan-only CPU s':>16}")  # fmt: skip
    for label, path, mib, make in files:
        if not path.exists():
            print(f"(writing {path.name} …)", file=sys.stderr)
            make(path, mib)
        size_mb = path.stat().st_size / 1e6
        speeds: dict[str, float] = {}
        tools = {"detente": detente_cmd(path)}
        if picklescan:
            tools["picklescan"] = [picklescan, "-p", str(path)]
        for tool, (rc, wall, cpu, rss) in _best(tools, repeat).items():
            speeds[tool] = size_mb / max(cpu, 1e-3)
            name = f"{label} {size_mb / 1e3:.1f} GB"
            print(f"{name:18} {tool:11} {rc:>4} {wall:>7.2f} {cpu:>7.2f} {speeds[tool]:>7.0f} "
                  f"{rss:>12} {_scan_cpu(tool, path):>16.3f}")  # fmt: skip
        if "picklescan" in speeds:
            print(f"{'':18} detente/picklescan throughput: "
                  f"{speeds['detente'] / speeds['picklescan']:.2f}x")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    for peer in PEERS:
        ap.add_argument(f"--{peer}", default=None, help=f"path to the {peer} executable")
    ap.add_argument("--own", action="store_true", help="also run our own corpus (slow)")
    ap.add_argument("--only", nargs="*", default=None, help="run only these tools")
    ap.add_argument("--no-perf", action="store_true", help="skip throughput and RSS")
    ap.add_argument("--perf-only", action="store_true", help="only throughput and RSS")
    ap.add_argument("--pickle-mib", type=int, default=1024)
    ap.add_argument("--zip-mib", type=int, default=4096)
    ap.add_argument("--repeat", type=int, default=5, help="runs per tool and file (best shown)")
    ap.add_argument("--keep", type=Path, default=None, help="directory for the generated files")
    args = ap.parse_args()

    tools: dict[str, Cmd] = {"detente": detente_cmd}
    missing: list[str] = []
    for peer, (_col, build) in PEERS.items():
        exe = _find(peer, getattr(args, peer))
        if exe is None:
            missing.append(peer)
            continue
        tools[peer] = lambda p, exe=exe, build=build: build(exe, p)  # type: ignore[misc]
    if args.only is not None:
        tools = {k: v for k, v in tools.items() if k in args.only}
        missing = [m for m in missing if m in args.only]
    if not args.perf_only:
        accuracy(tools, missing)
        if args.own:
            own_corpus(tools)
    if not args.no_perf:
        work = args.keep or Path(tempfile.mkdtemp(prefix="detente-perf-"))
        work.mkdir(parents=True, exist_ok=True)
        try:
            picklescan = _find("picklescan", args.picklescan)
            performance(picklescan, work, args.pickle_mib, args.zip_mib, args.repeat)
        finally:
            if args.keep is None:
                shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
