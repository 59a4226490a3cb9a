"""Incident sharing: STIX 2.1 export/import and a TAXII 2.1 server."""

from detente.incidents._taxii import taxii_app, taxii_app_from_env
from detente.incidents._taxii_auth import TaxiiConfig, hash_taxii_password, load_taxii_config

__all__ = [
    "TaxiiConfig",
    "hash_taxii_password",
    "load_taxii_config",
    "taxii_app",
    "taxii_app_from_env",
]
