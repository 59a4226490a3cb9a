"""Run the sweep in-process or on Ray, streaming each model's result as its last unit lands.

The driver plans units model by model (:func:`plan_units`), keeps at most a window of them in
flight, and combines a model's parts as soon as all of them are back; so memory is bounded by
the window plus the models still open, never by the hub. On Ray each unit is one task
(``max_retries`` re-runs a task whose worker died; a task that still fails is recorded as a
failure of that model's file, and the sweep goes on). Without Ray the same units run on a
thread pool in this process (hashing releases the GIL; scanning mostly does not).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from detente.env import require
from detente.sweep._discover import ListedModel, discover_models
from detente.sweep._result import FileError, ModelResult
from detente.sweep._store import ResultStore
from detente.sweep._units import (
    ModelEntry,
    Part,
    RangeUnit,
    Settings,
    Unit,
    plan_units,
    run_unit,
)
from detente.sweep._work import combine, model_entry

if TYPE_CHECKING:
    from detente.registry import Status

__all__ = ["RegistryLookup", "SweepSummary", "run_sweep"]

_WINDOW = 64  # units in flight at once


class RegistryLookup(Protocol):
    """What the sweep needs of a registry client (``detente.registry.connect(url)``)."""

    def check_digest(self, digest: str) -> Status: ...


@dataclass(frozen=True)
class SweepSummary:
    models: int
    skipped: int
    findings: int
    failed: int
    bytes: int
    files: int = 0
    units: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "detente.sweep-summary/v1",
            "models": self.models,
            "skipped": self.skipped,
            "findings": self.findings,
            "failed": self.failed,
            "bytes": self.bytes,
            "files": self.files,
            "units": self.units,
        }


@dataclass(frozen=True)
class Batch:
    """Units that travel as one task: many small models' units, or one unit of a large file."""

    units: tuple[Unit, ...]


def run_batch(batch: Batch) -> list[Part]:
    return [run_unit(u) for u in batch.units]


def _where(u: Unit) -> str:
    return u.path if isinstance(u, RangeUnit) else u.root


def _in_process(batches: Iterable[Batch], workers: int) -> Iterator[Part]:
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        it = iter(batches)
        pending: set[Future[list[Part]]] = set()
        while True:
            for b in it:
                pending.add(pool.submit(run_batch, b))
                if len(pending) >= 2 * workers:
                    break
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield from fut.result()


def _ray_init(ray: Any, address: str | None, cpus: int | None) -> bool:
    if ray.is_initialized():
        return False
    opts = {"include_dashboard": False, "log_to_driver": False}
    if address in (None, "", "local"):
        ray.init(num_cpus=cpus or os.cpu_count() or 1, **opts)
    else:
        ray.init(address=address, **opts)
    return True


def _on_ray(batches: Iterable[Batch], address: str | None, cpus: int | None) -> Iterator[Part]:
    ray = require("ray", "sweep")
    started = _ray_init(ray, address, cpus)
    task = ray.remote(max_retries=2, num_cpus=1)(run_batch)
    try:
        inflight: dict[Any, Batch] = {}
        it = iter(batches)
        while True:
            for b in it:
                inflight[task.remote(b)] = b
                if len(inflight) >= _WINDOW:
                    break
            if not inflight:
                return
            ready, _ = ray.wait(list(inflight), num_returns=1)
            for ref in ready:
                batch = inflight.pop(ref)
                try:
                    parts = ray.get(ref)
                except Exception as exc:  # the task failed after its retries: record, go on
                    parts = [
                        Part(u.root, errors=(FileError("task", _where(u), str(exc), 3),))
                        for u in batch.units
                    ]
                yield from parts
    finally:
        if started:
            ray.shutdown()


def _entries(sources: list[str | Path], listing: list[ListedModel]) -> Iterator[ModelEntry]:
    for root in discover_models(sources) if sources else []:
        yield model_entry(root)
    for item in listing:
        yield model_entry(item.path, item.etags)


