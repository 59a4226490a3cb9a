"""Run the sweep in-process or on Ray, streaming each result to the store and JSONL as it lands.

On Ray each model is one task (``max_retries`` re-runs a task whose worker died); results are
consumed with ``ray.wait`` as they complete, so the driver never holds more than the in-flight
window. Without Ray the same ``sweep_model`` runs in a loop.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.errors import UsageError
from detente.sweep._discover import discover_models
from detente.sweep._store import ResultStore
from detente.sweep._work import fingerprint, sweep_model

__all__ = ["SweepSummary", "run_sweep"]

_WINDOW = 64  # Ray tasks in flight at once


@dataclass(frozen=True)
class SweepSummary:
    models: int
    skipped: int
    findings: int
    failed: int
    bytes: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": "detente.sweep-summary/v1",
            "models": self.models,
            "skipped": self.skipped,
            "findings": self.findings,
            "failed": self.failed,
            "bytes": self.bytes,
        }


def _in_process(roots: list[str]) -> Iterator[dict[str, Any]]:
    for r in roots:
        yield sweep_model(r)


def _on_ray(roots: list[str], address: str | None) -> Iterator[dict[str, Any]]:
    try:
        import ray
    except ImportError:
        raise UsageError("--ray needs: pip install 'detente[sweep]'") from None
    started = not ray.is_initialized()
    if started:
        if address in (None, "", "local"):
            ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
    task = ray.remote(max_retries=2)(sweep_model)
    try:
        pending: list[Any] = []
        queue = list(roots)
        while queue or pending:
            while queue and len(pending) < _WINDOW:
                pending.append(task.remote(queue.pop(0)))
            ready, pending = ray.wait(pending, num_returns=1)
            for ref in ready:
                yield ray.get(ref)
    finally:
        if started:
            ray.shutdown()


def run_sweep(
    sources: list[str | Path],
    *,
    ray_address: str | None = None,
    use_ray: bool = False,
    db_url: str | None = None,
    table_prefix: str = "sweep",
    resume: bool = False,
    out: Path | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> SweepSummary:
    """Sweep every model under ``sources``; results go to the store, ``out`` (JSONL), ``on_result``."""
    roots = [str(p) for p in discover_models(list(sources))]
    store = ResultStore(db_url, table_prefix) if db_url else None
    skipped = 0
    if resume and store is not None:
        done = store.done()
        todo = [r for r in roots if done.get(r) != fingerprint(r)]
        skipped = len(roots) - len(todo)
        roots = todo
    results = _on_ray(roots, ray_address) if use_ray else _in_process(roots)
    n = findings = failed = total = 0
    sink = out.open("a" if resume else "w", encoding="utf-8") if out else None
    try:
        for res in results:
            n += 1
            findings += len(res["findings"])
            failed += bool(res["errors"])
            total += res["bytes"]
            if store is not None:
                store.put(res)
            if sink is not None:
                sink.write(json.dumps(res, sort_keys=True) + "\n")
                sink.flush()
            if on_result is not None:
                on_result(res)
    finally:
        if sink is not None:
            sink.close()
        if store is not None:
            store.close()
    return SweepSummary(n, skipped, findings, failed, total)
