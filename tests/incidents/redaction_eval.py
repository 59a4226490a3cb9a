"""Score a redactor on the labelled corpus: sensitive spans fully covered, public ones untouched."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from redaction_corpus import Doc

Spans = list[tuple[int, int]]


@dataclass
class Score:
    sensitive: int = 0
    redacted: int = 0
    public: int = 0
    masked: int = 0
    misses: Counter[str] = field(default_factory=Counter)
    totals: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.redacted / max(self.sensitive, 1)

    @property
    def false_mask(self) -> float:
        return self.masked / max(self.public, 1)


def covered(start: int, end: int, spans: Spans) -> bool:
    need = start
    for s, e in sorted(spans):
        if s <= need < e:
            need = e
            if need >= end:
                return True
    return need >= end


def overlaps(start: int, end: int, spans: Spans) -> bool:
    return any(s < end and start < e for s, e in spans)


def score(docs: Iterable[Doc], redactor: Callable[[Doc], Spans], keep_examples: int = 0) -> Score:
    sc = Score()
    for doc in docs:
        spans = redactor(doc)
        for s, e, kind in doc.spans:
            if kind == "public":
                sc.public += 1
                if overlaps(s, e, spans):
                    sc.masked += 1
                    if len(sc.examples) < keep_examples:
                        sc.examples.append(("public-masked", doc.id, doc.text[s:e]))
                continue
            sc.sensitive += 1
            sc.totals[kind] += 1
            if covered(s, e, spans):
                sc.redacted += 1
            else:
                sc.misses[kind] += 1
                if len(sc.examples) < keep_examples:
                    sc.examples.append((kind, doc.id, doc.text[s:e][:80]))
    return sc
