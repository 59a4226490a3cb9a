"""Model signatures: OpenSSF Model Signing v1.0 bundles, extended with tensor digests.

The statement is exactly OMS v1.0 (predicate type ``https://model_signing/signature/v1.0``,
``serialization`` + ``resources``, subject digest = sha256 over the resource digests), so
``model_signing verify key`` accepts our bundles. OMS v1.0 verifiers ignore predicate fields
they do not know (model_signing ``signing.Payload`` docstring), which is where the tensor
digests go::

    "predicate": {
      "serialization": {...}, "resources": [...],
      "detente": {"version": 1, "tensor_digest": "sha256:…",
                  "tensors": [{"name", "dtype", "shape", "digest": "sha256:…", "file"}]}
    }

Because the whole statement is signed, the tensor list is as trustworthy as the file list.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.attest._certificate import CertificatePolicy, CertificateSigner
from detente.attest._envelope import Statement, Subject, sign_statement, verify_bundle
from detente.attest._keys import SigningKey, VerifyingKey
from detente.errors import BundleFormatError, FormatError, PayloadTypeError
from detente.integrity import (
    DigestCache,
    IntegrityResult,
    Manifest,
    Resource,
    Serialization,
    TensorRecord,
    build_manifest,
    check_model,
    tensor_set_digest,
)

__all__ = [
    "OMS_PREDICATE_TYPE",
    "ModelVerification",
    "manifest_from_statement",
    "model_statement",
    "sign_model",
    "verify_model",
]

OMS_PREDICATE_TYPE = "https://model_signing/signature/v1.0"
OMS_PREDICATE_TYPE_V02 = "https://model_signing/Digests/v0.1"
EXTENSION_KEY = "detente"
EXTENSION_VERSION = 1


def model_statement(manifest: Manifest) -> Statement:
    predicate: dict[str, Any] = {
        "serialization": manifest.serialization.to_oms(),
        "resources": [
            {"name": r.name, "algorithm": r.algorithm, "digest": r.digest.hex()}
            for r in manifest.resources
        ],
    }
    if manifest.tensors is not None:
        predicate[EXTENSION_KEY] = {
            "version": EXTENSION_VERSION,
            "tensor_digest": manifest.tensor_digest,
            "tensors": [t.to_dict() for t in manifest.tensors],
        }
    root = manifest.root_digest.split(":", 1)[1]
    return Statement(
        (Subject(manifest.model_name, {"sha256": root}),), OMS_PREDICATE_TYPE, predicate
    )


def sign_model(
    path: str | Path,
    key: SigningKey,
    *,
    algorithm: str = "sha256",
    method: str = "files",
    shard_size: int = 1_000_000_000,
    tensors: bool = True,
    ignore_paths: Iterable[str] = (),
    on_bytes: Callable[[int], None] | None = None,
) -> tuple[dict[str, Any], Manifest]:
    """Hash and sign the model at ``path``; returns (bundle, manifest)."""
    manifest = build_manifest(
        path,
        algorithm=algorithm,
        method=method,
        shard_size=shard_size,
        tensors=tensors,
        ignore_paths=ignore_paths,
        on_bytes=on_bytes,
    )
    return sign_statement(model_statement(manifest), key), manifest


def manifest_from_statement(statement: Statement) -> Manifest:
    """Rebuild the signed manifest from an OMS statement, checking its internal consistency."""
    if statement.predicate_type == OMS_PREDICATE_TYPE_V02:
        return _manifest_v02(statement)
    if statement.predicate_type != OMS_PREDICATE_TYPE:
        raise PayloadTypeError(
            f"not a model signature: predicateType is {statement.predicate_type!r} "
            f"(expected {OMS_PREDICATE_TYPE!r}); use `detente attest verify` for other "
            "attestations"
        )
    if len(statement.subjects) != 1:
        raise BundleFormatError(f"expected one subject, found {len(statement.subjects)}")
    subject = statement.subjects[0]
    pred = statement.predicate
    try:
        ser = Serialization.from_oms(pred["serialization"])
        raw_resources = pred["resources"]
        if not isinstance(raw_resources, list):
            raise TypeError("resources")
        resources = []
        for r in raw_resources:
            algo = str(r["algorithm"])
            if algo != ser.resource_algorithm:
                raise FormatError(
                    f"resource {r.get('name')!r} uses {algo}, the serialization implies "
                    f"{ser.resource_algorithm}"
                )
            resources.append(Resource(str(r["name"]), algo, bytes.fromhex(str(r["digest"]))))
    except (KeyError, TypeError, ValueError) as exc:
        raise BundleFormatError(f"malformed OMS predicate: {exc!r}") from None
    except FormatError as exc:
        raise BundleFormatError(f"malformed OMS predicate: {exc.problem}") from None
    names = [r.name for r in resources]
    if len(set(names)) != len(names):
        raise BundleFormatError("OMS predicate lists a resource twice")
    # The subject digest is over the resources *in the order listed* (model_signing
    # ``dsse_payload_to_manifest``); check it before re-sorting.
    h = hashlib.sha256()
    for r in resources:
        h.update(r.digest)
    expected_root = subject.digest.get("sha256", "")
    if not hmac.compare_digest(h.hexdigest().encode(), expected_root.encode()):
        raise BundleFormatError(
            "inconsistent signature: the subject digest does not match the listed resources"
        )
    tensors: tuple[TensorRecord, ...] | None = None
    ext = pred.get(EXTENSION_KEY)
    if ext is not None:
        if not isinstance(ext, dict) or ext.get("version") != EXTENSION_VERSION:
            raise BundleFormatError("unsupported detente tensor extension in the predicate")
        raw = ext.get("tensors")
        if not isinstance(raw, list):
            raise BundleFormatError("detente tensor extension has no tensor list")
        try:
            tensors = tuple(TensorRecord.from_dict(t) for t in raw)
        except FormatError as exc:
            raise BundleFormatError(exc.problem) from None
        if tensor_set_digest(tensors) != ext.get("tensor_digest"):
            raise BundleFormatError("inconsistent signature: tensor_digest does not match tensors")
    # Keep the signed order: the subject digest (root_digest) is defined over it.
    return Manifest(subject.name, ser, tuple(resources), tensors)


def _manifest_v02(statement: Statement) -> Manifest:
    """model_signing v0.2 (predicate ``Digests/v0.1``): one subject per file, sha256, nothing
    else; model_signing 1.x still verifies these (``dsse_payload_to_manifest_compat``), and so
    do we. There is no root digest to check: the subjects *are* the manifest."""
    resources = []
    for s in statement.subjects:
        digest = s.digest.get("sha256")
        if not s.name or digest is None or len(digest) != 64:
            raise BundleFormatError(f"malformed v0.2 subject {s.name!r}: needs a sha256 digest")
        try:
            resources.append(Resource(s.name, "sha256", bytes.fromhex(digest)))
        except ValueError:
            raise BundleFormatError(f"v0.2 subject {s.name!r}: digest is not hex") from None
    if len({r.name for r in resources}) != len(resources):
        raise BundleFormatError("v0.2 signature lists a file twice")
    return Manifest("compat-undefined-not-present", Serialization(), tuple(resources), None)


@dataclass(frozen=True)
class ModelVerification:
    """The outcome of verifying a model: who signed, what was signed, what differs."""

    signer: str  # key id of the verifying key (for a certificate: kind:identity)
    statement: Statement
    manifest: Manifest
    result: IntegrityResult
    certificate: CertificateSigner | None = None  # set for certificate and keyless bundles

    @property
    def ok(self) -> bool:
        return self.result.ok

    def to_dict(self) -> dict[str, Any]:
        out = self.result.to_dict()
        out.update(
            {
                "signature": "valid",
                "signer_key_id": self.signer,
                "model_name": self.manifest.model_name,
                "root_digest": self.manifest.root_digest,
                "tensor_digest": self.manifest.tensor_digest,
                "serialization": self.manifest.serialization.to_oms(),
            }
        )
        if self.certificate is not None:
            out["signer_certificate"] = self.certificate.to_dict()
        return out


def verify_model(
    path: str | Path,
    bundle: dict[str, Any] | bytes | str,
    key: VerifyingKey | CertificatePolicy,
    *,
    signature_path: str | Path | None = None,
    only: Iterable[str] | None = None,
    cache: DigestCache | None = None,
    on_bytes: Callable[[int], None] | None = None,
    ignore: Iterable[str] = (),
) -> ModelVerification:
    """Verify the bundle's signature, then the model's files (and tensors) against it.

    ``ignore``: model-relative paths left out of the comparison, for signatures made with
    ignored paths that the bundle does not record (model_signing ``--ignore-paths``).

    ``key``: the signer's public key, or a :class:`CertificatePolicy` (a trust root and the
    identity the signing certificate must carry) for certificate and keyless bundles.

    Raises on a bad signature (:class:`SignatureError` and friends); returns a result whose
    ``ok`` is False when the signature is good but the model differs.
    """
    cert: CertificateSigner | None = None
    if isinstance(key, CertificatePolicy):
        statement, cert = key.verify_bundle(bundle)
        signer = cert.key_id
    else:
        statement, signer = verify_bundle(bundle, key), key.key_id
    manifest = manifest_from_statement(statement)
    extra: list[str] = list(ignore)
    if signature_path is not None:
        root = Path(path)
        sig = Path(signature_path).resolve()
        if root.is_dir() and sig.is_relative_to(root.resolve()):
            extra.append(sig.relative_to(root.resolve()).as_posix())
    result = check_model(
        path, manifest, extra_ignores=extra, only=only, cache=cache, on_bytes=on_bytes
    )
    return ModelVerification(signer, statement, manifest, result, cert)
