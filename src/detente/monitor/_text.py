"""Text normalisation and hidden-text recovery for tool outputs.

Injected instructions hide: zero-width characters between letters, Cyrillic/Greek look-alikes
(Unicode TR39 confusables), HTML and Markdown comments, elements styled invisible (CSS), base64
blobs, rot13. Each recovery below returns
the visible text plus *derived* texts (decoded or unhidden) with the span of the original they
came from, so a detector finding an instruction in a derived text can point at the bytes the
agent actually saw.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Derived", "derived_texts", "normalize", "strip_invisible", "unfold_hidden"]

# Zero-width and other default-ignorable format characters (Unicode Cf used to hide text).
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
# Some of them are how a script is written, not a hiding place: the zero-width non-joiner and
# joiner inside Persian, Arabic-script and Indic words ("می‌خواهم") and the joiner inside emoji
# sequences (Unicode UAX #9, TUS §23.2), and directional marks and isolates in text that
# holds right-to-left letters. A Persian e-mail has dozens; counting them called every
# sentence beside it hidden text.
_JOINERS = "\u200c\u200d"
_DIRECTIONAL = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
# A subset of TR39 confusables: Cyrillic and Greek letters that render like Latin ones.
_CONFUSABLES = str.maketrans(
    "аеорсухіјѕԁɡᴀАВЕКМНОРСТХІЈЅαοντιкмпгдлщ",
    "aeopcyxijsdgaABEKMHOPCTXIJSaovtikmnrdlw",
)
_LATIN = re.compile(r"[A-Za-z]")
_NONLATIN_LOOKALIKE = re.compile("[\u0370-\u03ff\u0400-\u04ff]")
_LETTERS = re.compile(r"[^\W\d_]+")
_GLUED_SCRIPTS = re.compile("[A-Za-z]+[\u0370-\u03ff\u0400-\u04ff]{2,}")
_FULLWIDTH = re.compile("[\uff21-\uff3a\uff41-\uff5a]{3}")
# In Chinese, Japanese and Korean text full-width Latin is the house style ("ＴＥＬ：０３－…",
# "ＦＡＸ"); there it hides an instruction only as a run of words ("ｓｅｎｄ ｔｈｅ ｃｏｄｅ").
_FULLWIDTH_WORDS = re.compile(
    "(?:[\uff21-\uff3a\uff41-\uff5a]{2,}[ \u3000]+){2,}[\uff21-\uff3a\uff41-\uff5a]{2,}"
)
_CJK_LETTER = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_HTML_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
# Markdown comments: a link reference definition nobody renders ("[//]: # (text)",
# "[comment]: <> (text)", CommonMark 0.31 §4.7), the usual way to hide a note in Markdown.
_MD_COMMENT = re.compile(r"\[[^\]\n]{0,20}\]:\s*(?:#|<>)\s*(?:\((.+?)\)|['\"]+(.+?)['\"]+)", re.S)
# An element styled so that no reader sees it (CSS 2.1 §9.2.4 display:none, §11.2 visibility,
# a zero font size or opacity, white-on-white): the text is there for software only. Quotes
# may be doubled (HTML inside a YAML scalar).
_CSS_HIDDEN = re.compile(
    r"<(?P<tag>[a-z][a-z0-9]*)\b[^>]*?\bstyle\s*=\s*['\"]+(?P<style>[^'\">]*)['\"]+[^>]*>"
    r"(?P<body>.*?)</(?P=tag)\s*>",
    re.S | re.I,
)
_HIDING_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:\.0+)?(?:px|pt|em|%)?\s*(?:;|$)|"
    r"opacity\s*:\s*0(?:\.0+)?\s*(?:;|$)|(?<![-\w])color\s*:\s*(?:#f{3}(?:f{3})?|white)\b",
    re.I,
)
_B64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{24,}={0,2}(?![A-Za-z0-9+/=])")
_WORD = re.compile(r"[a-z]+")
# Frequent English words: rot13 of English turns them into non-words, and back.
_COMMON = frozenset(
    [
        "the",
        "to",
        "and",
        "of",
        "a",
        "you",
        "your",
        "please",
        "send",
        "all",
        "this",
        "that",
        "is",
        "for",
        "with",
        "from",
        "it",
        "be",
        "before",
        "do",
        "must",
        "user",
        "assistant",
        "email",
        "money",
        "file",
        "now",
        "first",
        "instead",
        "ignore",
        "instructions",
        "then",
        # the nouns and verbs of what agents are asked to do (short rot13 sentences carry few
        # function words: "Fraq n yvax gb Nyvpr" is "Send a link to Alice")
        "link",
        "website",
        "visit",
        "message",
        "messages",
        "channel",
        "channels",
        "invite",
        "add",
        "remove",
        "delete",
        "create",
        "make",
        "change",
        "password",
        "account",
        "transaction",
        "code",
        "on",
        "in",
        "at",
        "by",
        "my",
        "me",
        "an",
        "are",
        "will",
        "him",
        "her",
        "them",
        "reservation",
        "hotel",
        "event",
        "calendar",
        "body",
        "subject",
        "received",
        "sent",
        "post",
    ]
)


@dataclass(frozen=True)
class Derived:
    """Text recovered from hiding: ``how`` names the trick, (start, end) the original span."""

    how: str
    start: int
    end: int
    text: str


def _joins_script(text: str, at: int) -> bool:
    """A joiner at ``at`` that sits inside a word of a non-Latin script, or in an emoji."""
    before = text[at - 1] if at > 0 else " "
    after = text[at + 1] if at + 1 < len(text) else " "
    for ch in (before, after):
        if ch.isalpha() and not ("a" <= ch.lower() <= "z" or "\u00c0" <= ch <= "\u024f"):
            return True
        if unicodedata.category(ch) in ("So", "Sk", "Mn") or "\ufe00" <= ch <= "\ufe0f":
            return True
    return False


def _hiding_count(text: str) -> int:
    """Invisible characters in ``text`` that are not how its scripts are written."""
    marks = [m.start() for m in _INVISIBLE.finditer(text)]
    if len(marks) < 3:
        return len(marks)
    rtl = _RTL.search(text) is not None
    count = 0
    for at in marks:
        ch = text[at]
        if ch in _JOINERS and _joins_script(text, at):
            continue
        if rtl and ch in _DIRECTIONAL:
            continue
        count += 1
    return count


def strip_invisible(text: str) -> str:
    return _INVISIBLE.sub("", text)


@lru_cache(maxsize=8192)
def normalize(text: str) -> str:
    """Lower-cased NFKC text without invisible characters and with look-alikes folded."""
    return unfold_hidden(text).lower()


@lru_cache(maxsize=8192)
def unfold_hidden(text: str) -> str:
    """:func:`normalize` keeping case: where sentences start ("… 7.2%.Ｃｏｎｃａｔｅｎａｔｅ …"
    is two sentences; lower-cased it would be one)."""
    return unicodedata.normalize("NFKC", strip_invisible(text)).translate(_CONFUSABLES)


_CONFUSABLE_SET = frozenset("аеорсухіјѕԁɡᴀАВЕКМНОРСТХІЈЅαοντιкмпгдлщ")


def _all_confusable(word: str) -> bool:
    return all(ch in _CONFUSABLE_SET for ch in _NONLATIN_LOOKALIKE.findall(word))


_COMMON_ROT13 = frozenset(codecs.decode(w, "rot13") for w in _COMMON)


def _printable_ratio(s: str) -> float:
    return sum(1 for ch in s if ch.isprintable() or ch in "\n\t") / max(1, len(s))


def _decode_b64(blob: str) -> str | None:
    try:
        raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if len(text) < 8 or _printable_ratio(text) < 0.95 or not re.search(r"[^\W\d_]{3}", text):
        return None
    return text


@lru_cache(maxsize=4096)
def derived_texts(text: str) -> tuple[Derived, ...]:
    """Every hidden or encoded text inside ``text`` (empty for ordinary text)."""
    out: list[Derived] = []
    if _FULLWIDTH.search(text) and (  # full-width Latin (U+FF01..FF5E) reads as ASCII after NFKC
        _CJK_LETTER.search(text) is None or _FULLWIDTH_WORDS.search(text) is not None
    ):
        out.append(Derived("fullwidth", 0, len(text), unicodedata.normalize("NFKC", text)))
    if _hiding_count(text) >= 3:
        out.append(Derived("zero-width", 0, len(text), strip_invisible(text)))
    if _NONLATIN_LOOKALIKE.search(text):
        for m in _LETTERS.finditer(text):
            w = m.group()
            # A look-alike is a Latin word with some letters swapped for confusables; a Latin
            # word glued to real Cyrillic/Greek text ("USAНапоминаем", "USAВе": an address
            # run into the next paragraph) is not one, nor is a Cyrillic word after a comma
            # ("…,4,Всем": words are runs of letters).
            if (
                _LATIN.search(w)
                and _NONLATIN_LOOKALIKE.search(w)
                and _all_confusable(w)
                and not _GLUED_SCRIPTS.fullmatch(w)
            ):
                out.append(Derived("homoglyph", 0, len(text), unfold_hidden(text)))
                break
    for m in _HTML_COMMENT.finditer(text):
        if m.group(1).strip():
            out.append(Derived("html-comment", m.start(), m.end(), m.group(1).strip()))
    for m in _MD_COMMENT.finditer(text):
        body = (m.group(1) or m.group(2) or "").strip()
        if body:
            out.append(Derived("markdown-comment", m.start(), m.end(), body))
    if "style" in text:
        for m in _CSS_HIDDEN.finditer(text):
            body = m.group("body").strip()
            if body and _HIDING_STYLE.search(m.group("style")):
                out.append(Derived("css-hidden", m.start(), m.end(), body))
    for m in _B64.finditer(text):
        # a blob glued to a word ("USAQXNzaXN0…"): the word's letters shift the 4-character
        # groups (RFC 4648 §4), so try the few starts after them too
        for skip in range(4):
            decoded = _decode_b64(m.group()[skip:])
            if decoded is not None:
                out.append(Derived("base64", m.start() + skip, m.end(), decoded))
                break
    # rot13, sentence by sentence: one encoded sentence hides in an otherwise English output.
    # (Sentences may wrap across lines, and lines may hold several sentences: try both cuts.)
    seen: set[tuple[int, int]] = set()
    if sum(1 for w in _WORD.findall(text.lower()) if w in _COMMON_ROT13) < 3:
        return tuple(out)  # no chunk can hold three rot13'd common words: nothing to decode
    for cut in _CHUNKS:
        pos = 0
        for m in cut.finditer(text + "\n\n"):
            chunk, span = text[pos : m.start()], (pos, m.start())
            if len(chunk) >= 20 and span not in seen:
                seen.add(span)
                # rot13 keeps word boundaries, so the decoded text's common words are the
                # chunk's words whose rot13 is common: counted without decoding.
                words = _WORD.findall(chunk.lower())
                hits = sum(1 for w in words if w in _COMMON_ROT13)
                if hits >= max(3, 2 * sum(1 for w in words if w in _COMMON) + 2) and (
                    3 * hits >= len(words)
                ):
                    out.append(Derived("rot13", pos, m.start(), codecs.decode(chunk, "rot13")))
            pos = m.end()
    return tuple(out)


_CHUNKS = (
    re.compile(r"(?<=[.!?])\s+|\n\s*\n|(?<=[a-z0-9%)\]][.!?])(?=[A-Z][a-zA-Z])"),
    re.compile(r"\n"),
)
