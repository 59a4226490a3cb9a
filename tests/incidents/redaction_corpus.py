"""The labelled redaction corpus (English and Chinese, 11 styles), generated reproducibly.

``generate("dev")`` is the split the redactor is tuned on; ``generate("heldout")`` uses
templates and names written before the redactor and is only ever measured. Each document has
exact spans: ``(start, end, type)`` for sensitive values (type is the redaction type) and
``(start, end, "public")`` for public look-alikes that must stay (CVE/ATLAS/ATT&CK/CWE/OWASP
ids, versions, public URLs, hosts and model names, digests, commit ids).
"""

from __future__ import annotations

import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus_fill import POOLS, PUBLIC, SENSITIVE

ORG_DOMAINS = {
    "heldout": ("northwind-ai.com", "helios-labs.io"),
    "dev": ("lab-a.com", "acme-ai.net"),
}
_SLOT = re.compile(r"\{(\w+)\}|\{\{|\}\}")


@dataclass(frozen=True)
class Doc:
    id: str
    style: str
    lang: str
    text: str
    spans: tuple[tuple[int, int, str], ...]
    org_domains: tuple[str, ...]


def render(
    template: str, rng: random.Random, pool: dict[str, list[str]]
) -> tuple[str, list[tuple[int, int, str]]]:
    out: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = 0
    length = 0
    for m in _SLOT.finditer(template):
        lit = template[pos : m.start()]
        out.append(lit)
        length += len(lit)
        pos = m.end()
        token = m.group(0)
        if token in ("{{", "}}"):
            out.append(token[0])
            length += 1
            continue
        slot = m.group(1)
        if slot == "n":
            value, kind = f"{rng.randrange(10, 60)}", None
        elif slot in SENSITIVE:
            kind, fill = SENSITIVE[slot]
            value = fill(rng, pool)
        else:
            value, kind = PUBLIC[slot](rng, pool), "public"
        if slot == "private_key" and "\n    private_key: |" in template:
            value = "\n".join("      " + line for line in value.splitlines())
            spans.append((length + 6, length + len(value), kind or ""))
        elif kind is not None:
            spans.append((length, length + len(value), kind))
        out.append(value)
        length += len(value)
    out.append(template[pos:])
    return "".join(out), spans


def generate(split: str, per_template: int = 12, seed: int = 0) -> list[Doc]:
    if split == "heldout":
        from corpus_heldout import TEMPLATES
    elif split == "dev":
        from corpus_dev import TEMPLATES
    else:
        raise ValueError(split)
    rng = random.Random(f"{split}-{seed}")
    docs = []
    for t_index, (style, lang, template) in enumerate(TEMPLATES):
        for k in range(per_template):
            text, spans = render(template, rng, POOLS[split])
            docs.append(
                Doc(f"{split}-{t_index}-{k}", style, lang, text, tuple(spans), ORG_DOMAINS[split])
            )
    return docs


def styles(docs: list[Doc]) -> set[str]:
    return {d.style for d in docs}
