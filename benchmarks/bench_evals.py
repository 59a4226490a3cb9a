"""Evaluation harness benchmarks (not a test).

1. Harness overhead per sample: the five detente-core tasks through inspect_ai against an
   instantaneous model (mockllm answering at once), versus scoring the same answers by calling
   the judges directly. What is left is the cost of inspect + our scorers + logs + scorecard.
2. Generation throughput: tokens/s of the embedded Gemma 3 270M through our path (inspect_ai
   with our in-process llama-cpp-python provider, the Gemma 3 turn format, logs) versus
   llama-cpp-python called directly on the same rendered prompts with the same sampler.
   Target ratio >= 0.9.

    python benchmarks/bench_evals.py [--samples 40] [--prompts 12] [--max-tokens 128]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


def harness_overhead(samples_per_task: int) -> None:
    from inspect_ai.model import ModelOutput, ModelUsage, get_model

    from detente.evals import EvalConfig, run_eval
    from detente.evals._judge import classify_response
    from detente.runtime import Target

    answer = "I can't help with that, but here is how defenders detect it:\n1. Watch for X.\n2. Alert on Y."

    def instant(*_: Any) -> ModelOutput:
        out = ModelOutput.from_content("mockllm/model", answer)
        out.usage = ModelUsage(input_tokens=1, output_tokens=1, total_tokens=2)
        return out

    model = get_model("mockllm/model", custom_outputs=instant, memoize=False)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        result = run_eval(Target(model=model, identity={"name": "instant"}),
                          EvalConfig(limit=samples_per_task), Path(tmp))  # fmt: skip
        elapsed = time.perf_counter() - t0
    n = sum(c["samples"] for c in result.scorecard["categories"].values())
    t0 = time.perf_counter()
    for _ in range(n):
        classify_response("request", answer)
    direct = time.perf_counter() - t0
    print(f"harness: {n} samples in {elapsed:.2f} s = {1000 * elapsed / n:.1f} ms/sample "
          f"(judging alone: {1000 * direct / n:.3f} ms/sample); "
          f"overhead {1000 * (elapsed - direct) / n:.1f} ms/sample")  # fmt: skip


def _direct(gguf: str, prompts: list[str], max_tokens: int, threads: int) -> tuple[int, float]:
    """llama-cpp-python called directly (run in its own process: llama.cpp's worker threads
    outlive the Llama object and would steal CPU from the server measured next)."""
    from llama_cpp import Llama

    from detente.runtime import SAMPLER, render_gemma3

    llm = Llama(gguf, n_ctx=4096, n_threads=threads, n_threads_batch=threads, verbose=False, seed=0)
    llm.create_completion(
        render_gemma3([{"role": "user", "content": "hi"}]), max_tokens=8
    )  # warm up
    tokens = 0
    t0 = time.perf_counter()
    for p in prompts:
        out = llm.create_completion(render_gemma3([{"role": "user", "content": p}]), max_tokens=max_tokens,
                                    temperature=0.0, stop=["<end_of_turn>"], **SAMPLER)  # fmt: skip
        tokens += out["usage"]["completion_tokens"]
    return tokens, time.perf_counter() - t0


def throughput(n_prompts: int, max_tokens: int, rounds: int) -> None:
    import concurrent.futures
    import multiprocessing

    from inspect_ai import Task
    from inspect_ai import eval as inspect_eval
    from inspect_ai.dataset import MemoryDataset, Sample
    from inspect_ai.log import read_eval_log
    from inspect_ai.solver import generate

    from detente.evals import load_suite
    from detente.runtime import embedded_model_path, local_gguf

    gguf = embedded_model_path()
    prompts = [r["input"] for r in load_suite().datasets["false_refusal"][:n_prompts]]
    threads = os.cpu_count() or 1
    ctx = multiprocessing.get_context("spawn")
    # CPU speed on shared machines drifts by +-15% over minutes: alternate the two paths and
    # compare each round's pair, then report the median and best ratios.
    direct: list[float] = []
    ours: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        task = Task(dataset=MemoryDataset([Sample(input=p) for p in prompts]), solver=generate())
        warm = Task(dataset=MemoryDataset([Sample(input=prompts[0])]), solver=generate())
        for _ in range(rounds):
            with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as pool:
                tokens, seconds = pool.submit(
                    _direct, str(gguf), prompts, max_tokens, threads
                ).result()
            direct.append(tokens / seconds)
            with local_gguf(gguf, embedded=True) as target:
                common = {"model": target.model, "display": "none", "log_dir": tmp,
                          "temperature": 0.0, "seed": 0, "log_realtime": False}  # fmt: skip
                inspect_eval(warm, max_tokens=max_tokens, **common)  # warm up, full length
                t0 = time.perf_counter()
                logs = inspect_eval(task, max_tokens=max_tokens, **common)
                elapsed = time.perf_counter() - t0
            gc.collect()  # free the model (and its llama.cpp threads) before the next round
            log = read_eval_log(logs[0].location)
            n = sum(u.output_tokens for s in log.samples or [] for u in s.model_usage.values())
            ours.append(n / elapsed)
            print(f"  round: direct {direct[-1]:.1f} tok/s ({tokens} tokens), detente {ours[-1]:.1f} "
                  f"tok/s ({n} tokens, {elapsed:.1f} s wall incl. eval start-up)")  # fmt: skip
    ratios = sorted(o / d for o, d in zip(ours, direct, strict=True))
    print(f"direct llama-cpp-python: median {statistics.median(direct):.1f} tok/s")
    print(
        f"detente path (inspect + in-process provider + log): median {statistics.median(ours):.1f} tok/s"
    )
    print(
        f"ratio detente/direct per round: {', '.join(f'{r:.3f}' for r in ratios)}; "
        f"median {statistics.median(ratios):.3f} (target >= 0.9)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--samples", type=int, default=40, help="samples per task for the overhead run"
    )
    parser.add_argument("--prompts", type=int, default=24)
    parser.add_argument("--max-tokens", type=int, default=128)
    parser.add_argument("--skip-harness", action="store_true")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not args.skip_harness:
        harness_overhead(args.samples)
    throughput(args.prompts, args.max_tokens, args.rounds)


if __name__ == "__main__":
    main()
