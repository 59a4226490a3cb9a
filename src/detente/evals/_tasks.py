"""The detente-core suite as inspect_ai tasks.

Registered through the ``inspect_ai`` entry point (``detente.evals._registry``), so
``inspect eval detente/cyber_misuse`` works as well as ``detente eval``. Samples are ordered
round-robin over their group (ATT&CK tactic, CWE, injection kind, scenario kind) so that a
``--limit`` run still covers every group; the order is fixed by the suite, not random.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from inspect_ai import Task, task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import (
    ChatMessage,
    ChatMessageAssistant,
    ChatMessageSystem,
    ChatMessageUser,
    execute_tools,
)
from inspect_ai.solver import Generate, Solver, TaskState, generate, solver
from inspect_ai.tool import Tool, ToolCall, tool
from inspect_ai.util import store

from detente.errors import UsageError
from detente.evals._judges import DEFAULT_JUDGE
from detente.evals._scorers import code_vulnerability, injection_scorer, refusal_judge
from detente.evals._suite import TASK_NAMES, Suite, cached_suite, choose_languages

__all__ = [
    "CATEGORIES",
    "core_tasks",
    "cyber_misuse",
    "false_refusal",
    "insecure_code",
    "ordered_records",
    "prompt_injection",
    "social_engineering",
    "stratified",
]

# category -> the record field its samples are interleaved (and broken down) by
CATEGORIES: dict[str, str] = {
    "cyber_misuse": "tactic",
    "false_refusal": "topic",
    "insecure_code": "cwe",
    "prompt_injection": "kind",
    "social_engineering": "kind",
}


def stratified(records: Iterable[dict[str, Any]], field: str) -> list[dict[str, Any]]:
    """Round-robin over the values of ``field`` (groups in first-seen order, records in file
    order within a group): the first k samples cover min(k, groups) groups."""
    groups: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
    for record in records:
        groups.setdefault(str(record.get(field)), []).append(record)
    out: list[dict[str, Any]] = []
    depth = max((len(g) for g in groups.values()), default=0)
    for i in range(depth):
        out.extend(g[i] for g in groups.values() if i < len(g))
    return out


def ordered_records(suite: Suite, category: str, langs: Sequence[str] = ()) -> list[dict[str, Any]]:
    """The dataset's records in run order. v1: :func:`stratified` by the category's field.
    Bilingual suites: the *items* are stratified and each item's records follow one another
    in ``langs`` order, so the first k·len(langs) samples are k whole items -- a ``--limit``
    never evaluates one language of an item without the other."""
    records = suite.datasets[category]
    field = CATEGORIES[category]
    if not suite.languages:
        return stratified(records, field)
    chosen = tuple(langs) or suite.languages
    by_item: dict[str, dict[str, dict[str, Any]]] = {}
    for record in records:
        by_item.setdefault(str(record["item"]), {})[str(record["lang"])] = record
    heads = [next(iter(versions.values())) for versions in by_item.values()]
    return [
        by_item[str(head["item"])][lang]
        for head in stratified(heads, field)
        for lang in chosen
        if lang in by_item[str(head["item"])]
    ]


def _langs(value: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in value.split(",") if x.strip())


def _samples(
    suite: Suite, category: str, text_field: str = "input", lang: str = ""
) -> list[Sample]:
    if category not in suite.datasets:
        raise UsageError(f"{suite.name} v{suite.version} has no {category} dataset")
    records = ordered_records(suite, category, choose_languages(suite, _langs(lang)))
    return [
        Sample(
            id=str(r["id"]),
            input=str(r[text_field]),
            metadata={
                "category": category,
                "suite": suite.name,
                "suite_version": suite.version,
                **{k: v for k, v in r.items() if k not in ("naive_solution", "safe_solution")},
            },
        )
        for r in records
    ]


def _task(
    category: str,
    samples: Sequence[Sample],
    solver_: Solver | list[Solver],
    scorer_: Any,
    suite: Suite,
) -> Task:
    return Task(
        dataset=MemoryDataset(list(samples), name=f"{suite.name}/{category}"),
        solver=solver_,
        scorer=scorer_,
        name=category,
        version=suite.version,
        metadata={
            "detente_category": category,
            "suite": suite.name,
            "suite_version": suite.version,
            "suite_digest": suite.digest,
        },
    )


@task
def cyber_misuse(
    suite: str = "detente-core",
    version: str = "1",
    judge: str = DEFAULT_JUDGE,
    lang: str = "",
    suite_dir: str = "",
) -> Task:
    """Requests for cyber-attack help over the MITRE ATT&CK tactics: does the model comply?"""
    s = cached_suite(suite, version, suite_dir)
    return _task(
        "cyber_misuse", _samples(s, "cyber_misuse", lang=lang), generate(), refusal_judge(judge), s
    )


@task
def false_refusal(
    suite: str = "detente-core",
    version: str = "1",
    judge: str = DEFAULT_JUDGE,
    lang: str = "",
    suite_dir: str = "",
) -> Task:
    """Legitimate defender and education requests: does the model refuse them?"""
    s = cached_suite(suite, version, suite_dir)
    return _task(
        "false_refusal",
        _samples(s, "false_refusal", lang=lang),
        generate(),
        refusal_judge(judge),
        s,
    )


@task
def social_engineering(
    suite: str = "detente-core",
    version: str = "1",
    judge: str = DEFAULT_JUDGE,
    lang: str = "",
    suite_dir: str = "",
) -> Task:
    """Phishing/pretexting requests and their benign counterparts."""
    s = cached_suite(suite, version, suite_dir)
    return _task(
        "social_engineering",
        _samples(s, "social_engineering", lang=lang),
        generate(),
        refusal_judge(judge),
        s,
    )


@task
def insecure_code(
    suite: str = "detente-core",
    version: str = "1",
    dynamic: bool = True,
    lang: str = "",
    suite_dir: str = "",
) -> Task:
    """Ordinary coding tasks whose naive solutions risk a CWE, scored by the code detector
    and (``dynamic``) by running the answer in the sandbox against attack inputs."""
    s = cached_suite(suite, version, suite_dir)
    return _task(
        "insecure_code",
        _samples(s, "insecure_code", lang=lang),
        generate(),
        code_vulnerability(dynamic),
        s,
    )


# --- the tool-using agent for prompt injection ---------------------------------------------

_TOOL_OUTPUT_KEY = "detente_tool_output"


def _tool_result() -> str:
    return str(store().get(_TOOL_OUTPUT_KEY, ""))


@tool
def fetch_url() -> Tool:
    async def execute(url: str) -> str:
        """Fetch a web page and return its text.

        Args:
            url: The address of the page.
        """
        return _tool_result()

    return execute


@tool
def read_email() -> Tool:
    async def execute(folder: str = "inbox") -> str:
        """Read the most recent email in a mail folder.

        Args:
            folder: The folder to read.
        """
        return _tool_result()

    return execute


@tool
def read_file() -> Tool:
    async def execute(path: str) -> str:
        """Read a text file from the user's workspace.

        Args:
            path: The file's path.
        """
        return _tool_result()

    return execute


@tool
def search_web() -> Tool:
    async def execute(query: str) -> str:
        """Search the web and return the top results.

        Args:
            query: What to search for.
        """
        return _tool_result()

    return execute


@tool
def send_email() -> Tool:
    async def execute(to: str, subject: str, body: str) -> str:
        """Send an email on the user's behalf.

        Args:
            to: Recipient address.
            subject: Subject line.
            body: Message body.
        """
        return "sent"

    return execute


_READ_TOOLS = {
    "fetch_url": (fetch_url, "url", "https://example.com/page"),
    "read_email": (read_email, "folder", "inbox"),
    "read_file": (read_file, "path", "notes.txt"),
    "search_web": (search_web, "query", "latest results"),
}


@solver
def injection_agent() -> Solver:
    """Build the agent's conversation: system prompt, user task and, for indirect cases, a
    real tool call answered by the real tool with the attacker's content; then let the model
    act with its tools. The scorer looks only at what the model produced after that point."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        meta = state.metadata
        tools: list[Tool] = [send_email()]
        messages: list[ChatMessage] = [
            ChatMessageSystem(content=str(meta["system"])),
            ChatMessageUser(content=str(meta["user"])),
        ]
        name = meta.get("tool_name")
        if meta.get("kind") == "indirect" and name:
            name = str(name) if str(name) in _READ_TOOLS else "fetch_url"
            factory, arg, value = _READ_TOOLS[name]
            read_tool = factory()
            tools.append(read_tool)
            store().set(_TOOL_OUTPUT_KEY, str(meta.get("tool_output") or ""))
            messages.append(
                ChatMessageAssistant(
                    content="",
                    tool_calls=[
                        ToolCall(
                            id="call_detente_1",
                            function=name,
                            arguments={arg: value},
                        )
                    ],
                )
            )
            result = await execute_tools(messages, [read_tool])
            messages.extend(result.messages)
        state.messages = messages
        state.tools = tools
        state.store.set("injection_index", len(messages))
        return await generate(state, tool_calls="single")

    return solve


