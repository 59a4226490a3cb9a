"""Token views of C and JavaScript source, taken from the tree-sitter tree.

The token rules (``_c``, ``_js``) match patterns over the code with comments and literal
contents blanked — same length, every newline kept, so an offset is a position in the original
text and no pattern can match inside a comment or a literal. The tree decides what is a
comment, a string, a template literal or a regular expression (a ``/`` after ``)`` is a
division, after ``(`` a regex: the grammar knows, a lexer has to guess).

Views: ``clean`` (comments, string, character, template-text and regex contents blanked; the
``${...}`` code of a template literal kept), ``nocomm`` (comments blanked, literals kept),
``strings`` (opening-quote offset -> raw contents, for the rules that read a format string or
a URL) and ``regexes`` (offset of the regex literal -> its pattern).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from detente.codevuln._treesitter import parse, walk

if TYPE_CHECKING:
    from tree_sitter import Node

__all__ = ["Views", "views"]

# A string literal token inside a preprocessor line that tree-sitter keeps as raw text
# (``#define PASSWORD "x"``: the value is a ``preproc_arg``, not parsed as an expression).
_PREPROC_STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
_QUOTES = {'"', "'", "`"}


@dataclass(frozen=True)
class Views:
    clean: str
    nocomm: str
    strings: dict[int, str]
    regexes: list[tuple[int, str]]
    # every call of a plain function (``f(...)``, ``std::f(...)``; not ``obj.f`` / ``p->f``):
    # (name, offset of the name, [(start, end) of each argument])
    calls: list[tuple[str, int, list[tuple[int, int]]]]


class _Blank:
    def __init__(self, code: str) -> None:
        self.code = code
        self.clean = list(code)
        self.nocomm = list(code)
        self.strings: dict[int, str] = {}
        self.regexes: list[tuple[int, str]] = []
        self.calls: list[tuple[str, int, list[tuple[int, int]]]] = []
        data = code.encode("utf-8", "replace")
        # tree-sitter speaks bytes; the rules speak characters
        self.char: list[int] | None = None
        if len(data) != len(code):
            self.char = [0] * (len(data) + 1)
            b = 0
            for i, ch in enumerate(code):
                width = len(ch.encode("utf-8", "replace"))
                for k in range(width):
                    self.char[b + k] = i
                b += width
            self.char[b] = len(code)

    def at(self, byte: int) -> int:
        return byte if self.char is None else self.char[min(byte, len(self.char) - 1)]

    def blank(self, a: int, b: int, both: bool) -> None:
        for k in range(a, min(b, len(self.code))):
            if self.code[k] != "\n":
                self.clean[k] = " "
                if both:
                    self.nocomm[k] = " "

    def quoted(self, node: Node) -> None:
        """A string (or C character) literal: contents between its first and last quote."""
        quotes = [c for c in node.children if c.type in _QUOTES or c.type.endswith('"')]
        start, end = self.at(node.start_byte), self.at(node.end_byte)
        open_at = self.at(quotes[0].start_byte) if quotes else start
        close_at = self.at(quotes[-1].start_byte) if len(quotes) > 1 else end
        if self.code[open_at : open_at + 1] not in _QUOTES:  # C++ raw string R"d(...)d"
            open_at = self.code.find('"', start, end)
            close_at = self.code.rfind('"', start, end)
            if open_at < 0 or close_at <= open_at:
                return
        if node.type != "char_literal":
            self.strings[open_at] = self.code[open_at + 1 : close_at]
        self.blank(open_at + 1, close_at, False)

    def template(self, node: Node) -> None:
        start, end = self.at(node.start_byte), self.at(node.end_byte)
        closed = end - start > 1 and self.code[end - 1] == "`"
        self.strings[start] = self.code[start + 1 : end - 1 if closed else end]
        pos = start + 1
        for sub in node.children:
            if sub.type == "template_substitution":
                self.blank(pos, self.at(sub.start_byte), False)
                pos = self.at(sub.end_byte)
        self.blank(pos, end - 1 if closed else end, False)

    def regex(self, node: Node) -> None:
        pattern = next((c for c in node.children if c.type == "regex_pattern"), None)
        if pattern is not None:
            a, b = self.at(pattern.start_byte), self.at(pattern.end_byte)
            self.regexes.append((self.at(node.start_byte), self.code[a:b]))
            self.blank(a, b, False)

    def call(self, node: Node) -> None:
        fn, args = node.child_by_field_name("function"), node.child_by_field_name("arguments")
        if fn is None or args is None or fn.text is None:
            return
        name = fn.text.decode("utf-8", "replace")
        if fn.type == "qualified_identifier" and name.startswith("std::"):
            name = name[5:]
        elif fn.type != "identifier":
            return
        named = [a for a in args.children if a.is_named and a.type != "comment"]
        spans = [(self.at(a.start_byte), self.at(a.end_byte)) for a in named]
        self.calls.append((name, self.at(fn.start_byte), spans))

    def preproc(self, node: Node) -> None:
        base = self.at(node.start_byte)
        for m in _PREPROC_STRING.finditer(self.code, base, self.at(node.end_byte)):
            self.strings[m.start()] = m.group(1)
            self.blank(m.start() + 1, m.end() - 1, False)


def views(code: str, grammar: str) -> Views:
    """The token views of ``code``; with no tree (the parse budget ran out) nothing is blanked."""
    out = _Blank(code)
    tree = parse(grammar, code)
    if tree is not None:
        for node in walk(tree.root_node):
            kind = node.type
            if kind in {"comment", "html_comment"}:
                out.blank(out.at(node.start_byte), out.at(node.end_byte), True)
            elif kind in {"string_literal", "char_literal", "raw_string_literal", "string"}:
                out.quoted(node)
            elif kind == "template_string":
                out.template(node)
            elif kind == "regex":
                out.regex(node)
            elif kind == "preproc_arg":
                out.preproc(node)
            elif kind == "call_expression":
                out.call(node)
    clean, nocomm = "".join(out.clean), "".join(out.nocomm)
    return Views(clean, nocomm, out.strings, out.regexes, out.calls)
