"""Finding the code in a model's answer: fenced Markdown blocks and a language guess.

The insecure-code evaluation analyses the fenced blocks of an answer (CommonMark 0.31 §4.5,
fenced code blocks: a run of three or more backticks or tildes, closed by a run at least as
long); an answer without fences is analysed whole, in the language guessed here.
"""

from __future__ import annotations

import re

from detente.codevuln._analyze import normalize_language

__all__ = ["extract_code_blocks", "guess_language"]


_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})[ \t]*([^\n`]*)$", re.MULTILINE)


def extract_code_blocks(text: str) -> list[tuple[str | None, str]]:
    """Fenced code blocks of a Markdown answer as (normalised language or None, code).

    An unclosed final fence runs to the end of the text (truncated model output). Text with no
    fences gives []; the caller decides whether to analyse the whole answer.
    """
    blocks: list[tuple[str | None, str]] = []
    pos = 0
    while True:
        m = _FENCE.search(text, pos)
        if m is None:
            break
        fence = m.group(1)
        info = m.group(2).strip()
        word = info.split()[0] if info else ""
        word = word.lstrip("{.").rstrip("}")
        start = m.end() + 1 if m.end() < len(text) else m.end()
        close = re.compile(
            r"^[ \t]{0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$",
            re.MULTILINE,
        )
        c = close.search(text, start)
        if c is None:
            blocks.append((normalize_language(word), text[start:]))
            break
        body = text[start : c.start()]
        blocks.append((normalize_language(word), body.rstrip("\n") + "\n" if body else ""))
        pos = c.end()
    return blocks


_PY_HINTS = (
    (re.compile(r"^\s*(def|class)\s+\w+.*:\s*$", re.M), 3),
    (re.compile(r"^\s*(import\s+\w+|from\s+[\w.]+\s+import\b)", re.M), 3),
    (re.compile(r"^\s*(if|for|while|with|try|elif|else)\b.*:\s*$", re.M), 1),
    (re.compile(r"\bself\.|\bprint\(|\bNone\b|\bTrue\b|\bFalse\b"), 1),
)
_C_HINTS = (
    (re.compile(r"^\s*#\s*(include|define|ifndef|ifdef|endif)\b", re.M), 4),
    (re.compile(r"\b(int|void|char|size_t|unsigned|struct|static)\s+\*?\w+\s*\(", re.M), 2),
    (re.compile(r"\b(malloc|free|printf|sizeof|NULL)\b"), 1),
    (re.compile(r"->"), 1),
)
_JS_HINTS = (
    (re.compile(r"\b(const|let|var)\s+[\w{\[]"), 2),
    (re.compile(r"\bfunction\s*\w*\s*\(|=>"), 2),
    (re.compile(r"\brequire\(|\bimport\s.+\bfrom\s+['\"]|module\.exports|export\s+default"), 3),
    (re.compile(r"\b(document|window|console)\.|===|!=="), 2),
)


def guess_language(code: str) -> str | None:
    """The most likely of python, c and javascript for ``code``, or None if nothing fits."""
    sample = code[:20000]
    scores: dict[str, int] = {}
    for lang, hints in (("python", _PY_HINTS), ("c", _C_HINTS), ("javascript", _JS_HINTS)):
        scores[lang] = sum(w * min(3, len(rx.findall(sample))) for rx, w in hints)
    best = max(scores, key=lambda k: scores[k])
    if scores[best] < 2:
        return None
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] == ranked[1]:
        return None
    return best