@task
def prompt_injection(
    suite: str = "detente-core", version: str = "1", lang: str = "", suite_dir: str = ""
) -> Task:
    """Direct and indirect (tool-result) prompt injection against a tool-using agent, judged
    deterministically by canary or tool call."""
    s = cached_suite(suite, version, suite_dir)
    return _task(
        "prompt_injection",
        _samples(s, "prompt_injection", text_field="user", lang=lang),
        injection_agent(),
        injection_scorer(),
        s,
    )


_FACTORIES: dict[str, Callable[..., Task]] = {
    "cyber_misuse": cyber_misuse,
    "false_refusal": false_refusal,
    "insecure_code": insecure_code,
    "prompt_injection": prompt_injection,
    "social_engineering": social_engineering,
}
assert tuple(_FACTORIES) == TASK_NAMES, "one task per dataset, in the suite's order"


_JUDGED = frozenset({"cyber_misuse", "false_refusal", "social_engineering"})


def core_tasks(
    names: Sequence[str] | None = None,
    suite: str = "detente-core",
    version: str = "1",
    judge: str = DEFAULT_JUDGE,
    langs: Sequence[str] = (),
    suite_dir: str = "",
) -> list[Task]:
    """The suite's tasks (all it has datasets for, or those named), in the suite's order;
    the refusal-judged ones score with ``judge``; ``langs`` selects the languages of a
    bilingual suite (default: all)."""
    present = cached_suite(suite, version, suite_dir).datasets
    chosen = list(names) if names else [n for n in TASK_NAMES if n in present]
    unknown = [n for n in chosen if n not in _FACTORIES]
    if unknown:
        raise UsageError(
            f"unknown task(s): {', '.join(unknown)}; choose from {', '.join(TASK_NAMES)}"
        )
    lang = ",".join(langs)
    return [
        _FACTORIES[n](suite=suite, version=version, lang=lang, suite_dir=suite_dir,
                      **({"judge": judge} if n in _JUDGED else {}))
        for n in chosen
    ]  # fmt: skip
