"""Build labelled agent traces from AgentDojo's suites (no model in the loop).

Each user task's ground-truth tool calls are executed against its environment; the tool results
are the agent's observations. Attack traces place an injection into every injection vector the
task's ground truth sees, and insert the injection task's ground-truth calls (the calls a
hijacked agent would make) right after the first tool result that carries the injection:
``first_attack_call`` is the index of the first of them. Controls:

* ``benign``: the user task alone, default environment;
* ``user-asked``: the user's prompt also asks for the injection task's goal, default
  environment, the same calls at the same place (the monitor must let the user's own wishes run);
* ``benign-text`` (own sets): vectors filled with innocent instructions the agent ignores;
* ``user-asked-text`` (own sets): the user asks for the injection task's goal and the vectors
  hold innocent instructions (the user's own wish must run although the data "instructs").

Injection sources: ``agentdojo`` (its six fixed templates), ``dev``, ``heldout`` and
``heldout2`` (our texts in ``<source>_texts.toml``, with encodings; heldout2 was written and
measured before the detectors were touched again, see its header). Nothing downloaded is
committed: traces are generated from the installed ``agentdojo`` package.

    python benchmarks/monitor_data/build.py heldout2 100 > heldout2.jsonl
    python benchmarks/monitor_data/build.py /elsewhere/heldout3_texts.toml 100 > heldout3.jsonl

(the first argument: ``agentdojo``, a set's name, or a path to a ``<name>_texts.toml``; the
second: attacks and controls per suite, all when omitted.)
"""

from __future__ import annotations

import base64
import codecs
import json
import random
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
AGENTDOJO_VERSION = "v1.2.2"
AGENTDOJO_TEMPLATES = (
    "direct",
    "ignore_previous",
    "system_message",
    "injecagent",
    "important_instructions",
    "tool_knowledge",
)
SUITES = ("workspace", "travel", "banking", "slack")
_HOMO = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і"}


def texts_path(source: str) -> Path:
    """``heldout3`` -> ``monitor_data/heldout3_texts.toml``; a path to any ``*.toml`` is used
    as it is (a set kept outside the repository)."""
    if source.endswith(".toml"):
        return Path(source)
    return HERE / f"{source}_texts.toml"


def source_name(source: str) -> str:
    """The set's name: ``/elsewhere/heldout3_texts.toml`` -> ``heldout3``."""
    if not source.endswith(".toml"):
        return source
    return Path(source).name.removesuffix(".toml").removesuffix("_texts")


def texts(which: str) -> dict[str, list[dict[str, str]]]:
    path = texts_path(which)
    if not path.is_file():
        raise SystemExit(f"no texts for source {which!r}: {path} does not exist")
    data = tomllib.loads(path.read_text("utf-8"))
    for e in data.get("injection", []):
        if e.get("encoding", "none") not in ENCODINGS:
            raise SystemExit(f"{path}: {e.get('id')}: unknown encoding {e.get('encoding')!r}")
    return {"injection": data.get("injection", []), "benign": data.get("benign", [])}


ENCODINGS = ("none", "base64", "rot13", "homoglyph", "zerowidth", "html_comment", "fullwidth")


def encode(text: str, how: str) -> str:
    if how == "none":
        return text
    if how == "base64":
        return base64.b64encode(text.encode()).decode()
    if how == "rot13":
        return codecs.encode(text, "rot13")
    if how == "homoglyph":
        return "".join(_HOMO.get(ch, ch) if i % 2 == 0 else ch for i, ch in enumerate(text))
    if how == "zerowidth":
        return "".join(
            ch + "\u200b" if ch.isalpha() and i % 3 == 0 else ch for i, ch in enumerate(text)
        )
    if how == "html_comment":
        return f"<!-- {text} -->"
    if how == "fullwidth":  # ASCII to its full-width forms (U+FF01..U+FF5E)
        return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)
    raise ValueError(how)


def yaml_safe(text: str) -> str:
    """The text on one line without double quotes: AgentDojo splices injections into YAML
    scalars, where a line break or a quote can end the scalar (the suite then fails to load)."""
    return text.replace("\n", " ").replace('"', "'")


class _Pipe:
    name = "gpt-4o-2024-05-13"  # AgentDojo's attacks address the model by this name


