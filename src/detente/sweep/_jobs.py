"""What travels in a task: the driver's jobs and what comes back.

The driver only *finds* models (a directory listing); walking a model, fingerprinting it
(a ``stat`` per file), planning its units and, for a model without large files, running its one
unit and combining the result all happen in the worker (a :class:`Scout` job). Measured on the
10,000-model benchmark hub, walking and fingerprinting on the driver cost 1.2 ms of its core per
model beside 7 ms of work: with two workers on two cores that driver share alone caps the
speed-up near 1.6×. A model with files above ``split_above`` comes back :class:`Planned`, and
the driver sends its units out one task each. ``--resume`` travels with the scout (the stored
fingerprint), so an unchanged model comes back :class:`Skipped` without being read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from detente.sweep._result import FileError, ModelResult
from detente.sweep._units import Part, RangeUnit, Settings, Unit, plan_units, run_unit
from detente.sweep._work import combine, model_entry

__all__ = ["Batch", "Job", "Output", "Planned", "Scout", "Skipped", "lost", "run_batch"]


@dataclass(frozen=True)
class Scout:
    """A model the driver has found but not read."""

    root: str
    settings: Settings
    etags: tuple[tuple[str, str], ...] = ()
    done: str | None = None  # the fingerprint a previous sweep stored (--resume)
    manifest: bool = True  # send the manifest back (BOMs, --manifests); else only its digests


@dataclass(frozen=True)
class Planned:
    """A model with large files: its units, for the driver to send out one task each."""

    root: str
    units: tuple[Unit, ...]


@dataclass(frozen=True)
class Skipped:
    root: str


Job = Scout | Unit
Output = ModelResult | Planned | Skipped | Part


@dataclass(frozen=True)
class Batch:
    """Jobs that travel as one task: many scouts, or one unit of a large model."""

    jobs: tuple[Job, ...]


def _scout(job: Scout) -> Output:
    try:
        entry = model_entry(job.root, job.etags)
    except Exception as exc:  # an unreadable model is its failure, not the sweep's
        err = FileError("walk", job.root, f"{type(exc).__name__}: {exc}")
        return ModelResult(job.root, "", 0, 0, None, None, {}, (), (err,))
    if job.done is not None and job.done == entry.fingerprint:
        return Skipped(job.root)
    units = plan_units(entry, job.settings)
    if len(units) > 1:
        return Planned(job.root, tuple(units))
    res = combine([run_unit(units[0])], entry.fingerprint)
    return res if job.manifest else replace(res, manifest=None)


def run_batch(batch: Batch) -> list[Output]:
    """Run every job of a task; never raises (``run_unit`` records its own failures)."""
    return [_scout(j) if isinstance(j, Scout) else run_unit(j) for j in batch.jobs]


def lost(batch: Batch, exc: BaseException) -> list[Output]:
    """The outputs of a task that failed after its retries: a failure per job."""
    out: list[Output] = []
    for j in batch.jobs:
        where = j.path if isinstance(j, RangeUnit) else j.root
        err = FileError("task", where, str(exc), 3)
        if isinstance(j, Scout):
            out.append(ModelResult(j.root, "", 0, 0, None, None, {}, (), (err,)))
        else:
            out.append(Part(j.root, errors=(err,)))
    return out