def _registry_status(lookup: RegistryLookup, res: ModelResult) -> ModelResult:
    if res.root_digest is None:
        return res
    try:
        st = lookup.check_digest(res.root_digest).to_dict()
    except Exception as exc:  # a registry outage is this model's failure, not the sweep's
        err = FileError("registry", res.path, f"{type(exc).__name__}: {exc}")
        return replace(res, errors=(*res.errors, err))
    keep = ("status", "reasons", "latest_version", "checkpoint_size")
    return replace(res, registry={k: st[k] for k in keep})


@dataclass
class _Tally:
    models: int = 0
    findings: int = 0
    failed: int = 0
    bytes: int = 0
    files: int = 0
    units: int = 0


def _planned(
    entries: Iterable[ModelEntry],
    settings: Settings,
    done: dict[str, str] | None,
    open_: dict[str, list[Any]],
    skipped: list[int],
    batch: int,
) -> Iterator[Batch]:
    """Tasks for every model not already done: ``batch`` small models (one unit each) per
    task, every unit of a large file on its own; ``open_[root] = [units left, parts…]``."""
    small: list[Unit] = []
    for e in entries:
        if done is not None and done.get(e.root) == e.fingerprint:
            skipped[0] += 1
            continue
        units = plan_units(e, settings)
        open_[e.root] = [len(units)]
        if len(units) > 1:
            yield from (Batch((u,)) for u in units)
            continue
        small.append(units[0])
        if len(small) >= batch:
            yield Batch(tuple(small))
            small = []
    if small:
        yield Batch(tuple(small))


def run_sweep(
    sources: list[str | Path],
    *,
    listing: Sequence[ListedModel] = (),
    use_ray: bool = False,
    ray_address: str | None = None,
    ray_cpus: int | None = None,
    workers: int | None = None,
    batch: int = 16,
    settings: Settings | None = None,
    db_url: str | None = None,
    table_prefix: str = "sweep",
    resume: bool = False,
    out: Path | None = None,
    manifests: bool = False,
    registry: RegistryLookup | None = None,
    on_result: Callable[[ModelResult], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> SweepSummary:
    """Sweep every model under ``sources`` (and named by ``listing``).

    Small models travel ``batch`` to a task (a task per few-KB model would spend its time in
    scheduling). Each finished model goes to the store, ``out`` (JSON Lines; with the manifest when
    ``manifests``) and ``on_result``; ``on_progress(files, bytes)`` after every unit.
    """
    settings = settings or Settings()
    store = ResultStore(db_url, table_prefix) if db_url else None
    done = store.done() if (resume and store is not None) else None
    open_: dict[str, list[Any]] = {}
    skipped = [0]
    entries = _entries(list(sources), list(listing))
    units = _planned(entries, settings, done, open_, skipped, max(1, batch))
    parts = (
        _on_ray(units, ray_address, ray_cpus)
        if use_ray
        else _in_process(units, workers or os.cpu_count() or 1)
    )
    t = _Tally()
    sink = out.open("a" if resume else "w", encoding="utf-8") if out else None
    try:
        for part in parts:
            t.units += 1
            if on_progress is not None:
                on_progress(part.files, part.bytes)
            slot = open_[part.root]
            slot.append(part)
            slot[0] -= 1
            if slot[0]:
                continue
            del open_[part.root]
            res = combine(slot[1:])
            if registry is not None:
                res = _registry_status(registry, res)
            t.models += 1
            t.findings += len(res.findings)
            t.failed += bool(res.errors)
            t.bytes += res.bytes
            t.files += res.files
            if store is not None:
                store.add(res)
            if sink is not None:
                sink.write(json.dumps(res.to_dict(manifest=manifests), sort_keys=True) + "\n")
                sink.flush()
            if on_result is not None:
                on_result(res)
    finally:
        if sink is not None:
            sink.close()
        if store is not None:
            store.close()
    return SweepSummary(t.models, skipped[0], t.findings, t.failed, t.bytes, t.files, t.units)
