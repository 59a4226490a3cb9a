"""Code-vulnerability scanners side by side on the shared corpus, in one run.

Runs detente (``detente.codevuln``, default severity: low and above), semgrep (offline, the
community rules in ``../shared/data/semgrep-rules/<language>``, ``--metrics off``), bandit
(Python only) and CodeShield's Insecure Code Detector (``codeshield`` on PyPI; skipped, and
said so, when it is not installed) over the 998 labelled snippets of
``../shared/data/codevuln/`` and prints precision/recall per language and overall, CWE-exact
recall and wall time. Unit: a snippet (found if any finding; any finding on a safe snippet is a
false alarm). A second table leaves out ``icd_tests`` and ``bandit_examples``, which were
written for two of the peers.

    pip install 'detente[codevuln,bench-code]' codeshield==1.0.1
    python benchmarks/compare_code_scanners.py [--data ../shared/data] [--skip codeshield]

Nothing is copied out of the corpus: snippets are written to a temporary directory for the
command-line peers and deleted afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXT = {"python": ".py", "c": ".c", "javascript": ".js"}
LANGS = ("python", "c", "javascript")
PEER_SETS = {"icd_tests", "bandit_examples"}
CWE = re.compile(r"CWE-(\d+)", re.I)

Found = dict[str, set[str] | None]  # snippet id -> CWEs found (empty: nothing), None: not run


def load(data: Path) -> list[dict[str, object]]:
    rows = []
    for f in sorted((data / "codevuln").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line:
                row = json.loads(line)
                row["set"] = f.stem
                row["lang"] = "c" if row["language"] == "cpp" else row["language"]
                rows.append(row)
    return rows


def run_detente(rows: list[dict[str, object]]) -> Found:
    sys.path.insert(0, str(ROOT / "src"))
    from detente.codevuln import analyze_code
    from detente.taxonomy import Severity

    out: Found = {}
    for r in rows:
        found = analyze_code(str(r["code"]), str(r["language"]))
        out[str(r["id"])] = {f.cwe for f in found if Severity.parse(f.severity) >= Severity.LOW}
    return out


def _write(rows: list[dict[str, object]], tmp: Path) -> dict[str, str]:
    """Snippets as files (one per snippet); file path -> snippet id."""
    paths = {}
    for i, r in enumerate(rows):
        p = tmp / str(r["lang"]) / f"s{i:04d}{EXT[str(r['lang'])]}"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(str(r["code"]), encoding="utf-8")
        paths[str(p)] = str(r["id"])
    return paths


def run_semgrep(rows: list[dict[str, object]], data: Path, tmp: Path) -> Found:
    exe = shutil.which("semgrep") or str(Path(sys.executable).parent / "semgrep")
    paths = _write(rows, tmp / "semgrep")
    out: Found = {sid: set() for sid in paths.values()}
    for lang in LANGS:
        target = tmp / "semgrep" / lang
        if not target.exists():
            continue
        cmd = [exe, "scan", "--config", str(data / "semgrep-rules" / lang), "--metrics", "off"]
        cmd += ["--json", "--quiet", "--disable-version-check", "--timeout", "30", str(target)]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        for hit in json.loads(res.stdout or "{}").get("results", []):
            sid = paths.get(str(Path(hit["path"]).resolve())) or paths.get(hit["path"])
            if sid is None:
                continue
            cwes = hit.get("extra", {}).get("metadata", {}).get("cwe", [])
            cwes = [cwes] if isinstance(cwes, str) else cwes
            found = out[sid]
            assert found is not None
            found |= {f"CWE-{m}" for c in cwes for m in CWE.findall(c)} or {"?"}
    return out


def run_bandit(rows: list[dict[str, object]], tmp: Path) -> Found:
    py = [r for r in rows if r["lang"] == "python"]
    paths = _write(py, tmp / "bandit")
    out: Found = {str(r["id"]): None for r in rows}
    out |= {sid: set() for sid in paths.values()}
    cmd = [sys.executable, "-m", "bandit", "-q", "-r", "-f", "json", str(tmp / "bandit")]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    for hit in json.loads(res.stdout or "{}").get("results", []):
        sid = paths.get(hit["filename"])
        found = out.get(sid) if sid else None
        if found is not None:
            cwe = hit.get("issue_cwe", {}).get("id")
            found.add(f"CWE-{cwe}" if cwe else "?")
    return out


def run_codeshield(rows: list[dict[str, object]]) -> Found | str:
    try:
        from codeshield.insecure_code_detector import insecure_code_detector as icd
        from codeshield.insecure_code_detector.languages import Language
    except ImportError:
        return "not installed (pip install codeshield==1.0.1)"
    lang_of = {"python": Language.PYTHON, "c": Language.C, "cpp": Language.CPP}
    lang_of["javascript"] = Language.JAVASCRIPT
    gate = asyncio.Semaphore(4)

    async def one(r: dict[str, object]) -> tuple[str, set[str]]:
        async with gate:
            issues = await icd.analyze(lang_of[str(r["language"])], str(r["code"]))
        return str(r["id"]), {i.cwe_id or "?" for i in issues}

    async def every() -> list[tuple[str, set[str]]]:
        return await asyncio.gather(*(one(r) for r in rows))

    return dict(asyncio.run(every()))


def score(
    rows: list[dict[str, object]], found: Found, keep: Callable[[dict[str, object]], bool]
) -> dict[str, str]:
    cells: dict[str, str] = {}
    totals = [0, 0, 0, 0]
    for lang in (*LANGS, "all"):
        tp = fp = fn = exact = 0
        for r in rows:
            hit = found.get(str(r["id"]))
            if hit is None or not keep(r) or (lang != "all" and r["lang"] != lang):
                continue
            vulnerable = r["label"] == "vulnerable"
            tp += vulnerable and bool(hit)
            fp += (not vulnerable) and bool(hit)
            fn += vulnerable and not hit
            exact += vulnerable and bool(hit & set(r["cwes"]))  # type: ignore[arg-type]
        if tp + fp + fn == 0:
            cells[lang] = "–"
            continue
        p = tp / (tp + fp) if tp + fp else 0.0
        cells[lang] = f"{p:.2f}/{tp / (tp + fn):.2f}"
        if lang == "all":
            totals = [tp, fp, fn, exact]
    tp, fp, fn, exact = totals
    cells["cwe"] = f"{exact / (tp + fn):.2f}" if tp + fn else "–"
    return cells


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument(
        "--skip", action="append", default=[], choices=["semgrep", "bandit", "codeshield"]
    )
    args = ap.parse_args()
    rows = load(args.data)
    print(f"{len(rows)} snippets from {args.data / 'codevuln'}")
    results: dict[str, tuple[Found | str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        runners: dict[str, Callable[[], Found | str]] = {
            "detente-codevuln/2": lambda: run_detente(rows),
            "semgrep 1.185 (community rules)": lambda: run_semgrep(rows, args.data, tmp),
            "bandit 1.9 (Python)": lambda: run_bandit(rows, tmp),
            "CodeShield 1.0.1 (ICD)": lambda: run_codeshield(rows),
        }
        for name, fn in runners.items():
            if any(s in name.lower() for s in args.skip):
                results[name] = ("skipped (--skip)", 0.0)
                continue
            t0 = time.perf_counter()
            results[name] = (fn(), time.perf_counter() - t0)
            print(f"  ran {name} in {results[name][1]:.1f} s", file=sys.stderr)
    for title, keep in (
        ("all 998 snippets", lambda r: True),
        (
            "without icd_tests and bandit_examples (written for two of the peers)",
            lambda r: r["set"] not in PEER_SETS,
        ),
    ):
        print(f"\n{title}\n")
        print("| tool | Python P/R | C P/R | JS P/R | all P/R | CWE-exact R | time |")
        print("|---|---|---|---|---|---|---|")
        for name, (found, secs) in results.items():
            if isinstance(found, str):
                print(f"| {name} | {found} | | | | | |")
                continue
            c = score(rows, found, keep)
            print(
                f"| {name} | {c['python']} | {c['c']} | {c['javascript']} | {c['all']} "
                f"| {c['cwe']} | {secs:.1f} s |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
