"""Run-time monitor for tool-using agents: allow, ask or block each tool call before it runs.

The monitor sits between the model and its tools. It reads the trace so far (OpenAI chat
messages with ``tool_calls`` and tool results; MCP JSON-RPC, inspect logs and AgentDojo traces
convert to it) and decides each call with a policy written as data (TOML): information-flow
rules (values and instructions from untrusted tool outputs must not choose a sink's recipient,
destination, amount, command or file unless the user supplied them) and rules on the action
itself (shell commands, secrets and personal data going out, paths, generated code).

Example::

    from detente.monitor import Monitor, load_traces
    monitor = Monitor()                       # the shipped default policy
    for trace in load_traces("traces.jsonl"):
        result = monitor.check_trace(trace)
        print(trace.id, [d.action.value for d in result.decisions])

The core is pure: ``decide(policy, trace_so_far, call) -> Decision``.
"""

from detente.monitor._adapters import (
    load_traces,
    trace_from_agentdojo,
    trace_from_inspect_messages,
    trace_from_mcp,
)
from detente.monitor._code import codevuln_available
from detente.monitor._decide import decide, sink_kind
from detente.monitor._decision import DECISION_SCHEMA, Decision, Evidence, Hit
from detente.monitor._detect import OutputAnalysis, Span, analyze_output
from detente.monitor._evidence import (
    DECISION_PREDICATE,
    decision_statement,
    evidence_files,
    incident_draft,
    incident_report,
    sign_decision,
)
from detente.monitor._integrations import agentdojo_element, monitor_approver
from detente.monitor._learned import (
    ADDRESS_MODEL_DIGEST,
    AddressModel,
    address_model,
    load_address_model,
    restore_address_model,
    use_address_model,
)
from detente.monitor._learned_train import address_rows as address_training_rows
from detente.monitor._learned_train import read_goals as read_address_goals
from detente.monitor._learned_train import train_address_model
from detente.monitor._monitor import Monitor, TraceResult, forget_seen_text
from detente.monitor._policy import (
    CHECKS,
    Action,
    Policy,
    Rule,
    default_policy,
    load_policy,
    parse_policy,
)
from detente.monitor._proxy import MonitorProxy, enforce_calls
from detente.monitor._sarif import to_sarif
from detente.monitor._trace import (
    Message,
    ToolCall,
    ToolSpec,
    Trace,
    parse_openai_messages,
    parse_tool_specs,
    trace_from_dict,
)

__all__ = [
    "ADDRESS_MODEL_DIGEST",
    "CHECKS",
    "DECISION_PREDICATE",
    "DECISION_SCHEMA",
    "Action",
    "AddressModel",
    "Decision",
    "Evidence",
    "Hit",
    "Message",
    "Monitor",
    "MonitorProxy",
    "OutputAnalysis",
    "Policy",
    "Rule",
    "Span",
    "ToolCall",
    "ToolSpec",
    "Trace",
    "TraceResult",
    "address_model",
    "address_training_rows",
    "agentdojo_element",
    "analyze_output",
    "codevuln_available",
    "decide",
    "decision_statement",
    "default_policy",
    "enforce_calls",
    "evidence_files",
    "forget_seen_text",
    "incident_draft",
    "incident_report",
    "load_address_model",
    "load_policy",
    "load_traces",
    "monitor_approver",
    "parse_openai_messages",
    "parse_policy",
    "parse_tool_specs",
    "read_address_goals",
    "restore_address_model",
    "sign_decision",
    "sink_kind",
    "to_sarif",
    "trace_from_agentdojo",
    "trace_from_dict",
    "trace_from_inspect_messages",
    "trace_from_mcp",
    "train_address_model",
    "use_address_model",
]
