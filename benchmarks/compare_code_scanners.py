"""Code-vulnerability scanners side by side on the shared corpus, in one run.

Runs detente (``detente.codevuln``, default severity: low and above), semgrep (offline, the
community rules in ``../shared/data/semgrep-rules/{python,c,javascript}``, ``--metrics off``),
bandit (Python only) and CodeShield's Insecure Code Detector (ICD) over the 998 labelled
snippets of ``../shared/data/codevuln/`` and prints precision/recall per language and overall,
CWE-exact recall and wall time. Unit: a snippet (found if any finding; any finding on a safe
snippet is a false alarm). A second table leaves out ``icd_tests`` and ``bandit_examples``,
which were written for two of the peers.

Each peer runs ONCE over every snippet (written as files to a temporary directory, deleted
afterwards): semgrep is one ``semgrep scan --jobs 1`` over the directory, bandit one
``bandit -r``, ICD its regex patterns per snippet plus one ``osemgrep`` run per language over
that language's directory with ICD's own generated rule file — what ``icd.analyze`` does one
file at a time (its semgrep results are per file, so batching changes nothing but the
start-up cost). Peer results are cached in ``--cache`` under a key made of the corpus digest,
the rules' digest and the tool's version, so a re-run only re-measures detente.

The peers may live in another virtualenv (CodeShield pins its own semgrep): ``--peer-venv``.

    pip install 'detente[codevuln]'
    python -m venv /tmp/peers && /tmp/peers/bin/pip install bandit==1.9.4 semgrep==1.185.0 \\
        codeshield==1.0.1
    nice python benchmarks/compare_code_scanners.py --peer-venv /tmp/peers [--skip codeshield]
"""

from __future__ import annotations

import argparse
import hashlib
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
EXT = {"python": ".py", "c": ".c", "cpp": ".cpp", "javascript": ".js"}
LANGS = ("python", "c", "javascript")
PEER_SETS = {"icd_tests", "bandit_examples"}
CWE = re.compile(r"CWE-(\d+)", re.I)

Row = dict[str, object]
Found = dict[str, set[str] | None]  # snippet id -> CWEs found (empty: nothing), None: not run


def load(data: Path) -> tuple[list[Row], str]:
    """The snippets and the corpus digest (sha256 over the JSONL files, in name order)."""
    rows: list[Row] = []
    digest = hashlib.sha256()
    for f in sorted((data / "codevuln").glob("*.jsonl")):
        raw = f.read_bytes()
        digest.update(f.name.encode() + b"\0" + raw)
        for line in raw.decode("utf-8").splitlines():
            if line:
                row = json.loads(line)
                row["set"] = f.stem
                row["lang"] = "c" if row["language"] == "cpp" else row["language"]
                rows.append(row)
    return rows, digest.hexdigest()[:16]


