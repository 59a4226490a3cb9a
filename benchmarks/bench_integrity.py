"""Integrity benchmark: Détente vs raw hashing, cat, and model_signing 1.1.1, in one run.

Not a test. Builds a multi-shard safetensors model (default 4 GiB, 4 shards) in a work
directory, warms the page cache, and prints each figure side by side:

* raw throughput: ``cat``, sha256 on all cores (one thread per file), blake3 on all cores;
* full verification, per signature format (files/sha256, files/blake3, shards/sha256):
  model_signing API (and CLI where it can: files/sha256) vs Détente API and CLI;
* tensor coverage: Détente verify of a tensor-carrying bundle vs a files-only bundle;
* incremental: second ``--cache`` verify vs a full one;
* partial: ``--only`` one tensor vs full;
* start-up: ``detente --help`` and a verify of a small model.

Usage: python benchmarks/bench_integrity.py [--size-gb 4] [--workdir bench-data] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import blake3
import numpy as np

HERE = Path(__file__).resolve().parent
DETENTE = [sys.executable, "-m", "detente"]
MS_CLI = [sys.executable, "-m", "model_signing"]


def write_shard(
    path: Path, tensors: dict[str, tuple[str, tuple[int, ...], int]], seed: int
) -> None:
    """Write a safetensors shard with random contents without holding it all in memory."""
    header: dict[str, object] = {}
    offset = 0
    for name, (dtype, shape, nbytes) in tensors.items():
        header[name] = {
            "dtype": dtype,
            "shape": list(shape),
            "data_offsets": [offset, offset + nbytes],
        }
        offset += nbytes
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    rng = np.random.default_rng(seed)
    with path.open("wb") as fh:
        fh.write(struct.pack("<Q", len(raw)) + raw)
        remaining = offset
        while remaining:
            n = min(remaining, 64 << 20)
            fh.write(rng.integers(0, 256, n, dtype=np.uint8).tobytes())
            remaining -= n


def build_model(root: Path, size_gb: float, shards: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    per_shard = int(size_gb * (1 << 30) / shards)
    layers_per_shard = 8
    # Beside the model, not in it: every signer the benchmark compares hashes the same files
    # (a dotfile inside was signed by some tools and skipped by others).
    marker = root.with_name(root.name + ".complete")
    if marker.exists() and marker.read_text() == f"{size_gb}:{shards}":
        return root
    marker.unlink(missing_ok=True)
    for old in root.iterdir():
        old.unlink()
    weight_map = {}
    layer = 0
    for s in range(shards):
        tensors: dict[str, tuple[str, tuple[int, ...], int]] = {}
        per_layer = per_shard // layers_per_shard
        for _ in range(layers_per_shard):
            cols = 4096
            rows = per_layer // (2 * cols) // 2  # two BF16 matrices per layer
            for part in ("mlp.up_proj.weight", "mlp.down_proj.weight"):
                tensors[f"model.layers.{layer}.{part}"] = ("BF16", (rows, cols), rows * cols * 2)
            tensors[f"model.layers.{layer}.input_layernorm.weight"] = ("F32", (cols,), cols * 4)
            layer += 1
        fname = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
        write_shard(root / fname, tensors, seed=s)
        weight_map.update(dict.fromkeys(tensors, fname))
        print(f"  wrote {fname}", file=sys.stderr)
    (root / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))
    (root / "config.json").write_text(
        json.dumps({"model_type": "bench", "num_hidden_layers": layer})
    )
    marker.write_text(f"{size_gb}:{shards}")
    return root


def files_of(model: Path) -> list[Path]:
    return sorted(p for p in model.iterdir() if p.is_file() and not p.name.startswith("."))


def timed(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def raw_sha256(files: list[Path]) -> None:
    def one(p: Path) -> bytes:
        h = hashlib.sha256()
        with p.open("rb", buffering=0) as fh:
            buf = bytearray(8 << 20)
            view = memoryview(buf)
            while n := fh.readinto(view):
                h.update(view[:n])
        return h.digest()

    with ThreadPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(one, files))


def raw_blake3(files: list[Path]) -> None:
    for p in files:
        blake3.blake3(max_threads=blake3.blake3.AUTO).update_mmap(str(p)).digest()


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--size-gb", type=float, default=4.0)
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--workdir", type=Path, default=Path("bench-data"))
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    from model_signing import hashing as ms_hashing
    from model_signing import signing as ms_signing
    from model_signing import verifying as ms_verifying

    from detente.attest import (
        generate_key,
        load_public_key,
        sign_model,
        verify_model,
        write_key_pair,
    )
    from detente.integrity import DigestCache

    model = build_model(args.workdir / "model", args.size_gb, args.shards)
    files = files_of(model)
    total = sum(p.stat().st_size for p in files)
    gb = total / 1e9
    work = Path(tempfile.mkdtemp(prefix="detente-bench-"))
    priv, pub = write_key_pair(generate_key("ec-p256"), work / "keys")
    key = load_public_key(pub)
    from detente.attest import load_private_key

    sk = load_private_key(priv)
    r = args.repeat
    rows: list[tuple[str, float, str]] = []

    def row(label: str, seconds: float, ref: float | None = None, ref_name: str = "") -> None:
        ratio = f"{ref / seconds:5.2f}x {ref_name}" if ref else ""
        rows.append((label, seconds, ratio))
        print(f"{label:<58} {seconds:8.3f} s {gb / seconds:7.2f} GB/s  {ratio}", flush=True)

    print(f"model: {model} ({gb:.2f} GB in {len(files)} files), {os.cpu_count()} cores", flush=True)
    subprocess.run(["cat", *map(str, files)], stdout=subprocess.DEVNULL, check=True)  # warm cache
    t_cat = timed(
        lambda: subprocess.run(["cat", *map(str, files)], stdout=subprocess.DEVNULL, check=True), r
    )
    row("cat > /dev/null", t_cat)
    t_sha = timed(lambda: raw_sha256(files), r)
    row("raw sha256, all cores (thread per file)", t_sha)
    t_b3 = timed(lambda: raw_blake3(files), r)
    row("raw blake3, all cores", t_b3)

    def ms_sign(sig: Path, cfg: object) -> None:
        c = ms_signing.Config().use_elliptic_key_signer(private_key=priv)
        c.set_hashing_config(cfg)
        c.sign(model, sig)

    formats = {
        "files/sha256": (
            ms_hashing.Config().use_file_serialization(hashing_algorithm="sha256"),
            {"algorithm": "sha256", "method": "files"},
            t_sha,
        ),
        "files/blake3": (
            ms_hashing.Config().use_file_serialization(hashing_algorithm="blake3"),
            {"algorithm": "blake3", "method": "files"},
            t_b3,
        ),
        "shards/sha256": (
            ms_hashing.Config().use_shard_serialization(hashing_algorithm="sha256"),
            {"algorithm": "sha256", "method": "shards"},
            t_sha,
        ),
    }
    for label, (ms_cfg, ours, raw) in formats.items():
        ms_sig = work / f"ms-{label.replace('/', '-')}.sig"
        ms_sign(ms_sig, ms_cfg)
        # model_signing 1.1.1 cannot guess a shard config from its own bundles (shard_size
        # comes back as a float and crashes range()), so hand it the config explicitly.
        t_ms = timed(
            lambda: (
                ms_verifying.Config()
                .use_elliptic_key_verifier(public_key=pub)
                .set_hashing_config(ms_cfg)
                .verify(model, ms_sig)
            ),
            r,
        )
        row(f"[{label}] model_signing API verify", t_ms)
        if label == "files/sha256":
            cmd = [
                *MS_CLI,
                "verify",
                "key",
                str(model),
                "--signature",
                str(ms_sig),
                "--public_key",
                str(pub),
            ]
            t_ms_cli = timed(lambda: subprocess.run(cmd, check=True, capture_output=True), r)
            row(f"[{label}] model_signing CLI verify", t_ms_cli)
        bundle = ms_sig.read_bytes()
        t_d_ms = timed(lambda: verify_model(model, bundle, key), r)
        row(
            f"[{label}] detente API verify of model_signing's bundle",
            t_d_ms,
            t_ms,
            "vs model_signing API",
        )
        our_bundle, _ = sign_model(model, sk, shard_size=1_000_000_000, **ours)  # type: ignore[arg-type]
        our_sig = work / f"ours-{label.replace('/', '-')}.sig"
        our_sig.write_text(json.dumps(our_bundle))
        t_d = timed(lambda: verify_model(model, our_bundle, key), r)
        row(
            f"[{label}] detente API verify (tensor-carrying bundle)",
            t_d,
            t_ms,
            "vs model_signing API",
        )
        print(
            f"{'':<58} {'':8}   at {raw / t_d:.2f}x raw {label.split('/')[1]} throughput",
            flush=True,
        )
        cli = [*DETENTE, "verify", str(model), "--signature", str(our_sig), "--key", str(pub), "-q"]
        t_d_cli = timed(lambda: subprocess.run(cli, check=True, capture_output=True), r)
        row(f"[{label}] detente CLI verify", t_d_cli)

    # Tensor coverage for free: tensor-carrying vs files-only bundle, sha256 files.
    with_t, _ = sign_model(model, sk)
    without_t, _ = sign_model(model, sk, tensors=False)
    t_with = timed(lambda: verify_model(model, with_t, key), r)
    t_without = timed(lambda: verify_model(model, without_t, key), r)
    print(
        f"tensor coverage: verify with tensor digests {t_with:.3f} s vs files-only {t_without:.3f} s "
        f"= {t_with / t_without:.3f}x (target <= 1.05x)",
        flush=True,
    )

    # Incremental: cached re-verify.
    cache = DigestCache(work / "cache.sqlite3")
    t_full = timed(lambda: verify_model(model, with_t, key), 1)
    verify_model(model, with_t, key, cache=cache)
    t_cached = timed(lambda: verify_model(model, with_t, key, cache=cache), r)
    print(
        f"incremental: cached re-verify {t_cached:.4f} s vs full {t_full:.3f} s = "
        f"{100 * t_cached / t_full:.2f}% (target < 2%)",
        flush=True,
    )
    cache.close()

    # Partial: one tensor.
    target = "model.layers.0.mlp.up_proj.weight"
    nbytes = next(
        t.end - t.start
        for f in files
        if f.suffix == ".safetensors"
        for t in __import__("detente.artifacts", fromlist=["x"]).read_tensor_table(f).tensors
        if t.name == target
    )
    t_part = timed(lambda: verify_model(model, with_t, key, only=[target]), r)
    print(
        f"partial: --only {target} ({nbytes / 1e6:.0f} MB, {100 * nbytes / total:.1f}% of bytes) "
        f"{t_part:.3f} s = {100 * t_part / t_full:.1f}% of full",
        flush=True,
    )

    # Start-up.
    small = work / "small"
    small.mkdir()
    (small / "config.json").write_text("{}")
    sbundle, _ = sign_model(small, sk)
    (work / "small.sig").write_text(json.dumps(sbundle))
    t_help = timed(lambda: subprocess.run([*DETENTE, "--help"], check=True, capture_output=True), 5)
    t_small = timed(
        lambda: subprocess.run(
            [*DETENTE, "verify", str(small), "--key", str(pub)], check=True, capture_output=True
        ),
        5,
    )
    t_ms_small = timed(
        lambda: subprocess.run(
            [
                *MS_CLI,
                "verify",
                "key",
                str(small),
                "--signature",
                str(work / "small.sig"),
                "--public_key",
                str(pub),
            ],
            check=True,
            capture_output=True,
        ),
        3,
    )
    print(
        f"start-up: detente --help {t_help:.3f} s, detente verify (small model) {t_small:.3f} s, "
        f"model_signing verify (small model) {t_ms_small:.3f} s (target < 0.3 s)",
        flush=True,
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
