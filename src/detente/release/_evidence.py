"""The evidence directory a release writes beside the model (``MODEL.release/``).

Layout::

    release.json            summary: model digest, standard, verdict, registry entries
    signature.sig           OMS v1.0 model signature (Sigstore bundle)
    scan.intoto.json        scan attestation          (https://detente.dev/scan/v1)
    scorecard.intoto.json   scorecard attestation     (https://detente.dev/scorecard/v1)
    gate.intoto.json        gate decision attestation (https://detente.dev/gate/v1)
    scan-report.json        the scan report itself (also inside its attestation)
    eval/                   scorecard.json/.md/.html and the inspect logs

Every signed file is a Sigstore bundle v0.3 any OMS/DSSE verifier can parse; nothing in the
directory is trusted for being there -- consumers verify each bundle against their own keys.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from detente.errors import InputError

if TYPE_CHECKING:
    from detente.registry import RegistryClient

__all__ = ["EVIDENCE_FILES", "EvidenceDir", "LoggedEvidence", "default_evidence_dir"]

EVIDENCE_FILES = {
    "signature": "signature.sig",
    "scan": "scan.intoto.json",
    "scorecard": "scorecard.intoto.json",
    "gate": "gate.intoto.json",
}
MAX_BUNDLE_BYTES = 64 << 20


def default_evidence_dir(model: Path) -> Path:
    model = Path(os.path.abspath(model))
    return model.parent / f"{model.name}.release"


class EvidenceDir:
    def __init__(self, path: Path) -> None:
        self.path = path

    def file(self, kind: str) -> Path:
        return self.path / EVIDENCE_FILES[kind]

    def bundle(self, kind: str) -> dict[str, Any] | None:
        """The bundle of ``kind`` as parsed JSON, or None when absent."""
        p = self.file(kind)
        if not p.exists():
            return None
        try:
            if p.stat().st_size > MAX_BUNDLE_BYTES:
                raise InputError(f"larger than {MAX_BUNDLE_BYTES >> 20} MiB", p)
            data = json.loads(p.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise InputError(f"unreadable evidence: {exc}", p) from None
        if not isinstance(data, dict):
            raise InputError("a bundle must be a JSON object", p)
        return data

    def candidates(self, kind: str) -> list[dict[str, Any]]:
        bundle = self.bundle(kind)
        return [] if bundle is None else [bundle]

    @property
    def where(self) -> str:
        return str(self.path)

    def write_bundle(self, kind: str, bundle: dict[str, Any]) -> Path:
        return self.write_json(EVIDENCE_FILES[kind], bundle)

    def write_json(self, name: str, obj: Any) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        p = self.path / name
        tmp = p.with_name(p.name + ".tmp")
        tmp.write_text(
            json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n", "utf-8"
        )
        tmp.replace(p)
        return p


class LoggedEvidence:
    """The evidence the transparency log holds for a model digest: every entry whose subject
    is the digest, its inclusion in a verified checkpoint checked by the client. Anyone can
    append an attestation about any digest, so a kind may have several candidates (newest
    first); the consumer keeps the first one a trusted key verifies."""

    def __init__(self, client: RegistryClient, digest: str) -> None:
        from detente.attest import EVIDENCE_KINDS

        self.where = f"the transparency log ({getattr(client, 'url', 'registry')})"
        self._bundles: dict[str, list[dict[str, Any]]] = {}
        cp = client.checkpoint()
        for index in sorted((i for i in client.lookup(digest=digest) if i < cp.size), reverse=True):
            statement, entry = client.verified_statement(index, cp)
            kind = EVIDENCE_KINDS.get(statement.predicate_type)
            if kind is not None:
                self._bundles.setdefault(kind, []).append(entry["bundle"])

    def bundle(self, kind: str) -> dict[str, Any] | None:
        found = self._bundles.get(kind)
        return found[0] if found else None

    def candidates(self, kind: str) -> list[dict[str, Any]]:
        return list(self._bundles.get(kind, []))
