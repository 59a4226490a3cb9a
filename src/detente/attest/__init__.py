"""Attestations: in-toto Statements in DSSE envelopes in Sigstore bundles, and model signatures.

Example::

    from detente import attest
    key = attest.generate_key("ec-p256")
    bundle = attest.sign_model("path/to/model", key)          # OMS v1.0 bundle (+ tensors)
    result = attest.verify_model("path/to/model", bundle, key.public_key())
    assert result.ok, result.summary()

Certificate and Sigstore keyless bundles verify offline against a trust root file::

    policy = attest.CertificatePolicy(attest.load_trust_root("ca.pem"), identity="CN=bot")
    result = attest.verify_model("path/to/model", bundle, policy)
"""

from detente.attest._certificate import (
    CertificatePolicy,
    CertificateSigner,
    TrustRoot,
    load_trust_root,
)
from detente.attest._envelope import (
    BUNDLE_MEDIA_TYPE,
    INTOTO_PAYLOAD_TYPE,
    STATEMENT_TYPE,
    Statement,
    Subject,
    pae,
    parse_bundle,
    sign_statement,
    verify_bundle,
)
from detente.attest._evidence import (
    EVIDENCE_KINDS,
    EVIDENCE_TYPES,
    VerifiedAttestation,
    evidence_statement,
    payload_digest,
    verify_attestation,
)
from detente.attest._keys import (
    KEY_TYPES,
    SigningKey,
    VerifyingKey,
    generate_key,
    load_private_key,
    load_public_key,
    write_key_pair,
)
from detente.attest._model import (
    OMS_PREDICATE_TYPE,
    manifest_from_statement,
    model_statement,
    sign_model,
    verify_model,
)

__all__ = [
    "BUNDLE_MEDIA_TYPE",
    "EVIDENCE_KINDS",
    "EVIDENCE_TYPES",
    "INTOTO_PAYLOAD_TYPE",
    "KEY_TYPES",
    "OMS_PREDICATE_TYPE",
    "STATEMENT_TYPE",
    "CertificatePolicy",
    "CertificateSigner",
    "SigningKey",
    "Statement",
    "Subject",
    "TrustRoot",
    "VerifiedAttestation",
    "VerifyingKey",
    "evidence_statement",
    "generate_key",
    "load_private_key",
    "load_public_key",
    "load_trust_root",
    "manifest_from_statement",
    "model_statement",
    "pae",
    "parse_bundle",
    "payload_digest",
    "sign_model",
    "sign_statement",
    "verify_attestation",
    "verify_bundle",
    "verify_model",
    "write_key_pair",
]
