"""TLP 2.0 marking definitions for STIX 2.1, and who may see a TLP:RED object.

The five marking-definition objects and their fixed ids come from the TLP 2.0 extension
(extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d, oasis-open/cti-stix-common-objects,
``extension-definition-specifications/tlp-2.0/``). TLP:RED means "for the eyes and ears of
individual recipients only"; STIX has no field naming those recipients, so our own property
extension (schema shipped in ``data/stix/``) lists them, and the TAXII server serves a TLP:RED
object only to a user whose name or identity is on that list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "RECIPIENTS_EXTENSION",
    "TLP_EXTENSION",
    "TLP_IDS",
    "TLP_RED",
    "is_tlp_red",
    "red_recipients",
    "tlp_marking_definition",
]

TLP_EXTENSION = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
RECIPIENTS_EXTENSION = "extension-definition--4f19f0c7-ca92-5dd7-a0a6-7074cbd885ee"

# level -> (marking-definition id, name); ids fixed by the TLP 2.0 extension's schema.
TLP_IDS: dict[str, tuple[str, str]] = {
    "clear": ("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "TLP:CLEAR"),
    "green": ("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "TLP:GREEN"),
    "amber": ("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "TLP:AMBER"),
    "amber+strict": (
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "TLP:AMBER+STRICT",
    ),
    "red": ("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "TLP:RED"),
}
TLP_RED = TLP_IDS["red"][0]
_CREATED = "2022-10-01T00:00:00.000Z"  # the created date of the published TLP 2.0 objects


def tlp_marking_definition(level: str) -> dict[str, Any]:
    """The published marking-definition object for a TLP 2.0 level."""
    mid, name = TLP_IDS[level]
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": mid,
        "created": _CREATED,
        "name": name,
        "extensions": {TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}},
    }


def is_tlp_red(obj: Mapping[str, Any]) -> bool:
    """Does any marking on the object (whole-object or granular) say TLP:RED?"""
    refs = obj.get("object_marking_refs")
    if isinstance(refs, list) and TLP_RED in refs:
        return True
    grans = obj.get("granular_markings")
    return isinstance(grans, list) and any(
        isinstance(g, dict) and g.get("marking_ref") == TLP_RED for g in grans
    )


def red_recipients(obj: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The recipients a TLP:RED object names, or None when it names none (or malformed)."""
    exts = obj.get("extensions")
    ext = exts.get(RECIPIENTS_EXTENSION) if isinstance(exts, dict) else None
    names = ext.get("recipients") if isinstance(ext, dict) else None
    if not isinstance(names, list) or not names:
        return None
    if not all(isinstance(n, str) and 0 < len(n) <= 256 for n in names):
        return None
    return tuple(dict.fromkeys(names))
