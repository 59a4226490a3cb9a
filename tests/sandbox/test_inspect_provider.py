"""inspect_ai runs its bash() and python() tools in the "detente" sandbox (scripted model)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("inspect_ai")
pytestmark = pytest.mark.skipif(
    not os.access("/usr/bin/bwrap", os.X_OK), reason="bubblewrap is not installed"
)

SECRET = "host-secret-4c1d9e"


def test_agent_tools_run_inside_the_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    from inspect_ai import Task
    from inspect_ai import eval as inspect_eval
    from inspect_ai.dataset import Sample
    from inspect_ai.model import ModelOutput, ModelUsage, get_model
    from inspect_ai.scorer import Score, Target, scorer
    from inspect_ai.solver import TaskState, generate, use_tools
    from inspect_ai.tool import bash, python
    from inspect_ai.util import sandbox

    importlib.import_module("detente.sandbox._inspect")  # what the entry point does
    monkeypatch.setenv("DETENTE_TEST_SECRET", SECRET)

    def offline(out: ModelOutput) -> ModelOutput:
        out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)  # no tiktoken
        return out

    outputs = [
        ModelOutput.for_tool_call("mockllm/model", "bash", {"command": "id -u; cat note.txt; echo made > out.txt; env; cat /proc/1/environ"}),
        ModelOutput.for_tool_call("mockllm/model", "python", {"code": "import socket\nprint(open('/work/out.txt').read())\ntry:\n    socket.create_connection(('8.8.8.8', 53), timeout=1)\nexcept OSError as e:\n    print('net', type(e).__name__)"}),
        ModelOutput.from_content("mockllm/model", "done"),
    ]  # fmt: skip
    outputs = [offline(o) for o in outputs]

    @scorer(metrics=[])
    def read_back():  # type: ignore[no-untyped-def]
        async def score(state: TaskState, target: Target) -> Score:
            text = await sandbox().read_file("out.txt")
            return Score(value=1 if text == "made\n" else 0, answer=text)

        return score

    task = Task(
        dataset=[Sample(input="go", files={"note.txt": "from the sample"})],
        solver=[use_tools([bash(timeout=30), python(timeout=30)]), generate()],
        scorer=read_back(),
        sandbox="detente",
    )
    model = get_model("mockllm/model", custom_outputs=outputs)
    [log] = inspect_eval(task, model=model, log_dir=str(tmp_path), display="none")
    assert log.status == "success", log.error
    sample = log.samples[0]
    tool_text = "\n".join(m.text for m in sample.messages if m.role == "tool")
    assert "1000" in tool_text  # the sandbox's unprivileged user
    assert "from the sample" in tool_text  # sample files land in /work
    assert "made" in tool_text
    assert "net OSError" in tool_text or "net TimeoutError" in tool_text
    assert SECRET not in tool_text  # the host's environment never reaches the tools
    assert sample.scores["read_back"].value == 1


def test_root_is_refused_and_policy_comes_from_metadata() -> None:
    import anyio
    from inspect_ai.util import SandboxUserUnsupportedError

    from detente.sandbox import Limits, Policy

    module = __import__("detente.sandbox._inspect", fromlist=["DetenteSandboxEnvironment"])
    env_cls = module.DetenteSandboxEnvironment
    policy = Policy(limits=Limits(wall_seconds=2.0))

    async def go() -> None:
        envs = await env_cls.sample_init("t", None, {module.POLICY_METADATA_KEY: policy.to_dict()})
        env = envs["default"]
        try:
            with pytest.raises(SandboxUserUnsupportedError):
                await env.exec(["id"], user="root")
            assert env.box.policy.limits.wall_seconds == 2.0
            with pytest.raises(TimeoutError):
                await env.exec(["sleep", "10"], timeout=1)
            await env.write_file("a/b.bin", b"\x00\x01")
            assert await env.read_file("a/b.bin", text=False) == b"\x00\x01"
            with pytest.raises(FileNotFoundError):
                await env.read_file("missing.txt")
            result = await env.exec(["sh", "-c", "exit 3"])
            assert (result.success, result.returncode) == (False, 3)
        finally:
            await env_cls.sample_cleanup("t", None, envs, False)

    anyio.run(go)
