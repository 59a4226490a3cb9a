"""SARIF 2.1.0 output for ``detente monitor check --format sarif``.

One result per call the monitor blocked (level ``error``) or escalated (``warning``); the
location is logical (SARIF 2.1.0 §3.33: logicalLocations), naming the trace and the call index,
since a trace is not a source file.
"""

from __future__ import annotations

from typing import Any

from detente import __version__
from detente.monitor._monitor import TraceResult
from detente.monitor._policy import Policy

__all__ = ["to_sarif"]

_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"block": "error", "ask": "warning"}


def to_sarif(results: list[TraceResult], policy: Policy) -> dict[str, Any]:
    rules = [
        {
            "id": r.id,
            "shortDescription": {"text": r.description or r.check},
            "properties": {
                "atlas": list(r.atlas),
                "attack": list(r.attack),
                "severity": r.severity,
            },
        }
        for r in policy.rules
    ]
    out = []
    for res in results:
        for i, d in enumerate(res.decisions):
            if d.action.value not in _LEVEL or d.rule is None:
                continue
            loc = {
                "logicalLocations": [
                    {
                        "fullyQualifiedName": f"{res.id}/call[{i}]",
                        "name": d.tool,
                        "kind": "function",
                    }
                ]
            }
            out.append(
                {
                    "ruleId": d.rule,
                    "level": _LEVEL[d.action.value],
                    "message": {"text": d.reason},
                    "locations": [loc],
                    "properties": {
                        "evidence": [e.to_dict() for e in d.evidence],
                        "action": d.action.value,
                    },
                }
            )
    return {
        "$schema": _SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {"name": "detente-monitor", "version": __version__, "rules": rules}
                },
                "results": out,
            }
        ],
    }
