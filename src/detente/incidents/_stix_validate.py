"""STIX 2.1 validation that refuses what it cannot check.

stix2-validator checks an object against the STIX 2.1 JSON schemas and the specification's
MUST rules — but an extension (``extensions.extension-definition--…``) it has no schema for is
accepted silently, whatever it contains, and the stix2 library never looks inside extensions
at all. This wrapper (1) gives the validator the extension schemas shipped in ``data/stix/``
(its ``schema_dir`` option), with their ``$ref`` URLs to the STIX core schemas pointed at the
copies the validator bundles, so nothing is fetched from the network; and (2) refuses any
extension id that has no shipped schema, before the validator runs.
"""

from __future__ import annotations

import functools
import json
import tempfile
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from detente.errors import FormatError, UsageError

__all__ = ["KNOWN_EXTENSIONS", "stix_problems", "validate_stix"]

_DATA = "data/stix"
# STIX 2.1 §6 (cyber-observable objects): the predefined extensions the validator's own
# schemas cover. Anything else must have a schema here.
_PREDEFINED = frozenset(
    {"archive-ext", "ntfs-ext", "pdf-ext", "raster-image-ext", "windows-pebinary-ext",
     "http-request-ext", "icmp-ext", "socket-ext", "tcp-ext", "unix-account-ext",
     "windows-process-ext", "windows-service-ext"}
)  # fmt: skip
_CORE_URLS = (
    "https://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/",
    "http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/",
)


def _shipped() -> dict[str, str]:
    root = resources.files("detente.incidents").joinpath(_DATA)
    return {
        p.name[: -len(".json")]: p.read_text(encoding="utf-8")
        for p in root.iterdir()
        if p.name.startswith("extension-definition--") and p.name.endswith(".json")
    }


KNOWN_EXTENSIONS = frozenset(_shipped())


@functools.cache
def _prepared_dir() -> Path:
    """A directory of the shipped schemas with core-schema URLs pointed at the validator's
    bundled copies (built once per process)."""
    import stix2validator

    core = Path(stix2validator.__file__).parent / "schemas-2.1" / "schemas"
    if not (core / "common" / "core.json").is_file():
        raise UsageError(
            "this stix2-validator has no bundled STIX 2.1 schemas (3.3.1's wheel lacks "
            "them): pip install 'detente[stix]'"
        )
    out = Path(tempfile.mkdtemp(prefix="detente-stix-schemas-"))
    for name, text in _shipped().items():
        local = text
        for url in _CORE_URLS:
            local = local.replace(url, core.as_uri() + "/")
        (out / f"{name}.json").write_text(local, encoding="utf-8")
    return out


def _objects(doc: Any) -> Iterator[Mapping[str, Any]]:
    if isinstance(doc, dict) and doc.get("type") == "bundle":
        for obj in doc.get("objects") or ():
            if isinstance(obj, dict):
                yield obj
    elif isinstance(doc, dict):
        yield doc


def _unknown_extensions(doc: Any) -> list[str]:
    out = []
    for obj in _objects(doc):
        exts = obj.get("extensions")
        if not isinstance(exts, dict):
            continue
        for key in exts:
            if key not in KNOWN_EXTENSIONS and key not in _PREDEFINED:
                out.append(
                    f"{obj.get('id', '?')}: extension {key} has no schema we can check it against"
                )
    return out


def stix_problems(doc: Any) -> list[str]:
    """Every problem with a STIX 2.1 bundle or object (empty when valid)."""
    if not isinstance(doc, dict):
        return ["not a JSON object"]
    problems = _unknown_extensions(doc)
    if problems:
        return problems
    try:
        from stix2validator import ValidationOptions, validate_instance
    except ImportError as exc:
        raise UsageError("STIX validation needs its extra: pip install 'detente[stix]'") from exc
    options = ValidationOptions(version="2.1", schema_dir=str(_prepared_dir()))
    try:
        result = validate_instance(json.loads(json.dumps(doc)), options)
    except Exception as exc:  # the validator raises its own types on hostile shapes
        return [f"validator refused the document: {type(exc).__name__}: {exc}"]
    return [str(e) for e in result.errors]


def validate_stix(doc: Any, where: str = "STIX") -> None:
    """Raise :class:`FormatError` listing the problems, unless ``doc`` is valid STIX 2.1 with
    every extension checked against a schema."""
    problems = stix_problems(doc)
    if problems:
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        raise FormatError("invalid STIX 2.1: " + "; ".join(problems[:5]) + more, where)
