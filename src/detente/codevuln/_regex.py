"""ReDoS: does a regular expression nest quantifiers over ambiguous alternatives?

A pattern such as ``(a+)+$`` or ``(\\w+\\s?)*$`` backtracks exponentially on a near-miss
(CWE-1333). The check is structural: a quantified group whose body is itself quantified and
can match one character in more than one way, probed with a fixed set of characters. Shared by
the Python and JavaScript rules.
"""

from __future__ import annotations

import re

__all__ = ["nested_quantifier"]

_QUANT_AFTER = re.compile(r"[+*]|\{\d*,\d*\}")
_INNER_Q = re.compile(r"(?:\\.|\[(?:\\.|[^\]\\])*\]|[^\\()\[\]]|(?<!\\)\))[+*]|\{\d*,\d*\}")


def _class_may_match(atom: str, ch: str) -> bool:
    """Whether the regex atom (class, escape or literal) can match the character ``ch``."""
    if atom.startswith("["):
        body = atom[1:-1]
        neg = body.startswith("^")
        body = body[1:] if neg else body
        body = body.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r")
        hit = ch in re.sub(r"\w-\w", "", body).replace("\\", "") or any(
            a <= ch <= b for a, b in re.findall(r"(\w)-(\w)", body)
        )
        if ("\\w" in body and (ch.isalnum() or ch == "_")) or ("\\s" in body and ch.isspace()):
            hit = True
        if "\\d" in body and ch.isdigit():
            hit = True
        if ("\\S" in body and not ch.isspace()) or (
            "\\W" in body and not (ch.isalnum() or ch == "_")
        ):
            hit = True
        return not hit if neg else hit
    if atom in {"\\w"}:
        return ch.isalnum() or ch == "_"
    if atom in {"\\d"}:
        return ch.isdigit()
    if atom in {"\\s"}:
        return ch.isspace()
    if atom == "\\W":
        return not (ch.isalnum() or ch == "_")
    if atom == "\\D":
        return not ch.isdigit()
    if atom == "\\S":
        return not ch.isspace()
    if atom == ".":
        return ch != "\n"
    return atom.lstrip("\\") == ch


_PROBES = "aZ0_ \t\n-.@/\"'<>,;:!#%&*+=?|()[]{}^$~\\é"
_ATOM = re.compile(r"\\.|\[(?:\\.|[^\]\\])*\]|[^\\]")
_QUANT = re.compile(r"\*|\+|\?|\{(\d*)(,?)(\d*)\}")


def _atoms(body: str, probes: str) -> list[tuple[frozenset[str], int, bool]] | None:
    """(characters the atom may match among ``probes``, minimum count, repeats) per atom of a
    group body without alternation; None if the body is too complex to reason about."""
    out: list[tuple[frozenset[str], int, bool]] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "(":
            depth, j = 0, i
            while j < len(body):
                if body[j] == "\\":
                    j += 2
                    continue
                depth += body[j] == "("
                depth -= body[j] == ")"
                if depth == 0:
                    break
                j += 1
            atom_set = frozenset(probes)
            i = j + 1
        elif c in "^$":
            i += 1
            continue
        else:
            m = _ATOM.match(body, i)
            if m is None:
                return None
            atom = m.group()
            i = m.end()
            if atom in {"\\b", "\\B", "\\A", "\\Z", "\\z"}:
                continue
            atom_set = frozenset(ch for ch in probes if _class_may_match(atom, ch))
        q = _QUANT.match(body, i)
        lo, rep = 1, False
        if q is not None:
            i = q.end()
            if i < len(body) and body[i] in "?+":
                i += 1
            t = q.group()
            if t in {"*", "?"}:
                lo = 0
            if t in {"*", "+"}:
                rep = True
            if t.startswith("{"):
                lo = int(q.group(1) or 0)
                rep = bool(q.group(2)) or int(q.group(3) or q.group(1) or 1) > 1
        out.append((atom_set, lo, rep))
    return out


def _ambiguous(alt: str, probes: str) -> bool:
    atoms = _atoms(alt, probes)
    if atoms is None:
        return True
    reps = [k for k, a in enumerate(atoms) if a[2]]
    if not reps:
        return False
    for k, (chars, lo, _) in enumerate(atoms):
        # A required atom that no other repeating atom can match fixes where each iteration
        # ends, so the repetition splits the input one way only.
        others = [r for r in reps if r != k]
        if (
            lo >= 1
            and chars
            and (others or not atoms[k][2])
            and all(not (chars & atoms[r][0]) for r in others)
        ):
            return False
    return True


def _top_level_split(body: str) -> list[str]:
    parts, depth, cur, i = [], 0, 0, 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            m = _ATOM.match(body, i)
            i = m.end() if m else i + 1
            continue
        depth += c == "("
        depth -= c == ")"
        if c == "|" and depth == 0:
            parts.append(body[cur:i])
            cur = i + 1
        i += 1
    parts.append(body[cur:])
    return parts


def nested_quantifier(pattern: str) -> bool:
    """True for a quantified group whose body repeats ambiguously (catastrophic backtracking).

    ``(a+)+``, ``(\\w+\\s?)*`` and ``(x+x+)+`` are reported; ``(?:-[a-z0-9]+)*``,
    ``(\\S+[ \\t]+){2,}`` and ``(,\\d+)*`` are not, because a required atom that the
    repeated atoms cannot match marks where each iteration ends.
    """
    if len(pattern) > 2000:
        return False
    probes = _PROBES + "".join(sorted({c for c in pattern if c.isalnum()}))
    stack: list[int] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            m = _ATOM.match(pattern, i)
            i = m.end() if m else i + 1
            continue
        if c == "(":
            stack.append(i)
        elif c == ")" and stack:
            start = stack.pop()
            q = _QUANT.match(pattern, i + 1)
            repeats = q is not None and (q.group() in {"*", "+"} or bool(q.group(2)))
            if repeats:
                body = re.sub(r"^\?(?::|=|!|<=|<!|P?<\w+>)", "", pattern[start + 1 : i])
                alts = _top_level_split(body)
                if any(_INNER_Q.search(a) and _ambiguous(a, probes) for a in alts):
                    return True
        i += 1
    return False
