"""Write docs/scan-rules.md from the rule catalog (src/detente/scan/_rules.py).

Usage: python scripts/gen_scan_rules_doc.py   (tests/scan/test_rule_catalog.py checks it)
"""

from __future__ import annotations

from pathlib import Path

from detente.scan import render_rules_markdown

if __name__ == "__main__":
    path = Path(__file__).resolve().parents[1] / "docs" / "scan-rules.md"
    path.write_text(render_rules_markdown(), encoding="utf-8")
    print(f"wrote {path}")
