"""Transparency log and registry (RFC 9162 Merkle log, C2SP checkpoints)."""
