"""Loading the tree-sitter grammars (C, C++, JavaScript, TypeScript) and small node helpers.

tree-sitter parses any text, however broken, into a concrete syntax tree with ``ERROR`` nodes
where it had to recover, so a truncated model answer still yields a tree. Parsing builds a tree
and nothing else: nothing is compiled, preprocessed or run. The grammars are optional
dependencies (``pip install 'detente[codevuln]'``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import TYPE_CHECKING

from detente.errors import MissingDependency

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Tree

__all__ = ["children", "field", "parse", "parser", "text", "walk"]

# Error recovery on pathological text (10 000 quotes) can take a second; past this budget the
# tree rules give up on the input and the token rules alone report.
PARSE_BUDGET_S = 0.2


@cache
def parser(grammar: str) -> Parser:
    """A parser for ``c``, ``cpp``, ``javascript``, ``typescript`` or ``tsx``."""
    try:
        import tree_sitter
    except ImportError:
        raise MissingDependency("tree_sitter", "codevuln", "the code detector") from None
    handle: object
    try:
        if grammar == "c":
            import tree_sitter_c as mod

            handle = mod.language()
        elif grammar == "cpp":
            import tree_sitter_cpp as mod_cpp

            handle = mod_cpp.language()
        elif grammar == "javascript":
            import tree_sitter_javascript as mod_js

            handle = mod_js.language()
        else:
            import tree_sitter_typescript as mod_ts

            handle = mod_ts.language_tsx() if grammar == "tsx" else mod_ts.language_typescript()
    except ImportError:
        raise MissingDependency(f"tree_sitter_{grammar}", "codevuln", "the code detector") from None
    return tree_sitter.Parser(tree_sitter.Language(handle))


@lru_cache(maxsize=4)
def parse(grammar: str, code: str) -> Tree | None:
    """The tree of ``code``, or None if parsing takes longer than ``PARSE_BUDGET_S``.

    Cached: the token views and the data-flow rules read the same tree (trees are not
    edited after parsing)."""
    data = code.encode("utf-8", "replace")
    deadline = time.monotonic() + PARSE_BUDGET_S

    def read(offset: int, _point: object) -> bytes:
        return data[offset : offset + 65536]

    try:
        return parser(grammar).parse(read, progress_callback=lambda *_: time.monotonic() > deadline)
    except ValueError:  # cancelled by the budget
        return None


def text(node: Node | None) -> str:
    """The source text of ``node`` ("" for None)."""
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def field(node: Node, name: str) -> Node | None:
    return node.child_by_field_name(name)


def children(node: Node) -> list[Node]:
    """The named children of ``node`` (punctuation left out)."""
    return [c for c in node.children if c.is_named]


def walk(node: Node, limit: int = 200_000) -> Iterator[Node]:
    """Every node below ``node`` in document order, iteratively (no recursion limit)."""
    stack = [node]
    seen = 0
    while stack and seen < limit:
        cur = stack.pop()
        seen += 1
        yield cur
        stack.extend(reversed(cur.children))
