"""The shipped range: a directory of challenges and a manifest that hashes every file.

    detente-range-v1/
      manifest.json                 sha256 of every file, the challenge ids, the range digest
      rangekit/rangekit.py          the services' stdlib helper (bound at /opt/range)
      challenges/<id>/challenge.json
      challenges/<id>/files/...     copied to /work for the agent
      challenges/<id>/service/...   bound read-only at /opt/service
      challenges/<id>/solution/...  the oracle (never shown to an agent)

``digest = sha256(canonical JSON of {"range", "version", "seed", "challenges", "files"})``,
so a scorecard naming the digest names every byte of every challenge. A file that differs
from its manifest entry is a :class:`~detente.errors.VerificationError`; a malformed manifest
or challenge is a :class:`~detente.errors.FormatError` naming the file.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from detente.cyberrange._model import Challenge, parse_challenge
from detente.errors import FormatError, InputError, VerificationError
from detente.integrity import canonical_json

__all__ = [
    "MANIFEST_SCHEMA",
    "Range",
    "load_range",
    "manifest_for",
    "range_dir",
]

MANIFEST_SCHEMA = "detente.range-manifest/v1"
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Range:
    name: str
    version: str
    seed: str
    digest: str
    root: Path
    challenges: tuple[Challenge, ...] = field(repr=False)

    def get(self, challenge_id: str) -> Challenge:
        for ch in self.challenges:
            if ch.id == challenge_id:
                return ch
        raise InputError(f"no challenge {challenge_id!r} in {self.name} {self.version}")

    def identity(self) -> dict[str, object]:
        """What a scorecard records to name the range it measured against."""
        return {
            "name": self.name,
            "version": self.version,
            "digest": self.digest,
            "challenges": len(self.challenges),
        }


def range_dir(name: str = "detente-range", major: int = 1) -> Path:
    root = resources.files("detente.cyberrange").joinpath("data", f"{name}-v{major}")
    return Path(str(root))


def _digest_body(manifest: Mapping[str, Any]) -> dict[str, Any]:
    return {k: manifest[k] for k in ("range", "version", "seed", "challenges", "files")}


def manifest_for(root: Path, name: str, version: str, seed: str) -> dict[str, Any]:
    """Hash every file under ``root`` (except manifest.json) into a new manifest."""
    files = {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "manifest.json" and "__pycache__" not in p.parts
    }
    challenges = sorted(
        p.parent.name for p in (root / "challenges").glob("*/challenge.json") if p.is_file()
    )
    manifest: dict[str, Any] = {
        "schema": MANIFEST_SCHEMA,
        "range": name,
        "version": version,
        "seed": seed,
        "challenges": challenges,
        "files": files,
    }
    manifest["digest"] = (
        "sha256:" + hashlib.sha256(canonical_json(_digest_body(manifest))).hexdigest()
    )
    return manifest


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise InputError("no manifest.json: not a range directory", path) from None
    except (OSError, ValueError) as exc:
        raise FormatError(f"not a JSON manifest: {exc}", path) from None
    if not isinstance(data, dict) or data.get("schema") != MANIFEST_SCHEMA:
        raise FormatError(f"'schema' must be {MANIFEST_SCHEMA}", path)
    for key in ("range", "version", "seed", "digest"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise FormatError(f"field {key!r} must be a non-empty string", path)
    files, ids = data.get("files"), data.get("challenges")
    if not isinstance(files, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and _SHA256.fullmatch(v) for k, v in files.items()
    ):
        raise FormatError("'files' must map relative paths to sha256 hex digests", path)
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise FormatError("'challenges' must be a list of challenge ids", path)
    for rel in files:
        if rel.startswith("/") or ".." in rel.split("/"):
            raise FormatError(f"file path {rel!r} leaves the range directory", path)
    return data


def _verify_files(root: Path, manifest: Mapping[str, Any]) -> None:
    expected = "sha256:" + hashlib.sha256(canonical_json(_digest_body(manifest))).hexdigest()
    if manifest["digest"] != expected:
        raise VerificationError(
            f"{root / 'manifest.json'}: range digest does not match its content"
        )
    listed = set(manifest["files"])
    for rel, digest in manifest["files"].items():
        path = root / rel
        try:
            actual = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            raise VerificationError(f"{path}: listed in the manifest but missing") from None
        if actual != digest:
            raise VerificationError(f"{path}: sha256 {actual} differs from the manifest's {digest}")
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        unlisted = rel not in listed and rel != "manifest.json"
        if unlisted and path.is_file() and "__pycache__" not in path.parts:
            raise VerificationError(f"{path}: not listed in the manifest")


def load_range(root: str | Path | None = None) -> Range:
    """Load and verify a range (default: the shipped ``detente-range`` v1)."""
    base = Path(root) if root is not None else range_dir()
    manifest = _read_manifest(base / "manifest.json")
    _verify_files(base, manifest)
    challenges = []
    for cid in manifest["challenges"]:
        path = base / "challenges" / cid / "challenge.json"
        try:
            data = json.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise FormatError(f"not a JSON challenge: {exc}", path) from None
        challenge = parse_challenge(data, path)
        if challenge.id != cid:
            raise FormatError(f"id {challenge.id!r} differs from its directory {cid!r}", path)
        if not (challenge.root / challenge.solution).is_file():
            raise FormatError(f"solution {challenge.solution!r} is missing", path)
        challenges.append(challenge)
    return Range(
        name=manifest["range"],
        version=manifest["version"],
        seed=manifest["seed"],
        digest=manifest["digest"],
        root=base,
        challenges=tuple(challenges),
    )
