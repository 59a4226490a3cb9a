"""Redaction: Détente vs the redactors a user would otherwise pick, on the same corpus, same run.

    python benchmarks/bench_redact.py [--per-template 12] [--split heldout|dev|both]

Corpus: our own labelled incident write-ups (tests/incidents/redaction_corpus.py: 11 styles,
English and Chinese; the held-out split's templates and names were written before the
redactor and never tuned on). Scored per labelled span: a sensitive span counts only if every
character is masked; a public look-alike (CVE/ATLAS/ATT&CK/CWE/OWASP ids, versions, public
URLs/hosts/models, digests, commit ids) counts as wrongly masked if any character is.
Throughput is CPU time on one core (time.process_time), so other load on the machine does
not flatter or penalise anyone.

Peers, each skipped with a note if it does not install offline:
* detect-secrets 1.5.0 (Yelp): every plugin, default filters, one file per document (what
  ``detect-secrets scan`` does); a hit masks the secret value it reports.
* Presidio analyzer 2.2 with spaCy's blank English pipeline (its trained NER models are not
  on PyPI, so its PERSON/LOCATION recognizers are inactive: pattern recognizers only).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "incidents"))

import redaction_corpus
import redaction_eval

Spans = list[tuple[int, int]]


def detente_tool() -> Callable[[redaction_corpus.Doc], Spans]:
    from detente import incidents

    return lambda d: [(x.start, x.end) for x in incidents.find_sensitive(d.text, d.org_domains)]


_KEEP: list[object] = []


def detect_secrets_tool() -> Callable[[redaction_corpus.Doc], Spans]:
    """``detect-secrets scan`` as a user runs it: every plugin, default filters, per file."""
    import tempfile

    from detect_secrets import SecretsCollection
    from detect_secrets.settings import default_settings

    ctx = default_settings()
    ctx.__enter__()  # keep the default plugin set active for the whole run
    _KEEP.append(ctx)  # (a collected context manager would reset the settings)
    tmp = Path(tempfile.mkdtemp(prefix="bench-redact-"))

    def run(d: redaction_corpus.Doc) -> Spans:
        path = tmp / "report.md"
        path.write_text(d.text, encoding="utf-8")
        found = SecretsCollection()
        found.scan_file(str(path))
        lines = d.text.splitlines(keepends=True)
        starts = [0]
        for line in lines:
            starts.append(starts[-1] + len(line))
        out: Spans = []
        for _name, secret in found:
            line = lines[secret.line_number - 1]
            value = secret.secret_value or ""
            i = line.find(value) if value else -1
            if i >= 0:
                base = starts[secret.line_number - 1]
                out.append((base + i, base + i + len(value)))
        return out

    return run


def presidio_tool() -> Callable[[redaction_corpus.Doc], Spans]:
    import spacy
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    nlp = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": "blank"}])
    nlp.nlp = {"en": spacy.blank("en")}  # no trained model offline: tokenizer only, no NER
    engine = AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
    return lambda d: [(r.start, r.end) for r in engine.analyze(d.text, language="en")]


TOOLS = {
    "detente": detente_tool,
    "detect-secrets 1.5": detect_secrets_tool,
    "presidio 2.2 (blank:en)": presidio_tool,
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-template", type=int, default=12)
    ap.add_argument("--split", choices=["heldout", "dev", "both"], default="both")
    args = ap.parse_args()
    splits = ["dev", "heldout"] if args.split == "both" else [args.split]
    tools = {}
    for name, make in TOOLS.items():
        try:
            tools[name] = make()
        except Exception as exc:  # a peer that does not install is reported, not fatal
            print(f"# {name}: skipped ({type(exc).__name__}: {exc})")
    for split in splits:
        docs = redaction_corpus.generate(split, args.per_template)
        size = sum(len(d.text.encode()) for d in docs)
        print(f"\n## split={split}: {len(docs)} documents, {size / 1e6:.2f} MB, "
              f"{sum(1 for d in docs for s in d.spans if s[2] != 'public')} sensitive spans, "
              f"{sum(1 for d in docs for s in d.spans if s[2] == 'public')} public look-alikes")  # fmt: skip
        print(
            f"{'tool':26s} {'redacted':>9s} {'masked':>8s} {'MB/s':>7s} {'MB/s 1-doc':>10s}  misses by type"
        )
        joined = redaction_corpus.Doc(
            "all", "all", "all", "\n\n".join(d.text for d in docs), (), docs[0].org_domains
        )
        rows = []
        for name, tool in tools.items():
            cache: dict[str, Spans] = {}
            t0 = time.process_time()
            for d in docs:
                cache[d.id] = tool(d)
            per_doc = size / 1e6 / max(time.process_time() - t0, 1e-9)
            t0 = time.process_time()
            tool(joined)
            one_doc = len(joined.text.encode()) / 1e6 / max(time.process_time() - t0, 1e-9)
            sc = redaction_eval.score(docs, lambda d, c=cache: c[d.id])  # type: ignore[misc]
            misses = ", ".join(f"{k}:{v}" for k, v in sc.misses.most_common(5))
            rows.append((name, sc.recall, sc.false_mask, per_doc))
            print(
                f"{name:26s} {sc.recall:9.1%} {sc.false_mask:8.1%} {per_doc:7.2f} {one_doc:10.2f}  {misses}"
            )
        ours = rows[0]
        for name, recall, _masked, speed in rows[1:]:
            ratio = f"{ours[1] / recall:.1f}x" if recall else "n/a (peer redacted none)"
            print(f"  detente vs {name}: {ratio} the spans fully redacted, "
                  f"{ours[3] / max(speed, 1e-9):.2f}x the throughput")  # fmt: skip


if __name__ == "__main__":
    main()
