"""Every SPDX 3.0.1 AI-BOM detente writes passes the SPDX model bindings and our structure
rules, round-trips through the bindings with our hashes intact, and hostile variants of it are
refused by name (by ``check_spdx``, and by ``verify --bom`` as input errors)."""

from __future__ import annotations

import copy
import io
import json
import pickle
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from tests.conftest import toy_tensors, write_gguf, write_safetensors_model  # type: ignore[import-not-found]

from detente.bom import (
    check_spdx,
    facts_from_sweep,
    spdx_bom,
    spdx_from_facts,
    spdx_structure_problems,
    verify_bom,
)
from detente.errors import FormatError
from detente.integrity import build_manifest
from detente.sweep import Settings, sweep_model

spdx = pytest.importorskip("spdx_python_model").v3_0_1
DETENTE = [sys.executable, "-m", "detente"]


def _read(doc: dict[str, Any]) -> Any:
    objset = spdx.SHACLObjectSet()
    spdx.JSONLDDeserializer().deserialize_data(copy.deepcopy(doc), objset)
    assert objset.link() == set()
    return objset


def _package_hashes(objset: Any) -> tuple[dict[str, str], dict[str, str]]:
    (pkg,) = list(objset.foreach_type(spdx.ai_AIPackage))
    algo = {v: k for k, v in {"sha256": "sha256", "blake2b": "blake2b512"}.items()}

    def digest(h: Any) -> str:
        return f"{algo[h.algorithm.rsplit('/', 1)[-1]]}:{h.hashValue}"

    pkg_hashes = {h.comment: digest(h) for h in pkg.verifiedUsing}
    files = {f.name: digest(f.verifiedUsing[0]) for f in objset.foreach_type(spdx.software_File)}
    return pkg_hashes, files


def _assert_ours(doc: dict[str, Any], model: Path, algorithm: str = "sha256") -> None:
    """Valid, and the bindings read back (and write, and read again) our digests."""
    assert check_spdx(doc) == []
    m = build_manifest(model, algorithm=algorithm)
    want_pkg = {"detente:oms-root-digest": m.root_digest, "detente:tensor-digest": m.tensor_digest}
    want_files = {r.name: r.digest_str() for r in m.resources}
    objset = _read(doc)
    assert _package_hashes(objset) == (want_pkg, want_files)
    buf = io.BytesIO()
    spdx.JSONLDSerializer().write(objset, buf)
    assert _package_hashes(_read(json.loads(buf.getvalue()))) == (want_pkg, want_files)


def _models(tmp: Path) -> dict[str, Path]:
    st_dir = write_safetensors_model(tmp / "st", toy_tensors(0), shards=2)
    gg = tmp / "gg"
    gg.mkdir()
    write_gguf(gg / "toy.gguf", {"w": np.ones((4, 4), dtype=np.float32)})

    class Boom:
        def __reduce__(self) -> tuple[Any, ...]:
            return (print, ("pwned",))

    (gg / "extra.pkl").write_bytes(pickle.dumps(Boom()))  # findings become annotations
    single = write_safetensors_model(tmp / "single", toy_tensors(1), shards=1)
    return {"safetensors": st_dir, "gguf+pickle": gg, "single": next(single.glob("*.safetensors"))}


def test_every_model_kind_library_and_sweep_boms_are_valid(tmp_path: Path) -> None:
    for model in _models(tmp_path).values():
        _assert_ours(spdx_bom(model), model)
        res = sweep_model(model)
        facts = facts_from_sweep(res)
        assert facts is not None
        _assert_ours(spdx_from_facts(facts), model)
    # blake2b manifests: SPDX calls the algorithm blake2b512 (hashlib's 64-byte default)
    st_dir = tmp_path / "st"
    facts = facts_from_sweep(sweep_model(st_dir, Settings(algorithm="blake2b")))
    assert facts is not None
    doc = spdx_from_facts(facts)
    _assert_ours(doc, st_dir, "blake2b")
    (tmp_path / "b.spdx.json").write_text(json.dumps(doc))
    assert verify_bom(st_dir, tmp_path / "b.spdx.json").ok


