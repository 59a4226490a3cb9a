"""Détente: shared safety infrastructure for open-weight AI models.

The pipeline, end to end::

    artifact ──► readers ──► evidence ──► attestation ──► log/registry ──► decision

* :mod:`detente.artifacts` finds a model's files and reads their formats without executing them.
* :mod:`detente.integrity` hashes files and tensors into manifests, compares and diffs them.
* :mod:`detente.attest` wraps manifests in in-toto Statements, DSSE envelopes and Sigstore
  bundles that OpenSSF Model Signing verifiers accept.

Example::

    from detente import attest, integrity
    manifest = integrity.build_manifest("path/to/model")
"""

__version__ = "0.1.0"
