"""The monitor inside other agent loops: inspect_ai (an approver) and AgentDojo (a pipeline element).

* inspect_ai: ``monitor_approver()`` is an inspect ``Approver`` (inspect docs, "Tool Approval":
  ``async (message, call, view, history) -> Approval``). Blocks become ``reject`` (the model
  sees the reason), ``ask`` becomes ``escalate`` (to the next approver, e.g. a human).
  Use it in an approval policy: ``ApprovalPolicy(monitor_approver(), "*")``.
* AgentDojo: ``agentdojo_element()`` returns a ``BasePipelineElement`` to put between the LLM
  and ``ToolsExecutor`` in a ``ToolsExecutionLoop``; blocked calls are removed from the last
  assistant message (so they never run) and the reason is appended to its text, which lets
  ``agentdojo`` run any endpoint model with the monitor in the loop.

Both import their framework lazily; a missing one is a clear error naming the extra.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from detente.errors import UsageError
from detente.monitor._adapters import trace_from_agentdojo, trace_from_inspect_messages
from detente.monitor._monitor import Monitor
from detente.monitor._trace import Message, ToolCall, Trace

__all__ = ["agentdojo_element", "monitor_approver"]


def monitor_approver(monitor: Monitor | None = None) -> Any:
    """An inspect_ai approver that applies the monitor to every tool call."""
    try:
        from inspect_ai.approval import Approval
    except ImportError:
        raise UsageError(
            "the inspect approver needs inspect_ai: pip install 'detente[evals]'"
        ) from None
    mon = monitor or Monitor()

    async def approve(message: str, call: Any, view: Any, history: list[Any]) -> Any:
        trace = trace_from_inspect_messages(history, "inspect")
        d = mon.check_call(trace, ToolCall.from_raw(call.function, call.arguments, call.id or ""))
        if d.action.value == "allow":
            return Approval(decision="approve", explanation="detente monitor: allowed")
        why = f"detente monitor {d.rule}: {d.reason}"
        if d.blocked:
            return Approval(decision="reject", explanation=why)
        return Approval(decision="escalate", explanation=why)

    return approve


def agentdojo_element(monitor: Monitor | None = None) -> Any:
    """An AgentDojo pipeline element that drops the calls the monitor blocks."""
    try:
        from agentdojo.agent_pipeline.base_pipeline_element import BasePipelineElement
        from agentdojo.types import text_content_block_from_string
    except ImportError:
        raise UsageError(
            "the AgentDojo element needs agentdojo: pip install 'detente[monitor-bench]'"
        ) from None
    mon = monitor or Monitor()

    class DetenteMonitorElement(BasePipelineElement):  # type: ignore[misc]
        name = "detente_monitor"

        def query(
            self,
            query: str,
            runtime: Any,
            env: Any = None,
            messages: Sequence[Any] = (),
            extra_args: dict[str, Any] | None = None,
        ) -> tuple[str, Any, Any, Sequence[Any], dict[str, Any]]:
            extra = dict(extra_args or {})
            if (
                not messages
                or messages[-1]["role"] != "assistant"
                or not messages[-1].get("tool_calls")
            ):
                return query, runtime, env, messages, extra
            last = dict(messages[-1])
            trace = trace_from_agentdojo(list(messages[:-1]), "agentdojo")
            kept: list[Any] = []
            notes: list[str] = []
            allowed: list[ToolCall] = []
            for fc in last["tool_calls"]:
                call = ToolCall.from_raw(fc.function, dict(fc.args), fc.id or "")
                prefix = Trace(
                    trace.id, (*trace.messages, Message("assistant", "", tuple(allowed)))
                )
                d = mon.check_call(prefix, call)
                if d.action.value == "allow":
                    kept.append(fc)
                    allowed.append(call)
                else:
                    notes.append(
                        f"[detente monitor] {d.action.value}ed {call.name} ({d.rule}): {d.reason}"
                    )
            if notes:
                last["tool_calls"] = kept or None
                content = list(last.get("content") or [])
                last["content"] = [*content, text_content_block_from_string("\n".join(notes))]
                extra["detente_monitor"] = [*extra.get("detente_monitor", []), *notes]
            return query, runtime, env, [*messages[:-1], last], extra

    return DetenteMonitorElement()