def tree_digest(path: Path) -> str:
    digest = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(str(f.relative_to(path)).encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()[:16]


def write_snippets(rows: list[Row], tmp: Path) -> dict[str, str]:
    """One file per snippet under tmp/<language>/; resolved file path -> snippet id."""
    paths = {}
    for i, r in enumerate(rows):
        p = tmp / str(r["lang"]) / f"s{i:04d}{EXT[str(r['language'])]}"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(str(r["code"]), encoding="utf-8")
        paths[str(p.resolve())] = str(r["id"])
    return paths


def run_detente(rows: list[Row]) -> Found:
    sys.path.insert(0, str(ROOT / "src"))
    from detente.codevuln import analyze_code
    from detente.taxonomy import Severity

    out: Found = {}
    for r in rows:
        found = analyze_code(str(r["code"]), str(r["language"]))
        out[str(r["id"])] = {f.cwe for f in found if f.severity >= Severity.LOW}
    return out


def _cwes(meta: object) -> set[str]:
    items = [meta] if isinstance(meta, str) else meta if isinstance(meta, list) else []
    return {f"CWE-{m}" for c in items for m in CWE.findall(str(c))}


def _by_path(paths: dict[str, str], hits: dict[str, set[str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {sid: [] for sid in paths.values()}
    for path, cwes in hits.items():
        sid = paths.get(str(Path(path).resolve()))
        if sid is not None:
            out[sid] = sorted(set(out[sid]) | cwes)
    return out


def _json_out(cmd: list[str], what: str) -> dict[str, object]:
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    start = res.stdout.find("{")
    if start < 0:
        raise SystemExit(f"{what} printed no JSON (exit {res.returncode}): {res.stderr[-2000:]}")
    parsed: dict[str, object] = json.loads(res.stdout[start:])
    return parsed


def merge_rules(root: Path, out: Path) -> Path:
    """Every community rule file as one config file.

    semgrep validates each config file in its own semgrep-core process (about 1.5 s each
    here, 521 files): one merged file is the same rules, validated once. Rule ids get the
    file's dotted path as prefix, as semgrep names them for a directory config.
    """
    import yaml  # PyYAML: a dependency of semgrep and of this project's dev tools

    rules = []
    for lang in LANGS:
        for f in sorted((root / lang).rglob("*.y*ml")):
            doc = yaml.safe_load(f.read_text(encoding="utf-8")) or {}
            prefix = ".".join(f.relative_to(root).with_suffix("").parts)
            for rule in doc.get("rules", []):
                rules.append({**rule, "id": f"{prefix}.{rule['id']}"})
    out.write_text(yaml.safe_dump({"rules": rules}, sort_keys=False), encoding="utf-8")
    return out


def run_semgrep(rows: list[Row], data: Path, tmp: Path, venv: Path) -> dict[str, list[str]]:
    paths = write_snippets(rows, tmp / "semgrep")
    cmd = [str(venv / "bin" / "semgrep"), "scan", "--metrics", "off", "--jobs", "1"]
    cmd += ["--config", str(merge_rules(data / "semgrep-rules", tmp / "rules.yaml"))]
    cmd += ["--json", "--quiet", "--disable-version-check", "--timeout", "30"]
    out = _json_out([*cmd, str(tmp / "semgrep")], "semgrep")
    hits: dict[str, set[str]] = {}
    for hit in out.get("results", []):  # type: ignore[union-attr]
        cwes = _cwes(hit.get("extra", {}).get("metadata", {}).get("cwe", [])) or {"?"}
        hits[hit["path"]] = hits.get(hit["path"], set()) | cwes
    return _by_path(paths, hits)


def run_bandit(rows: list[Row], tmp: Path, venv: Path) -> dict[str, list[str]]:
    paths = write_snippets([r for r in rows if r["lang"] == "python"], tmp / "bandit")
    cmd = [str(venv / "bin" / "bandit"), "-q", "-r", "-f", "json", str(tmp / "bandit")]
    hits: dict[str, set[str]] = {}
    for hit in _json_out(cmd, "bandit").get("results", []):  # type: ignore[union-attr]
        cwe = hit.get("issue_cwe", {}).get("id")
        hits[hit["filename"]] = hits.get(hit["filename"], set()) | {f"CWE-{cwe}" if cwe else "?"}
    return _by_path(paths, hits)


def run_codeshield(rows: list[Row], tmp: Path, venv: Path) -> dict[str, list[str]]:
    paths = write_snippets(rows, tmp / "icd")
    cmd = [str(venv / "bin" / "python"), __file__, "--icd-worker", str(tmp / "icd")]
    hits = _json_out(cmd, "the ICD worker")
    return _by_path(paths, {p: set(c) for p, c in hits.items()})  # type: ignore[arg-type]


def icd_worker(root: Path) -> int:
    """Runs inside the peer venv: ICD's analysis of every file under root, as JSON on stdout.

    Same steps as ``insecure_code_detector.analyze`` (use case CYBERSECEVAL, no code
    before/after): every regex pattern of the language, then semgrep-core (``osemgrep``)
    with ICD's generated rules for the language, here once per language directory.
    """
    from codeshield.insecure_code_detector import insecure_code_detector as icd
    from codeshield.insecure_code_detector import insecure_patterns, oss
    from codeshield.insecure_code_detector.analyzers import Analyzer
    from codeshield.insecure_code_detector.languages import Language
    from codeshield.insecure_code_detector.usecases import UseCase

    use = UseCase.CYBERSECEVAL
    lang_of = {".py": Language.PYTHON, ".c": Language.C, ".cpp": Language.CPP}
    lang_of[".js"] = Language.JAVASCRIPT
    hits: dict[str, set[str]] = {}
    files = sorted(p for p in root.rglob("*") if p.suffix in lang_of)
    for p in files:
        patterns = insecure_patterns.load(lang_of[p.suffix], Analyzer.REGEX, use)
        issues = icd._run_regex(p.read_text(encoding="utf-8"), patterns)
        hits[str(p)] = {i.cwe_id or "?" for i in issues}
    for suffix, lang in lang_of.items():
        batch = [p for p in files if p.suffix == suffix]
        if not batch:
            continue
        with tempfile.TemporaryDirectory() as one:  # only this language's files
            for p in batch:
                shutil.copyfile(p, Path(one) / p.name)
            config = oss.SEMGREP_RULE_REPO_PATH / "_generated_" / f"{lang.value}_{use.value}.json"
            cmd = [*oss.SEMGREP_COMMAND, str(config), one]
            res = subprocess.run(cmd, capture_output=True, text=True, check=False)
            by_name = {p.name: str(p) for p in batch}
            for issue in icd._parse_semgrep_issues(res.stdout):
                real = by_name.get(Path(str(issue.path)).name)
                if real is not None:
                    hits[real].add(issue.cwe_id or "?")
    json.dump({p: sorted(c) for p, c in hits.items()}, sys.stdout)
    return 0


def tool_version(venv: Path, tool: str) -> str:
    if tool == "codeshield":
        cmd = [str(venv / "bin" / "python"), "-m", "pip", "show", "codeshield"]
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        found = re.search(r"^Version: (\S+)", res.stdout, re.M)
        return found.group(1) if found else ""
    res = subprocess.run(
        [str(venv / "bin" / tool), "--version"], capture_output=True, text=True, check=False
    )
    found = re.search(r"\d+\.\d+\.\d+", res.stdout + res.stderr)
    return found.group(0) if found else ""


def cached(
    cache: Path | None, key: str, run: Callable[[], dict[str, list[str]]]
) -> tuple[Found, float, bool]:
    """The peer's results from the cache file for key, or from a run that is then cached."""
    file = cache / f"{key}.json" if cache else None
    if file is not None and file.exists():
        saved = json.loads(file.read_text(encoding="utf-8"))
        return {k: set(v) for k, v in saved["found"].items()}, saved["seconds"], True
    t0 = time.perf_counter()
    found = run()
    secs = time.perf_counter() - t0
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps({"seconds": secs, "found": found}), encoding="utf-8")
    return {k: set(v) for k, v in found.items()}, secs, False


def score(rows: list[Row], found: Found, keep: Callable[[Row], bool]) -> dict[str, str]:
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
            exact += vulnerable and bool(hit & set(r["cwes"]))  # type: ignore[call-overload]
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


def print_tables(rows: list[Row], results: dict[str, tuple[Found | str, str]]) -> None:
    for title, keep in (
        (f"all {len(rows)} snippets", lambda r: True),
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
                f"| {c['cwe']} | {secs} |"
            )


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--peer-venv", type=Path, default=Path(sys.executable).parent.parent)
    ap.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "detente-bench")
    ap.add_argument("--no-cache", action="store_true", help="run every peer again")
    ap.add_argument(
        "--skip", action="append", default=[], choices=["semgrep", "bandit", "codeshield"]
    )
    ap.add_argument("--icd-worker", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.icd_worker:
        return icd_worker(args.icd_worker)
    rows, corpus = load(args.data)
    print(f"{len(rows)} snippets from {args.data / 'codevuln'} (corpus digest {corpus})")
    t0 = time.perf_counter()
    results: dict[str, tuple[Found | str, str]] = {
        "detente-codevuln/2": (run_detente(rows), f"{time.perf_counter() - t0:.1f} s")
    }
    venv, cache = args.peer_venv, None if args.no_cache else args.cache
    rules = tree_digest(args.data / "semgrep-rules")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        peers: dict[str, tuple[str, Callable[[], dict[str, list[str]]]]] = {
            "semgrep": ("community rules", lambda: run_semgrep(rows, args.data, tmp, venv)),
            "bandit": ("Python", lambda: run_bandit(rows, tmp, venv)),
            "codeshield": ("ICD", lambda: run_codeshield(rows, tmp, venv)),
        }
        for tool, (what, fn) in peers.items():
            version = tool_version(venv, tool)
            name = f"{tool} {version} ({what})"
            if tool in args.skip or not version:
                results[name] = ("skipped" if tool in args.skip else f"not in {venv}", "")
                continue
            key = f"{tool}-{version}-{corpus}" + (f"-{rules}" if tool == "semgrep" else "")
            found, secs, hit = cached(cache, key, fn)
            results[name] = (found, f"{secs:.1f} s" + (" (cached)" if hit else ""))
            print(f"  {name}: {results[name][1]}", file=sys.stderr, flush=True)
    print_tables(rows, results)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