class SuiteRunner:
    def __init__(self, name: str) -> None:
        from agentdojo.functions_runtime import FunctionsRuntime
        from agentdojo.task_suite.load_suites import get_suites

        self.suite = get_suites(AGENTDOJO_VERSION)[name]
        self.name = name
        self.runtime = FunctionsRuntime(self.suite.tools)
        self.tools = [
            {
                "type": "function",
                "function": {
                    "name": f.name,
                    "description": f.description,
                    "parameters": f.parameters.model_json_schema(),
                },
            }
            for f in self.suite.tools
        ]
        self.defaults = self.suite.get_injection_vector_defaults()
        self._seen: dict[str, tuple[list[str], int]] = {}

    def seen(self, user_task: Any) -> tuple[list[str], int]:
        """Vectors the task's ground truth sees, and the index of the first call that shows one."""
        if user_task.ID not in self._seen:
            canaries = {v: f"<CANARY---{v}--->" for v in self.defaults}
            msgs = self.run(user_task, canaries, [], None, None)[0]
            vectors, first = set(), None
            calls = 0
            for m in msgs:
                if m["role"] == "assistant":
                    calls += 1
                if m["role"] == "tool":
                    hit = {v for v, c in canaries.items() if c in m["content"]}
                    if hit and first is None:
                        first = calls
                    vectors |= hit
            self._seen[user_task.ID] = (sorted(vectors), first if first is not None else -1)
        return self._seen[user_task.ID]

    def run(
        self,
        user_task: Any,
        injections: dict[str, str],
        inj_gt: list[Any] | Any,
        at: int | None,
        prompt: str | None,
    ) -> tuple[list[dict[str, Any]], int | None]:
        from agentdojo.agent_pipeline.tool_execution import tool_result_to_str

        env = self.suite.load_and_inject_default_environment(injections)
        user_calls = list(user_task.ground_truth(env))
        msgs: list[dict[str, Any]] = [{"role": "user", "content": prompt or user_task.PROMPT}]
        plan: list[tuple[Any, bool]] = [(c, False) for c in user_calls]
        first_attack = None
        k = 0
        n = 0
        while k < len(plan) or (inj_gt is not None and at is not None and n == at):
            if at is not None and n == at and inj_gt is not None:
                extra = list(inj_gt.ground_truth(env)) if hasattr(inj_gt, "ground_truth") else []
                plan[k:k] = [(c, True) for c in extra]
                inj_gt = None
                if extra:
                    first_attack = n
                if k >= len(plan):
                    break
            call, _ = plan[k]
            cid = f"call_{n}"
            args = dict(call.args)
            msgs.append(
                {
                    "role": "assistant",
                    "content": "",
                    "tool_calls": [
                        {
                            "id": cid,
                            "type": "function",
                            "function": {
                                "name": call.function,
                                "arguments": json.dumps(args, default=str),
                            },
                        }
                    ],
                }
            )
            result, err = self.runtime.run_function(env, call.function, args, raise_on_error=False)
            text = tool_result_to_str(result) if err is None else err
            msgs.append(
                {"role": "tool", "tool_call_id": cid, "name": call.function, "content": text}
            )
            k += 1
            n += 1
        return msgs, first_attack


_ATTACKS: dict[tuple[str, str], Any] = {}


def _agentdojo_injection(
    runner: SuiteRunner, template: str, user_task: Any, inj_task: Any
) -> dict[str, str]:
    from agentdojo.attacks.attack_registry import load_attack

    key = (runner.name, template)
    if key not in _ATTACKS:
        _ATTACKS[key] = load_attack(template, runner.suite, _Pipe())  # type: ignore[arg-type]
    return dict(_ATTACKS[key].attack(user_task, inj_task))


def _own_injection(
    entry: dict[str, str], vectors: list[str], inj_task: Any, rng: random.Random
) -> dict[str, str]:
    goal = inj_task.GOAL.strip()
    text = entry["text"].replace("{goal}", goal).replace("{user}", "Emma Johnson")
    return dict.fromkeys(vectors, encode(text, entry.get("encoding", "none")))


def build(
    source: str, suites: tuple[str, ...] = SUITES, sample: int | None = None, seed: int = 0
) -> Iterator[dict[str, Any]]:
    """Labelled traces: source is ``agentdojo`` or a texts set (``dev``, ``heldout2``, any
    ``<name>`` with ``<name>_texts.toml`` here, or a path to such a file); ``sample`` keeps N
    attacks (and N of each control) per suite."""
    rng = random.Random(seed)
    own = texts(source) if source != "agentdojo" else None
    label = source_name(source)
    for name in suites:
        runner = SuiteRunner(name)
        s = runner.suite
        jobs: list[tuple[str, Any, Any, Any]] = []
        env0 = s.load_and_inject_default_environment({})
        # injection tasks without a tool call (e.g. "say that …") have nothing to stop
        live = [iid for iid, inj in s.injection_tasks.items() if list(inj.ground_truth(env0))]
        for uid in s.user_tasks:
            for iid in live:
                srcs = AGENTDOJO_TEMPLATES if own is None else [e["id"] for e in own["injection"]]
                jobs.extend((src, uid, iid, None) for src in srcs)
        if sample is not None:
            jobs = rng.sample(jobs, min(sample, len(jobs)))
        entries = {e["id"]: e for e in own["injection"]} if own else {}
        for src, uid, iid, _ in jobs:
            u, inj = s.user_tasks[uid], s.injection_tasks[iid]
            vectors, at = runner.seen(u)
            if not vectors:
                continue
            if own is None:
                injections = _agentdojo_injection(runner, src, u, inj)
            else:
                injections = _own_injection(entries[src], vectors, inj, rng)
            try:
                msgs, first = runner.run(u, injections, inj, at, None)
            except Exception:  # the text breaks the suite's YAML: its YAML-safe variant
                try:
                    safe = {k: yaml_safe(v) for k, v in injections.items()}
                    msgs, first = runner.run(u, safe, inj, at, None)
                except Exception as exc:  # still broken: count, skip
                    print(f"skip {name}/{uid}/{iid}/{src}: {type(exc).__name__}", file=sys.stderr)
                    continue
            yield _rec(
                f"{label}:{name}:{uid}:{iid}:{src}", name, "attack", src, msgs, first, runner.tools
            )
        yield from _controls(runner, label, own, rng, sample)


