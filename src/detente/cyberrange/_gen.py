"""Deterministic generation of the range: ``build_range(seed, out)``.

Every challenge comes from a family function given a seeded RNG, its flag and a port; the same
seed gives byte-identical files (and so the same range digest). A new seed gives new flags,
keys and ports: a fresh copy for a model that may have seen the shipped one. The generator
refuses a challenge whose flag appears in plain text in its prompt, files or service code.

    python scripts/gen_range.py            # regenerates the shipped detente-range v1
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from detente.cyberrange._model import CHALLENGE_SCHEMA
from detente.cyberrange._range import manifest_for, range_dir

__all__ = ["SHIPPED_SEED", "Ctx", "Spec", "build_range", "flag_for"]

FLAG_ANSWER = "<flag>"  # the last subtask's answer: checked against the flag's digest

SHIPPED_SEED = "detente-range-v1"
RANGE_NAME = "detente-range"
RANGE_VERSION = "1.0.0"

# ``rangekit``: the small stdlib library every challenge service imports inside the sandbox. Its
# one source is the shipped copy (runs under the sandbox's system python3, never imported by
# Détente); read at import so regenerating the shipped range in place keeps it.
RANGEKIT = (range_dir() / "rangekit" / "rangekit.py").read_text("utf-8")

# Every service module starts with this: the kit, then its secrets from stdin.
SERVICE_HEAD = (
    'import sys\nsys.path.insert(0, "/opt/range")\nimport rangekit\n\n'
    'SECRETS = rangekit.load_secrets()\nFLAG = SECRETS["FLAG"]\n'
)


@dataclass
class Ctx:
    rng: random.Random
    flag: str
    port: int

    def hexword(self, n: int = 8) -> str:
        return "".join(self.rng.choice("0123456789abcdef") for _ in range(n))

    def word(self, choices: tuple[str, ...]) -> str:
        return self.rng.choice(choices)


@dataclass
class Spec:
    id: str
    title: str
    category: str
    difficulty: str
    tactic: str
    technique: str
    cwe: str | None
    prompt: str
    subtasks: list[tuple[str, str]]
    solve: str
    files: Mapping[str, bytes | str] = field(default_factory=dict)
    service: str | None = None  # app.py, after SERVICE_HEAD
    service_files: Mapping[str, bytes | str] = field(default_factory=dict)
    port: int | None = None
    secrets: dict[str, str] = field(default_factory=dict)
    timeout: int = 120


Family = Callable[[Ctx], Spec]


def flag_for(seed: str, challenge_id: str) -> str:
    mac = hmac.new(seed.encode(), challenge_id.encode(), hashlib.sha256).hexdigest()
    return "detente{" + mac[:24] + "}"


def _families() -> list[tuple[str, Family]]:
    from detente.cyberrange import (
        _fam_crypto,
        _fam_forensics,
        _fam_privesc,
        _fam_recon,
        _fam_rev,
        _fam_vuln,
        _fam_web,
    )

    out: list[tuple[str, Family]] = []
    for module in (_fam_recon, _fam_web, _fam_crypto, _fam_rev, _fam_forensics, _fam_privesc,
                   _fam_vuln):  # fmt: skip
        out.extend(module.FAMILIES)
    return out


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode() if isinstance(data, str) else data


def _check_secret(spec: Spec, flag: str) -> None:
    texts: dict[str, bytes] = {"prompt": spec.prompt.encode()}
    texts.update({f"files/{k}": _as_bytes(v) for k, v in spec.files.items()})
    texts.update({f"service/{k}": _as_bytes(v) for k, v in spec.service_files.items()})
    if spec.service:
        texts["service/app.py"] = spec.service.encode()
    for q, a in spec.subtasks:
        texts[f"subtask {q!r}"] = (q + a).encode()
    inner = flag[len("detente{") : -1].encode()
    for where, data in texts.items():
        if inner in data:
            raise AssertionError(f"{spec.id}: the flag appears in plain text in {where}")


def _write(root: Path, rel: str, data: bytes | str, mode: int = 0o644) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_as_bytes(data))
    path.chmod(mode)


def _challenge_json(spec: Spec, flag: str, seed: str) -> dict[str, object]:
    services = []
    if spec.service is not None:
        assert spec.port is not None, spec.id
        services.append({
            "name": "app",
            "argv": ["python3", "/opt/service/app.py"],
            "port": spec.port,
            "secrets": {"FLAG": flag, **spec.secrets},
        })  # fmt: skip
    subtasks = [{"question": q, "answer": a} for q, a in spec.subtasks]
    subtasks.append({"question": "What is the flag?", "answer": FLAG_ANSWER})
    return {
        "schema": CHALLENGE_SCHEMA,
        "id": spec.id,
        "title": spec.title,
        "category": spec.category,
        "difficulty": spec.difficulty,
        "tactic": spec.tactic,
        "technique": spec.technique,
        "cwe": spec.cwe,
        "prompt": spec.prompt,
        "subtasks": subtasks,
        "flag_sha256": hashlib.sha256(flag.encode()).hexdigest(),
        "services": services,
        "solution": "solution/solve.py",
        "timeout": spec.timeout,
    }


def build_range(seed: str, out: Path) -> dict[str, object]:
    """Generate every challenge into ``out`` (replaced) and return its manifest."""
    if out.exists():
        shutil.rmtree(out)
    _write(out, "rangekit/rangekit.py", RANGEKIT)
    seen: set[str] = set()
    for cid, family in _families():
        if cid in seen:
            raise AssertionError(f"duplicate challenge id {cid}")
        seen.add(cid)
        rng = random.Random(f"{seed}/{cid}")  # noqa: S311 - reproducible content, not secrets
        flag = flag_for(seed, cid)
        spec = family(Ctx(rng=rng, flag=flag, port=8000 + rng.randrange(1000)))
        if spec.id != cid:
            raise AssertionError(f"family {cid} produced {spec.id}")
        _check_secret(spec, flag)
        base = out / "challenges" / cid
        for rel, data in spec.files.items():
            _write(base / "files", rel, data)
        if spec.service is not None:
            _write(base / "service", "app.py", SERVICE_HEAD + spec.service)
        for rel, data in spec.service_files.items():
            _write(base / "service", rel, data)
        _write(base, "solution/solve.py", spec.solve)
        text = json.dumps(_challenge_json(spec, flag, seed), indent=2, sort_keys=True)
        _write(base, "challenge.json", text + "\n")
    manifest = manifest_for(out, RANGE_NAME, RANGE_VERSION, seed)
    _write(out, "manifest.json", json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest
