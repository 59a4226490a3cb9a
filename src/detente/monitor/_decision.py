"""The monitor's decision value: allow / ask / block, the rule, the reason and the evidence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from detente.errors import FormatError
from detente.monitor._policy import Action, Rule

__all__ = ["DECISION_SCHEMA", "Decision", "Evidence", "Hit"]

DECISION_SCHEMA = "detente.monitor-decision/v1"


@dataclass(frozen=True)
class Evidence:
    """Where a decision's reason is: a tool output's span, or the call's own argument."""

    source: str  # "tool-output" | "argument" | "user"
    excerpt: str
    message_index: int | None = None
    tool: str = ""
    start: int = 0
    end: int = 0
    argument: str = ""
    signals: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "excerpt": self.excerpt,
            "message_index": self.message_index,
            "tool": self.tool,
            "start": self.start,
            "end": self.end,
            "argument": self.argument,
            "signals": list(self.signals),
        }

    @staticmethod
    def from_dict(d: dict[str, Any]) -> Evidence:
        return Evidence(
            str(d["source"]),
            str(d["excerpt"]),
            d.get("message_index"),
            str(d.get("tool", "")),
            int(d.get("start", 0)),
            int(d.get("end", 0)),
            str(d.get("argument", "")),
            tuple(d.get("signals", ())),
        )


@dataclass(frozen=True)
class Hit:
    """One rule that fired on a call."""

    rule: Rule
    reason: str
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Decision:
    action: Action
    tool: str
    rule: str | None = None
    reason: str = ""
    severity: str | None = None
    atlas: tuple[str, ...] = ()
    attack: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    also: tuple[str, ...] = ()  # other rules that fired

    @property
    def blocked(self) -> bool:
        return self.action is Action.BLOCK

    @staticmethod
    def from_hits(tool: str, hits: list[Hit]) -> Decision:
        if not hits:
            return Decision(Action.ALLOW, tool, reason="no rule fired")
        order = ("info", "low", "medium", "high", "critical")
        top = max(hits, key=lambda h: (h.rule.action.rank, order.index(h.rule.severity)))
        r = top.rule
        return Decision(
            r.action,
            tool,
            r.id,
            top.reason,
            r.severity,
            r.atlas,
            r.attack,
            top.evidence,
            tuple(h.rule.id for h in hits if h is not top),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": DECISION_SCHEMA,
            "action": self.action.value,
            "tool": self.tool,
            "rule": self.rule,
            "reason": self.reason,
            "severity": self.severity,
            "atlas": list(self.atlas),
            "attack": list(self.attack),
            "evidence": [e.to_dict() for e in self.evidence],
            "also": list(self.also),
        }

    @staticmethod
    def from_dict(d: dict[str, Any]) -> Decision:
        if d.get("schema") != DECISION_SCHEMA:
            raise FormatError(f"not a {DECISION_SCHEMA} object")
        try:
            return Decision(
                Action(d["action"]),
                str(d["tool"]),
                d.get("rule"),
                str(d.get("reason", "")),
                d.get("severity"),
                tuple(d.get("atlas", ())),
                tuple(d.get("attack", ())),
                tuple(Evidence.from_dict(e) for e in d.get("evidence", ())),
                tuple(d.get("also", ())),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise FormatError(f"malformed monitor decision: {exc}") from None
