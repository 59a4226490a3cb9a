"""The analyzer seam: what the dispatcher knows about an input, and the one protocol every
format family implements.

The dispatcher computes the facts about a file or archive member once (its first bytes, size,
base name, whether it is raw torch storage) into an :class:`Item`, then asks each analyzer of
the ordered registry in turn: ``sniff`` (cheap, by content first, by name only where a format
has no magic) and, for the first that claims the item, ``analyse``. An analyzer that finds the
item was not its format after all (bytes that merely begin like a pickle) returns None and the
next one is asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from detente.scan._base import ScanContext
    from detente.scan._finding import Finding, Location

__all__ = ["Analyzer", "Item"]

HEAD_BYTES = 65536


@dataclass(frozen=True)
class Item:
    """One file or archive member to analyse, with the facts every analyzer may need."""

    data: Any  # bytes, memoryview or mmap: sliceable, never copied whole unless needed
    location: Location
    head: bytes
    size: int
    name: str  # base name, lower case
    torch_storage: bool  # raw tensor bytes inside a torch zip: never a pickle
    siblings: frozenset[str] | None  # names beside the file (ONNX external data, auto_map)

    @classmethod
    def of(cls, data: Any, location: Location, siblings: set[str] | None = None) -> Item:
        name = location.members[-1] if location.members else location.path
        base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
        return cls(data, location, bytes(data[:HEAD_BYTES]), len(data), base,
                   _is_torch_storage(location),
                   None if siblings is None else frozenset(siblings))  # fmt: skip


def _is_torch_storage(location: Location) -> bool:
    # torch.save zips keep raw tensor bytes in "<archive>/data/<key>"; torch never unpickles them.
    if not location.members:
        return False
    parts = location.members[-1].split("/")
    return len(parts) >= 2 and parts[-2] == "data" and parts[-1].isdigit()


class Analyzer(Protocol):
    """One format family (pickle, zip, GGUF, …) behind one interface."""

    @property
    def name(self) -> str:
        """A short name for the family (``pickle``, ``zip``): docs and tests use it."""
        ...

    def sniff(self, item: Item, ctx: ScanContext) -> bool:
        """Whether this analyzer claims the item (by content, or by name for formats without
        a magic number)."""
        ...

    def analyse(self, item: Item, ctx: ScanContext) -> list[Finding] | None:
        """Findings (possibly none), or None: "not my format after all, ask the next"."""
        ...
