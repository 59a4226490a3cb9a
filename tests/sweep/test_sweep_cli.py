"""`detente sweep` end to end: registry status from a real embedded registry, manifest lists
with ETags for --resume, and one AI-BOM per model (validated by the formats' own libraries)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from tests.conftest import toy_tensors, write_safetensors_model  # type: ignore[import-not-found]

from detente.errors import InputError
from detente.sweep import read_model_list, run_sweep


def _det(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detente", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_registry_status_per_model_in_jsonl_and_db(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
    }
    hub = tmp_path / "hub"
    old = write_safetensors_model(hub / "acme" / "m-v1", toy_tensors(0), shards=1)
    new = write_safetensors_model(hub / "acme" / "m-v2", toy_tensors(1), shards=1)
    write_safetensors_model(hub / "other" / "x", toy_tensors(2), shards=1)
    assert _det(env, "keygen", "--out", str(tmp_path / "k")).returncode == 0
    key = str(tmp_path / "k" / "detente.key")
    assert _det(env, "registry", "claim", "acme/llm", "--key", key).returncode == 0
    for model, version in ((old, "1"), (new, "2")):
        out = _det(env, "publish", str(model), "--namespace", "acme/llm", "--name", "m",
                   "--version", version, "--key", key)  # fmt: skip
        assert out.returncode == 0, out.stderr
    db = f"sqlite:///{tmp_path / 's.db'}"
    out = _det(env, "sweep", str(hub), "--registry", "embedded", "--db", db,
               "--out", str(tmp_path / "o.jsonl"), "--format", "json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    rows = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text().splitlines()]
    status = {Path(r["path"]).name: r["registry"]["status"] for r in rows}
    assert status == {"m-v1": "outdated", "m-v2": "current", "x": "unknown"}
    assert next(r for r in rows if r["path"].endswith("m-v1"))["registry"]["latest_version"] == "2"
    with sa.create_engine(db).connect() as c:
        got = dict(c.execute(sa.text("select path, registry_status from sweep_models")).all())
    assert {Path(p).name: s for p, s in got.items()} == status


def test_manifest_list_etags_drive_resume(tmp_path: Path) -> None:
    a = write_safetensors_model(tmp_path / "store" / "a", toy_tensors(0), shards=1)
    b = write_safetensors_model(tmp_path / "store" / "b", toy_tensors(1), shards=1)
    listing = tmp_path / "inventory.jsonl"

    def write(etag_b: str) -> None:
        listing.write_text(
            "# an object-store inventory\n"
            + json.dumps({"path": "store/a", "etags": {"model.safetensors": '"e1"'}}) + "\n"
            + json.dumps({"path": str(b), "etag": etag_b}) + "\n"
        )  # fmt: skip

    write('"e2"')
    db = f"sqlite:///{tmp_path / 's.db'}"
    models = read_model_list(listing)
    assert [m.path for m in models] == [tmp_path / "store" / "a", b]
    first = run_sweep([], listing=models, db_url=db)
    assert (first.models, first.skipped) == (2, 0)
    os.utime(next(a.glob("*.safetensors")), ns=(1, 1))  # mtime changes; the ETag does not
    assert run_sweep([], listing=read_model_list(listing), db_url=db, resume=True).skipped == 2
    write('"e2-changed"')
    again = run_sweep([], listing=read_model_list(listing), db_url=db, resume=True)
    assert (again.models, again.skipped) == (1, 1)
    listing.write_text('{"path": 3}\n')
    with pytest.raises(InputError, match="line 1"):
        read_model_list(listing)


def test_bom_dir_writes_valid_boms_for_every_hashed_model(tmp_path: Path) -> None:
    pytest.importorskip("cyclonedx")
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    from detente.bom import read_bom_claims, verify_bom

    hub = tmp_path / "hub"
    write_safetensors_model(hub / "org" / "a", toy_tensors(0))
    bad = hub / "org" / "broken"
    bad.mkdir(parents=True)
    (bad / "model.safetensors").write_bytes(b"\xff" * 8 + b"{")
    out = _det(dict(os.environ), "sweep", str(hub), "--bom-dir", str(tmp_path / "boms"),
               "--bom-format", "cyclonedx", "--bom-format", "spdx", "--format", "json")  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["failed"] == 1
    files = sorted(p.name for p in (tmp_path / "boms").iterdir())
    assert len(files) == 2 and all("org_a" in f for f in files)  # the broken model has no BOM
    cdx = next((tmp_path / "boms").glob("*.cdx.json"))
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(cdx.read_text()) is None
    for bom in (tmp_path / "boms").iterdir():
        assert read_bom_claims(bom).root_digest
        assert verify_bom(hub / "org" / "a", bom).ok