def test_cli_and_sweep_spdx_files_are_valid(tmp_path: Path) -> None:
    model = write_safetensors_model(tmp_path / "hub" / "org" / "m", toy_tensors(2), shards=2)
    out = tmp_path / "m.spdx.json"
    made = subprocess.run([*DETENTE, "bom", str(model), "--format", "spdx", "-o", str(out)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert made.returncode == 0, made.stderr
    _assert_ours(json.loads(out.read_text()), model)
    swept = subprocess.run([*DETENTE, "sweep", str(tmp_path / "hub"), "--bom-dir",
                            str(tmp_path / "boms"), "--bom-format", "spdx", "--quiet"],
                           capture_output=True, text=True, check=False)  # fmt: skip
    assert swept.returncode == 0, swept.stderr
    (bom,) = (tmp_path / "boms").glob("*.spdx.json")
    _assert_ours(json.loads(bom.read_text()), model)


def _pkg(d: dict[str, Any]) -> dict[str, Any]:
    return next(e for e in d["@graph"] if e.get("type") == "ai_AIPackage")


def _file(d: dict[str, Any]) -> dict[str, Any]:
    return next(e for e in d["@graph"] if e.get("type") == "software_File")


def _doc(d: dict[str, Any]) -> dict[str, Any]:
    return next(e for e in d["@graph"] if e.get("type") == "SpdxDocument")


_Mut = Callable[[dict[str, Any]], object]
# (name, mutation, expected problem text, refused by the bindings alone?)
HOSTILE: list[tuple[str, _Mut, str, bool]] = [
    ("unknown property", lambda d: _pkg(d).update(bogus=1), "Unknown property 'bogus'", True),
    ("unknown class", lambda d: d["@graph"].append({"type": "Evil", "spdxId": "urn:x#e"}),
     "SPDX 3.0.1 model", True),
    ("name not a string", lambda d: _pkg(d).update(name=5), "must be of type str", True),
    ("hash algorithm unknown", lambda d: _pkg(d)["verifiedUsing"][0].update(algorithm="foo"),
     "not a valid value", True),
    ("hashValue missing", lambda d: _pkg(d)["verifiedUsing"][0].pop("hashValue"),
     "'hashValue' in Hash", True),
    ("creationInfo missing", lambda d: _pkg(d).pop("creationInfo"), "'creationInfo'", True),
    ("date not a date", lambda d: _pkg(d).update(releaseTime="yesterday"), "datetime", True),
    ("purpose not in the enum", lambda d: _pkg(d).update(software_primaryPurpose="weapon"),
     "not a valid value", True),
    ("spdxId not an IRI", lambda d: _pkg(d).update(spdxId="model"), "IRI", True),
    # What the bindings accept and our rules refuse:
    ("no @context", lambda d: d.pop("@context"), "@context", False),
    ("foreign @context", lambda d: d.update({"@context": "https://evil.example/c.jsonld"}),
     "@context", False),
    ("two elements, one id", lambda d: d["@graph"].append(
        {**copy.deepcopy(_pkg(d)), "verifiedUsing": [{**_pkg(d)["verifiedUsing"][0],
                                                      "hashValue": "0" * 64}]}),
     "is used by 2 elements", False),
    # The deserializer takes a dangling reference; its link() reports it, and check_spdx does.
    ("dangling reference", lambda d: _doc(d)["element"].append("urn:nope#x"),
     "not in the document", True),
    ("no SpdxDocument", lambda d: d.update({"@graph": [e for e in d["@graph"]
                                                      if e.get("type") != "SpdxDocument"]}),
     "exactly one SpdxDocument", False),
    ("hashValue not hex", lambda d: _file(d)["verifiedUsing"][0].update(hashValue="zz" * 32),
     "lowercase hex", False),
    ("hashValue short", lambda d: _pkg(d)["verifiedUsing"][0].update(hashValue="ab"),
     "lowercase hex", False),
    ("file hashed twice", lambda d: _file(d)["verifiedUsing"].append(
        {**_file(d)["verifiedUsing"][0], "hashValue": "1" * 64}), "exactly one hash", False),
    ("file without hash", lambda d: _file(d).update(verifiedUsing=[]), "no verifiedUsing", False),
    ("root digest twice", lambda d: _pkg(d)["verifiedUsing"].append(
        {**_pkg(d)["verifiedUsing"][0], "hashValue": "2" * 64}), "exactly once", False),
    ("element not listed", lambda d: _doc(d)["element"].pop(), "element list", False),
    ("file outside contains", lambda d: next(e for e in d["@graph"]
                                             if e.get("type") == "Relationship")["to"].pop(),
     "contains relationships", False),
    ("spec version 3.0.0", lambda d: d["@graph"][0].update(specVersion="3.0.0"),
     "specVersion 3.0.1", False),
]  # fmt: skip


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    model = write_safetensors_model(tmp_path_factory.mktemp("m") / "m", toy_tensors(3), shards=2)
    return model, spdx_bom(model)


@pytest.mark.parametrize(
    ("name", "mutate", "needle", "bindings"), HOSTILE, ids=[h[0] for h in HOSTILE]
)
def test_hostile_variants_are_refused_by_name(
    good: tuple[Path, dict[str, Any]], tmp_path: Path, name: str, mutate: _Mut, needle: str,
    bindings: bool,
) -> None:  # fmt: skip
    model, doc = good
    bad = copy.deepcopy(doc)
    mutate(bad)
    problems = check_spdx(bad)
    assert any(needle in p for p in problems), problems
    if not bindings:  # the bindings alone would have taken it: our rules are what refuse it
        assert any(needle in p for p in spdx_structure_problems(bad))
        path = tmp_path / "bad.spdx.json"
        path.write_text(json.dumps(bad))
        with pytest.raises(FormatError, match=r"not an SPDX 3\.0\.1 AI-BOM"):
            verify_bom(model, path)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)  # fmt: skip


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(junk=_json, where=st.sampled_from(["doc", "graph", "pkg", "hash"]))
def test_arbitrary_json_is_a_list_of_problems_never_a_crash(
    good: tuple[Path, dict[str, Any]], junk: Any, where: str
) -> None:  # fmt: skip
    doc = copy.deepcopy(good[1])
    if where == "doc":
        doc = junk
    elif where == "graph":
        doc["@graph"].append(junk)
    elif where == "pkg":
        assume(junk is not None and not isinstance(junk, str))  # a string name is valid
        _pkg(doc)["name"] = junk
    else:
        _pkg(doc)["verifiedUsing"][0] = junk
    assert check_spdx(doc), "a mutated document must not pass"
