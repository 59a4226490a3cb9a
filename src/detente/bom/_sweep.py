"""BOMs for every model of a sweep, from the sweep's own manifest and findings (no rehash).

``gather_facts`` hashes and scans a model; a sweep has already done both, so
:func:`facts_from_sweep` takes its :class:`detente.sweep.ModelResult` and only reads the tensor
headers and config.json again (kilobytes) for the model card's parameters.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from detente.bom._cyclonedx import cyclonedx_from_facts
from detente.bom._facts import ModelFacts, header_parameters
from detente.bom._spdx import spdx_from_facts
from detente.errors import Error, UsageError
from detente.scan import Finding

if TYPE_CHECKING:
    from detente.sweep import ModelResult

__all__ = ["BOM_FORMATS", "facts_from_sweep", "write_sweep_boms"]

BOM_FORMATS = {"cyclonedx": ".cdx.json", "spdx": ".spdx.json"}


def facts_from_sweep(result: ModelResult) -> ModelFacts | None:
    """The BOM facts of a swept model; None when the sweep could not hash it."""
    m = result.manifest
    if m is None:
        return None
    return ModelFacts(
        name=m.model_name,
        manifest=m,
        parameters=header_parameters(Path(result.path)),
        findings=tuple(Finding.from_dict(f) for f in result.findings),
        evidence=(),
        metrics=(),
    )


def _stem(path: str) -> str:
    # One flat directory of BOMs named after the model's path (org/name → org_name).
    return re.sub(r"[^A-Za-z0-9._-]+", "_", path.strip("/")) or "model"


def write_sweep_boms(
    result: ModelResult,
    out_dir: Path,
    formats: tuple[str, ...],
    *,
    timestamp: datetime | None = None,
) -> list[Path]:
    """Write ``out_dir/<model path>.cdx.json`` / ``.spdx.json``; returns the files written.

    A model the sweep could not hash gets no BOM (its failure is in the sweep's results);
    a model whose headers cannot be read raises :class:`detente.errors.Error`.
    """
    unknown = set(formats) - set(BOM_FORMATS)
    if unknown:
        raise UsageError(
            f"unknown BOM format(s) {sorted(unknown)} (expected {sorted(BOM_FORMATS)})"
        )
    facts = facts_from_sweep(result)
    if facts is None:
        return []
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in formats:
        render = cyclonedx_from_facts if fmt == "cyclonedx" else spdx_from_facts
        p = out_dir / (_stem(result.path) + BOM_FORMATS[fmt])
        p.write_text(
            json.dumps(render(facts, timestamp=timestamp), indent=2, sort_keys=True) + "\n"
        )
        written.append(p)
    return written


def safe_write_sweep_boms(
    result: ModelResult, out_dir: Path, formats: tuple[str, ...]
) -> str | None:
    """:func:`write_sweep_boms`, returning the error text instead of raising on bad input."""
    try:
        write_sweep_boms(result, out_dir, formats)
    except Error as exc:
        return str(exc)
    return None
