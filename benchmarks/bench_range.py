"""Cyber-range harness benchmark (not a test).

The harness's cost per agent turn — inspect's agent loop, the detente sandbox provider, a
fresh bubblewrap sandbox per command with the challenge's services restarted — measured with
an instantaneous scripted model that replays each challenge's oracle through inspect's python
tool, minus the same oracles run directly in the sandbox. Compared with the time the embedded
model (Gemma 3 270M, llama-cpp-python on this CPU) takes to write one tool call of typical
length. Target: overhead <= 10 % of model time.

    python benchmarks/bench_range.py [--challenges N] [--tokens 96]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from typing import Any


def _scripted(rng: Any) -> Any:
    from inspect_ai.model import ModelOutput, ModelUsage

    by_prompt = {ch.prompt: ch for ch in rng.challenges}

    def usage(out: ModelOutput) -> ModelOutput:
        out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        return out

    def respond(messages: Any, *_: Any) -> ModelOutput:
        ch = by_prompt[next(m.text for m in messages if m.role == "user")]
        if messages[-1].role == "tool":
            return usage(ModelOutput.from_content("mockllm/model", messages[-1].text))
        code = (ch.root / ch.solution).read_text()
        return usage(ModelOutput.for_tool_call("mockllm/model", "python", {"code": code}))

    return respond


def harness(n: int) -> tuple[float, int]:
    from inspect_ai import eval as inspect_eval
    from inspect_ai.model import get_model

    from detente.cyberrange import load_range, run_oracle
    from detente.cyberrange._tasks import cyber_range

    rng = load_range()
    chosen = rng.challenges[:n]
    ids = ",".join(c.id for c in chosen)
    t0 = time.perf_counter()
    for ch in chosen:
        assert run_oracle(ch, rng.root).captured
    direct = time.perf_counter() - t0
    model = get_model("mockllm/model", custom_outputs=_scripted(rng))
    with tempfile.TemporaryDirectory() as tmp:
        # The first inspect run of a process imports inspect's model-provider modules (seconds
        # on this machine): a fixed cost per evaluation, timed here and reported on its own.
        t0 = time.perf_counter()
        inspect_eval(cyber_range(challenges=chosen[0].id), model=model, log_dir=tmp,
                     display="none", max_samples=1)  # fmt: skip
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        [log] = inspect_eval(cyber_range(challenges=ids), model=model, log_dir=tmp,
                             display="none", max_samples=1)  # fmt: skip
        through = time.perf_counter() - t0
    assert log.status == "success"
    turns = 2 * len(chosen)  # a tool call, then the answer
    per_turn = (through - direct) / turns
    print(
        f"{len(chosen)} challenges: oracles direct {direct:.1f} s, through inspect {through:.1f} s"
    )
    print(f"  harness overhead {1000 * per_turn:.0f} ms per agent turn ({turns} turns)")
    print(f"  one-time: the process's first inspect run (1 challenge) took {first:.1f} s")
    return per_turn, first


def model_turn(tokens: int) -> float | None:
    try:
        from llama_cpp import Llama

        from detente.runtime import embedded_model_path
    except ImportError:
        print("  (llama-cpp-python or the embedded model not installed: no model comparison)")
        return None
    llm = Llama(model_path=str(embedded_model_path()), n_ctx=2048, verbose=False, seed=0)
    prompt = "<start_of_turn>user\nList the files in /work with a bash command.<end_of_turn>\n<start_of_turn>model\n"
    llm(prompt, max_tokens=8)
    t0 = time.perf_counter()
    out = llm(prompt, max_tokens=tokens, temperature=0.0)
    took = time.perf_counter() - t0
    made = out["usage"]["completion_tokens"]
    per_turn = took * tokens / max(made, 1)
    print(
        f"embedded Gemma 3 270M: {made} tokens in {took:.2f} s -> {per_turn:.2f} s per {tokens}-token turn"
    )
    return per_turn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--challenges", type=int, default=12)
    parser.add_argument("--tokens", type=int, default=96)
    args = parser.parse_args()
    overhead, first = harness(args.challenges)
    model = model_turn(args.tokens)
    if model:
        ratio = overhead / model
        print(f"overhead / model time per turn: {100 * ratio:.1f} % (target <= 10 %: "
              f"{'ok' if ratio <= 0.10 else 'OVER TARGET'})")  # fmt: skip
        # a full range evaluation: 42 challenges, at least 2 turns each (a real agent takes
        # more), plus the one-time start-up (counted whole, an upper bound on its share)
        turns = 2 * 42
        full = (first + overhead * turns) / (model * turns)
        print(f"full range (42 challenges x 2 turns, one-time start-up included): "
              f"{100 * full:.1f} % of model time")  # fmt: skip


if __name__ == "__main__":
    main()
