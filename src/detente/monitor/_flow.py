"""Data-flow provenance of tool-call arguments: does a value come from the user or a tool output?

Values are matched exactly (after normalisation: case, whitespace, NFKC, look-alikes, URL
scheme and ``www.``), numerically (``30,000`` = ``30000.0``), and fuzzily for long strings
(most of the value's words present). Short values must match as whole words, so ``13`` does not
match ``2013``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from detente.monitor._text import normalize
from detente.monitor._trace import JSON

__all__ = [
    "IndexedText",
    "embedded_entities",
    "exact_in",
    "found_in",
    "leaf_values",
    "stem_in",
    "value_text",
]

# A number is an amount, a count or an id; a clock time ("5pm", "9:30", "10 a.m.") is none.
_NUM = re.compile(
    r"(?<![\w.:])[-+]?\$?\d[\d,]*(?:\.\d+)?(?!\s?(?:[ap]\.?m\b\.?|[:h]\d\d)|\d|[.,]\d|:\d)"
)
_TOKEN = re.compile(r"[^\W_]+")
_URL_PREFIX = re.compile(r"\b(?:https?://)?(?:www\.)?")
_TRIVIAL = frozenset({"", "true", "false", "none", "null"})
# Values with a provenance of their own inside free text: URLs, e-mail addresses, IBANs.
_ENTITIES = (
    (
        "url",
        re.compile(
            r"\b(?:https?://|www\.)[^\s<>\"')\]]+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|dev|co|info|biz)(?:/[^\s<>\"')\]]*)?\b",
            re.I,
        ),
    ),
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("iban", re.compile(r"\b[A-Z]{2}\d{2}[A-Z0-9]{10,30}\b")),
)


def embedded_entities(text: str) -> list[tuple[str, str]]:
    """(kind, value) for every URL, e-mail address and IBAN in ``text`` (an address is not
    also reported as the URL of its domain)."""
    out: list[tuple[str, str]] = []
    taken: list[tuple[int, int]] = []
    for kind, rx in reversed(_ENTITIES):
        for m in rx.finditer(text[:100_000]):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append(m.span())
            out.append((kind, m.group().rstrip(".,;:!?")))
    return out


@dataclass(frozen=True)
class IndexedText:
    """A text prepared for repeated look-ups (normalised form, words, numbers)."""

    norm: str
    words: frozenset[str]
    numbers: frozenset[float]


@lru_cache(maxsize=8192)
def index_text(text: str) -> IndexedText:
    norm = _URL_PREFIX.sub("", normalize(text))
    numbers = set()
    for m in _NUM.finditer(norm):
        try:
            numbers.add(float(m.group().replace(",", "").replace("$", "")))
        except ValueError:
            continue
    return IndexedText(norm, frozenset(_TOKEN.findall(norm)), frozenset(numbers))


def leaf_values(args: Mapping[str, JSON], prefix: str = "") -> Iterator[tuple[str, JSON]]:
    """(dotted path, value) for every scalar in the arguments; lists keep their parent's name."""
    for k, v in args.items():
        path = f"{prefix}{k}"
        yield from _leaves(v, path)


def _leaves(v: JSON, path: str) -> Iterator[tuple[str, JSON]]:
    if isinstance(v, dict):
        yield from leaf_values(v, path + ".")
    elif isinstance(v, list):
        for item in v:
            yield from _leaves(item, path)
    else:
        yield path, v


def value_text(v: JSON) -> str:
    return "" if v is None or isinstance(v, bool) else str(v)


def informative(v: JSON) -> bool:
    """Worth tracing: not empty/boolean, not a 0/1 flag-like number, not one character."""
    if v is None or isinstance(v, bool):
        return False
    if isinstance(v, (int, float)):
        return abs(v) not in (0, 1)
    if not isinstance(v, str):
        return False
    s = normalize(v).strip()
    return len(s) >= 2 and s not in _TRIVIAL


@lru_cache(maxsize=16384)
def _found(value: str, is_number: bool, text: IndexedText) -> bool:
    if is_number:
        return float(value) in text.numbers
    v = _URL_PREFIX.sub("", normalize(value)).strip().strip("'\"")
    if not v:
        return False
    try:
        if float(v.replace(",", "")) in text.numbers:
            return True
    except ValueError:
        pass
    if len(v) <= 4 or v.isalnum():
        return re.search(rf"(?<![^\W_]){re.escape(v)}(?![^\W_])", text.norm) is not None
    if v in text.norm:
        return True
    words = _TOKEN.findall(v)
    if len(v) >= 20 and len(words) >= 4:
        # Fuzzy: a long value (an e-mail body, a summary) mostly made of the text's words.
        return sum(w in text.words for w in words) / len(words) >= 0.8
    return False


def exact_in(value: JSON, text: IndexedText) -> bool:
    """The value, normalised, occurs in the text as it is (no fuzzy match)."""
    v = _URL_PREFIX.sub("", normalize(value_text(value))).strip().strip("'\"")
    return len(v) >= 2 and v in text.norm


def found_in(value: JSON, text: IndexedText) -> bool:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _found(repr(float(value)), True, text)
    return _found(value_text(value), False, text)


@lru_cache(maxsize=65536)
def stem_in(word: str, words: frozenset[str]) -> bool:
    """A word of ``words`` starts with the word's stem, or is a prefix of it (4+ letters, and
    not much shorter: "restaurant" is not named by "rest")."""
    stem = word[:-1] if word.endswith("s") else word
    stem = stem[:-2] if stem.endswith("ed") else stem
    if any(stem[:n] in words for n in range(max(4, len(stem) - 4), len(stem) + 1)):
        return True
    ordered = _sorted(words)  # a word starting with the stem sorts right after it
    i = bisect.bisect_left(ordered, stem)
    return i < len(ordered) and ordered[i].startswith(stem)


@lru_cache(maxsize=4096)
def _sorted(words: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(words))
