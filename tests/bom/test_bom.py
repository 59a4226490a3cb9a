"""AI-BOMs: CycloneDX 1.6 validated by cyclonedx-python-lib, SPDX 3.0.1 read back by spdx-python-model,
and the round trip ``verify --bom`` against real models written by safetensors and gguf."""

from __future__ import annotations

import io
import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.conftest import toy_tensors, write_gguf, write_safetensors_model  # type: ignore[import-not-found]

from detente.attest import Statement, Subject, generate_key, sign_model, sign_statement
from detente.bom import cyclonedx_bom, spdx_bom, verify_bom
from detente.errors import FormatError
from detente.release import EVIDENCE_FILES
from detente.stats import Rate

DETENTE = [sys.executable, "-m", "detente"]


def _validate_cdx(doc: dict[str, Any]) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(json.dumps(doc))
    assert errors is None, str(errors)


def _scorecard() -> dict[str, Any]:
    r = Rate(3, 40)
    return {
        "schema": "detente.scorecard/v1",
        "created": "2026-12-01T00:00:00Z",
        "suite": {"digest": "sha256:" + "0" * 64},
        "model": {},
        "sampling": {},
        "judge": {},
        "tools": {},
        "categories": {},
        "metrics": {
            "refusal_rate": {"k": 3, "n": 40, "direction": "harm", "ci95": list(r.interval)}
        },
    }


@pytest.fixture
def evidence(st_model: Path, tmp_path: Path) -> Path:
    key = generate_key()
    ev = tmp_path / "evidence"
    ev.mkdir()
    bundle, _ = sign_model(st_model, key)
    (ev / EVIDENCE_FILES["signature"]).write_text(json.dumps(bundle))
    st = Statement(
        (Subject("toy", {"sha256": "0" * 64}),), "https://detente/scorecard/v1", _scorecard()
    )
    (ev / EVIDENCE_FILES["scorecard"]).write_text(json.dumps(sign_statement(st, key)))
    return ev


def test_cyclonedx_is_valid_1_6_and_states_digests_params_metrics(
    st_model: Path, evidence: Path
) -> None:
    doc = cyclonedx_bom(st_model, evidence=evidence)
    _validate_cdx(doc)
    comp = doc["metadata"]["component"]
    assert comp["type"] == "machine-learning-model"
    props = {p["name"]: p["value"] for p in comp["properties"]}
    assert props["detente:oms-root-digest"].startswith("sha256:")
    assert props["detente:tensor-digest"].startswith("sha256:")
    assert {c["name"] for c in comp["components"]} == {
        p.name for p in st_model.iterdir() if p.is_file()
    }
    card = {p["name"]: p["value"] for p in comp["modelCard"]["properties"]}
    expected = sum(int(np.prod(a.shape)) for a in toy_tensors().values())
    assert card["detente:parameterCount"] == str(expected)
    metric = comp["modelCard"]["quantitativeAnalysis"]["performanceMetrics"][0]
    assert metric["type"] == "refusal_rate" and float(metric["value"]) == pytest.approx(3 / 40)
    kinds = {r["comment"] for r in comp["externalReferences"]}
    assert kinds == {"detente signature evidence", "detente scorecard evidence"}


def test_gguf_header_parameters_and_pickle_findings_become_vulnerabilities(tmp_path: Path) -> None:
    root = tmp_path / "m"
    root.mkdir()
    write_gguf(root / "toy.gguf", {"w": np.ones((4, 4), dtype=np.float32)})

    class Boom:
        def __reduce__(self) -> tuple[Any, ...]:
            return (print, ("pwned",))

    (root / "extra.pkl").write_bytes(pickle.dumps(Boom()))
    doc = cyclonedx_bom(root)
    _validate_cdx(doc)
    comp = doc["metadata"]["component"]
    assert comp["modelCard"]["modelParameters"]["architectureFamily"] == "llama"
    assert doc["vulnerabilities"], "the malicious pickle must be reported"
    assert all(v["affects"] == [{"ref": "model"}] for v in doc["vulnerabilities"])


def test_spdx_reads_back_with_the_spdx_bindings(st_model: Path, evidence: Path) -> None:
    from spdx_python_model import v3_0_1 as spdx

    doc = spdx_bom(st_model, evidence=evidence)
    objset = spdx.SHACLObjectSet()
    spdx.JSONLDDeserializer().read(io.StringIO(json.dumps(doc)), objset)
    pkgs = list(objset.foreach_type(spdx.ai_AIPackage))
    assert len(pkgs) == 1
    files = list(objset.foreach_type(spdx.software_File))
    assert len(files) == len([p for p in st_model.iterdir() if p.is_file()])
    assert [m.key for m in pkgs[0].ai_metric] == ["refusal_rate"]


@pytest.mark.parametrize("fmt", ["cyclonedx", "spdx"])
def test_verify_bom_round_trip_names_the_tampered_file(tmp_path: Path, fmt: str) -> None:
    model = write_safetensors_model(tmp_path / "m", toy_tensors(), shards=2)
    bom = tmp_path / f"bom.{fmt}.json"
    made = subprocess.run(
        [*DETENTE, "bom", str(model), "--format", fmt, "-o", str(bom)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr
    assert verify_bom(model, bom).ok
    ok = subprocess.run(
        [*DETENTE, "verify", str(model), "--bom", str(bom)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr

    shard = sorted(model.glob("*.safetensors"))[1]
    data = bytearray(shard.read_bytes())
    data[-1] ^= 1
    shard.write_bytes(bytes(data))
    check = verify_bom(model, bom)
    assert not check.ok and any(shard.name in p for p in check.problems)
    bad = subprocess.run(
        [*DETENTE, "verify", str(model), "--bom", str(bom)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1 and shard.name in bad.stdout + bad.stderr


@pytest.mark.parametrize(
    "text", ["not json", "[]", '{"bomFormat": "CycloneDX", "metadata": {}}', '{"@graph": []}', "{}"]
)
def test_unreadable_bom_is_an_input_error(st_model: Path, tmp_path: Path, text: str) -> None:
    bom = tmp_path / "bad.json"
    bom.write_text(text)
    with pytest.raises(FormatError):
        verify_bom(st_model, bom)
    out = subprocess.run(
        [*DETENTE, "verify", str(st_model), "--bom", str(bom)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 2, out.stdout + out.stderr


def test_blake2b_manifests_name_the_algorithm_cyclonedx_knows(st_model: Path) -> None:
    from detente.bom import cyclonedx_from_facts, facts_from_sweep
    from detente.sweep import Settings, sweep_model

    facts = facts_from_sweep(sweep_model(st_model, Settings(algorithm="blake2b")))
    assert facts is not None
    doc = cyclonedx_from_facts(facts)
    _validate_cdx(doc)
    algs = {h["alg"] for c in doc["metadata"]["component"]["components"] for h in c["hashes"]}
    assert algs == {"BLAKE2b-512"}
