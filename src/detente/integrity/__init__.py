"""Hashing models into manifests of files and tensors, checking and diffing them.

Example::

    from detente.integrity import build_manifest
    m = build_manifest("path/to/model")          # files + tensor digests, sha256
    print(m.root_digest, m.tensor_digest)        # OMS subject digest; sharding-independent
"""

from detente.integrity._cache import DigestCache, default_cache_path
from detente.integrity._check import FileChange, IntegrityResult, TensorChange, check_model
from detente.integrity._diff import DiffResult, LayerSummary, TensorDelta, diff_models
from detente.integrity._hashing import ALGORITHMS, file_digest, hash_range, hash_ranges_of_file
from detente.integrity._manifest import (
    DEFAULT_SHARD_SIZE,
    Manifest,
    Resource,
    Serialization,
    TensorRecord,
    build_manifest,
    canonical_json,
    check_unique_names,
    format_digest,
    parse_digest,
    sorted_resources,
    tensor_set_digest,
)

__all__ = [
    "ALGORITHMS",
    "DEFAULT_SHARD_SIZE",
    "DiffResult",
    "DigestCache",
    "FileChange",
    "IntegrityResult",
    "LayerSummary",
    "Manifest",
    "Resource",
    "Serialization",
    "TensorChange",
    "TensorDelta",
    "TensorRecord",
    "build_manifest",
    "canonical_json",
    "check_model",
    "check_unique_names",
    "default_cache_path",
    "diff_models",
    "file_digest",
    "format_digest",
    "hash_range",
    "hash_ranges_of_file",
    "parse_digest",
    "sorted_resources",
    "tensor_set_digest",
]
