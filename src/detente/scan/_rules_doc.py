"""docs/scan-rules.md, rendered from the rule catalog (``scripts/gen_scan_rules_doc.py`` writes
it; a test fails when the file and the catalog disagree)."""

from __future__ import annotations

from detente.scan._rules import FAMILIES, RULES

__all__ = ["render_rules_markdown"]

_INTRO = """\
# `detente scan` rules

<!-- Generated from src/detente/scan/_rules.py by scripts/gen_scan_rules_doc.py; do not edit. -->

Every finding has a stable rule id, a severity, a location (file, archive member chain,
byte offset where it applies), evidence (the literal thing seen) and taxonomy references
(CWE ids; MITRE ATLAS 5.6.0 techniques, validated against the shipped ATLAS data).
Findings marked *incomplete* mean "this could not be fully analysed"; they make the scan exit 2
unless a finding at or above `--fail-on` already makes it exit 1.

Worked example:

```
$ detente scan model.pkl
CRITICAL DT-PICKLE-010  model.pkl@31
         pickle calls os.system via REDUCE: operating-system access (process execution, …)
         evidence: os.system('id')
         refs: CWE-502, AML.T0010.003, AML.T0011.000
…
scanned 1 files (38 bytes): 2 critical — FINDINGS at or above high
```

How a pickle's severity is decided: **the allowlist decides, the denylist explains.** An
import of an exact (module, name) pair that ordinary model files use is silent. Any *call*
(REDUCE, INST, OBJ, NEWOBJ/NEWOBJ_EX with arguments, BUILD through an injected `__setstate__`,
or an allowlisted function that calls its argument) of anything else is at least high
(DT-PICKLE-016) and critical when the denylist knows why the callable is dangerous
(DT-PICKLE-010). A mere import of an unknown class — a pickled `nn.Module`, a `__main__`
class, NEWOBJ without arguments — is medium (DT-PICKLE-003): importing runs module code but
nothing chosen by the pickle is called. The summary line says "clean" only when there are no
findings at all.

`--format sarif` lists each rule that fired in `tool.driver.rules` with the title, description
and help text below, its CWE and ATLAS ids as tags and a `security-severity`.
"""


def _severity(rule_id: str) -> str:
    r = RULES[rule_id]
    text = r.severities or str(r.severity)
    return f"{text}, incomplete" if r.incomplete else text


def _atlas_name(technique_id: str) -> str:
    from detente.taxonomy import atlas_technique  # lazy: only the docs generator needs ATLAS

    t = atlas_technique(technique_id)
    return f"{atlas_technique(t.parent).name}: {t.name}" if t.parent else t.name


def render_rules_markdown() -> str:
    """The whole of docs/scan-rules.md."""
    atlas = sorted({a for r in RULES.values() for a in r.atlas})
    refs = ", ".join(f"{a} ({_atlas_name(a)})" for a in atlas)
    out = [_INTRO, f"ATLAS references used: {refs}.", ""]
    for family, heading in FAMILIES.items():
        out += [f"## {heading}", "", "| id | severity | title | what | CWE | ATLAS |",
                "|---|---|---|---|---|---|"]  # fmt: skip
        for r in sorted((r for r in RULES.values() if r.family == family), key=lambda r: r.id):
            out.append(f"| <a id=\"{r.id.lower()}\"></a>{r.id} | {_severity(r.id)} | {r.title} | "
                       f"{r.description} | {', '.join(r.cwe)} | {', '.join(r.atlas)} |")  # fmt: skip
        out.append("")
    out += ["## What to do", ""]
    for r in sorted(RULES.values(), key=lambda r: r.id):
        out.append(f"- **{r.id}** — {r.help}")
    return "\n".join(out) + "\n"
