"""The rule catalog is the one place rules are defined: docs, SARIF and findings read it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from detente.scan import ANALYZERS, RULES, Analyzer, render_rules_markdown, scan_paths, to_sarif
from detente.taxonomy import validate_atlas_ids

ROOT = Path(__file__).resolve().parents[2]
SCAN_SRC = ROOT / "src" / "detente" / "scan"


def test_docs_are_generated_from_the_catalog() -> None:
    doc = (ROOT / "docs" / "scan-rules.md").read_text(encoding="utf-8")
    assert doc == render_rules_markdown(), "run: python scripts/gen_scan_rules_doc.py"
    for rule_id in RULES:
        assert rule_id in doc


def test_every_rule_is_complete_and_its_taxonomy_is_real() -> None:
    assert len(RULES) >= 69
    for rule in RULES.values():
        assert re.fullmatch(r"DT-[A-Z]+-\d{3}", rule.id), rule.id
        assert rule.title and rule.description and rule.help, rule.id
        assert all(re.fullmatch(r"CWE-\d+", c) for c in rule.cwe), rule.id
    validate_atlas_ids(sorted({a for r in RULES.values() for a in r.atlas}))


def test_no_rule_id_literal_outside_the_catalog() -> None:
    literal = re.compile(r"[\"']DT-[A-Z]+-\d+[\"']")
    offenders = [
        p.name
        for p in SCAN_SRC.glob("*.py")
        if p.name != "_rules.py" and literal.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_sarif_rules_come_from_the_catalog(tmp_path: Path) -> None:
    (tmp_path / "m.pkl").write_bytes(b"\x80\x02cos\nsystem\n(X\x02\x00\x00\x00idtR.")
    sarif = to_sarif(scan_paths([tmp_path]))
    rules = {r["id"]: r for r in sarif["runs"][0]["tool"]["driver"]["rules"]}
    assert {"DT-PICKLE-001", "DT-PICKLE-010"} <= set(rules)
    for rule_id, desc in rules.items():
        rule = RULES[rule_id]
        assert desc["shortDescription"]["text"] == rule.title
        assert desc["fullDescription"]["text"] == rule.description
        assert desc["help"]["text"].startswith(rule.help)
        assert desc["properties"]["tags"] == ["security", *rule.cwe, *rule.atlas]


@pytest.mark.parametrize("analyzer", ANALYZERS, ids=[a.name for a in ANALYZERS])
def test_every_analyzer_implements_the_protocol(analyzer: Analyzer) -> None:
    assert isinstance(analyzer.name, str) and analyzer.name
    assert callable(analyzer.sniff) and callable(analyzer.analyse)
