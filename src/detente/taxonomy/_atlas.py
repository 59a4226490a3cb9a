"""MITRE ATLAS techniques, from the shipped, version-stamped subset (``data/atlas.json``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from detente.errors import InputError

__all__ = ["Technique", "atlas_data", "atlas_technique", "validate_atlas_ids"]


@dataclass(frozen=True)
class Technique:
    id: str
    name: str
    tactics: tuple[str, ...]
    parent: str | None


@cache
def atlas_data() -> dict[str, Any]:
    from importlib import resources  # lazy: the scan path never reads ATLAS data

    raw = resources.files("detente.taxonomy").joinpath("data/atlas.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(raw)
    return data


def atlas_technique(technique_id: str) -> Technique:
    t = atlas_data()["techniques"].get(technique_id)
    if t is None:
        raise InputError(
            f"unknown MITRE ATLAS {atlas_data()['version']} technique {technique_id!r}"
        )
    tactics = t["tactics"] or (
        atlas_data()["techniques"][t["parent"]]["tactics"] if t["parent"] else []
    )
    return Technique(technique_id, t["name"], tuple(tactics), t["parent"])


def validate_atlas_ids(ids: Any) -> None:
    """Raise :class:`InputError` naming the first id that is not an ATLAS technique."""
    for i in ids:
        atlas_technique(i)