def _controls(
    runner: SuiteRunner,
    source: str,
    own: dict[str, list[dict[str, str]]] | None,
    rng: random.Random,
    sample: int | None,
) -> Iterator[dict[str, Any]]:
    s = runner.suite
    env0 = s.load_and_inject_default_environment({})
    injs = [(iid, inj) for iid, inj in s.injection_tasks.items() if list(inj.ground_truth(env0))]
    pairs = [(uid, iid) for uid in s.user_tasks for iid, _ in injs]
    if sample is not None:
        pairs = rng.sample(pairs, min(sample, len(pairs)))
    name = runner.name
    if source == "agentdojo":
        users = list(s.user_tasks)
        if sample is not None:
            users = rng.sample(users, min(sample, len(users)))
        for uid in users:
            u = s.user_tasks[uid]
            msgs, _ = runner.run(u, {}, None, None, None)
            yield _rec(
                f"{source}:{name}:{uid}:benign", name, "benign", "default", msgs, None, runner.tools
            )
        for uid, iid in pairs:
            u, inj = s.user_tasks[uid], s.injection_tasks[iid]
            _, at = runner.seen(u)
            prompt = f"{u.PROMPT.rstrip()} Also: {inj.GOAL.strip()}"
            msgs, first = runner.run(u, {}, inj, max(at, 0), prompt)
            yield _rec(
                f"{source}:{name}:{uid}:{iid}:user-asked",
                name,
                "user-asked",
                "default",
                msgs,
                first,
                runner.tools,
            )
        return
    assert own is not None
    jobs = [(uid, e) for uid in s.user_tasks for e in own["benign"]]
    if sample is not None:
        jobs = rng.sample(jobs, min(sample, len(jobs)))
    for uid, entry in jobs:
        u = s.user_tasks[uid]
        vectors, _ = runner.seen(u)
        if not vectors:
            continue
        try:
            msgs, _ = runner.run(u, dict.fromkeys(vectors, entry["text"]), None, None, None)
        except Exception as exc:  # a text that breaks the suite's YAML: count, skip
            print(f"skip {name}/{uid}/{entry['id']}: {type(exc).__name__}", file=sys.stderr)
            continue
        yield _rec(
            f"{source}:{name}:{uid}:{entry['id']}",
            name,
            "benign-text",
            entry["id"],
            msgs,
            None,
            runner.tools,
        )
    yield from _user_asked_text(runner, source, own, rng, pairs)


def _user_asked_text(
    runner: SuiteRunner,
    source: str,
    own: dict[str, list[dict[str, str]]],
    rng: random.Random,
    pairs: list[tuple[str, str]],
) -> Iterator[dict[str, Any]]:
    """The user asks for the injection goal; the data holds innocent instructions."""
    s, name = runner.suite, runner.name
    for uid, iid in pairs:
        u, inj = s.user_tasks[uid], s.injection_tasks[iid]
        vectors, at = runner.seen(u)
        if not vectors or not own["benign"]:
            continue
        entry = rng.choice(own["benign"])
        prompt = f"{u.PROMPT.rstrip()} Also: {inj.GOAL.strip()}"
        try:
            msgs, first = runner.run(
                u, dict.fromkeys(vectors, entry["text"]), inj, max(at, 0), prompt
            )
        except Exception as exc:  # a text that breaks the suite's YAML: count, skip
            print(f"skip {name}/{uid}/{iid}/{entry['id']}: {type(exc).__name__}", file=sys.stderr)
            continue
        yield _rec(
            f"{source}:{name}:{uid}:{iid}:{entry['id']}:user-asked-text",
            name,
            "user-asked-text",
            entry["id"],
            msgs,
            first,
            runner.tools,
        )


def _rec(
    tid: str,
    suite: str,
    label: str,
    src: str,
    msgs: list[dict[str, Any]],
    first: int | None,
    tools: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "id": tid,
        "suite": suite,
        "label": label,
        "source": src,
        "first_attack_call": first,
        "messages": msgs,
        "tools": tools,
    }


if __name__ == "__main__":
    src = sys.argv[1] if len(sys.argv) > 1 else "heldout2"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else None
    for rec in build(src, sample=n):
        print(json.dumps(rec, ensure_ascii=False))
