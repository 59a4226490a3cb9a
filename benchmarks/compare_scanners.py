"""Side-by-side: Détente vs picklescan vs modelscan on the same malicious and benign corpora.

Not a test. Builds the corpora the test suite uses (tests/scan/corpus.py: hand-written attack
shapes; tests/scan/benign.py: files written by torch, numpy, scikit-learn/joblib, safetensors,
onnx, plus the real Gemma 3 270M GGUF), runs each tool on each sample directory and prints who
flagged what, the totals, and wall time per tool.

"Flagged" means the tool's own failing verdict: detente scan exit 1 (a finding at or above
high), picklescan exit 1 (dangerous globals), modelscan exit 1 (issues found). A tool that
errors on a sample (exit 2 or more) is counted as "error", neither a detection nor a pass.

Tools that are not installed are skipped with a note. modelscan 0.8.8 pins old
dependencies; install it into its own venv and point --modelscan at it:
    python3 -m venv /tmp/modelscan-venv && /tmp/modelscan-venv/bin/pip install modelscan==0.8.8
Usage: python benchmarks/compare_scanners.py [--modelscan /tmp/modelscan-venv/bin/modelscan]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def detente_cmd(path: Path) -> list[str]:
    return [sys.executable, "-m", "detente", "scan", str(path), "-q", "--format", "json"]


def run(cmd: list[str]) -> int:
    return subprocess.run(cmd, capture_output=True, check=False, timeout=600).returncode


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--picklescan",
        default=shutil.which("picklescan") or str(Path(sys.executable).parent / "picklescan"),
    )
    ap.add_argument(
        "--modelscan", default=shutil.which("modelscan") or "/tmp/modelscan-venv/bin/modelscan"
    )
    args = ap.parse_args()

    from tests.scan.benign import write_benign
    from tests.scan.corpus import malicious

    from detente.artifacts._embedded import embedded_model_path

    tools: dict[str, object] = {"detente": detente_cmd}
    if Path(args.picklescan).exists():
        tools["picklescan"] = lambda p: [args.picklescan, "-p", str(p)]
    else:
        print(f"picklescan not found at {args.picklescan}: skipped")
    if Path(args.modelscan).exists():
        tools["modelscan"] = lambda p: [args.modelscan, "-p", str(p)]
    else:
        print(f"modelscan not found at {args.modelscan}: skipped")

    work = Path(tempfile.mkdtemp(prefix="detente-compare-"))
    samples: list[tuple[str, str, Path]] = []
    for name, files, _sev, what in malicious():
        d = work / "malicious" / name
        d.mkdir(parents=True)
        for rel, data in files.items():
            (d / rel).write_bytes(data)
        samples.append(("malicious", f"{name} ({what})", d))
    for p in write_benign(work / "benign"):
        samples.append(("benign", str(p.relative_to(work / "benign")), p))
    samples.append(("benign", "gemma-3-270m-q4_k_m.gguf (real)", embedded_model_path()))

    names = list(tools)
    results: dict[str, dict[str, str]] = {n: {} for n in names}
    times = dict.fromkeys(names, 0.0)
    for _kind, label, path in samples:
        for n in names:
            t0 = time.perf_counter()
            rc = run(tools[n](path))  # type: ignore[operator]
            times[n] += time.perf_counter() - t0
            results[n][label] = "flag" if rc == 1 else ("pass" if rc == 0 else f"error({rc})")

    width = max(len(label) for _, label, _ in samples)
    print(f"{'kind':10} {'sample':{width}} " + " ".join(f"{n:>12}" for n in names))
    for kind, label, _ in samples:
        print(f"{kind:10} {label:{width}} " + " ".join(f"{results[n][label]:>12}" for n in names))
    print()
    n_mal = sum(1 for k, *_ in samples if k == "malicious")
    n_ben = len(samples) - n_mal
    for n in names:
        det = sum(1 for k, label, _ in samples if k == "malicious" and results[n][label] == "flag")
        err_m = sum(
            1
            for k, label, _ in samples
            if k == "malicious" and results[n][label].startswith("error")
        )
        fa = sum(1 for k, label, _ in samples if k == "benign" and results[n][label] == "flag")
        err_b = sum(
            1 for k, label, _ in samples if k == "benign" and results[n][label].startswith("error")
        )
        print(
            f"{n:12} detected {det}/{n_mal} malicious (missed {n_mal - det - err_m}, errors {err_m}); "
            f"false alarms {fa}/{n_ben} benign (errors {err_b}); wall time {times[n]:.1f} s"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
