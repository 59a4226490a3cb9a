"""Signing keys: EC P-256/P-384/P-521 (ECDSA, what OMS ``sign key`` uses) and Ed25519.

Private keys are written PEM PKCS#8, mode 0600 from the moment the file exists (created with
``os.open(..., 0o600)``, never chmod-ed afterwards), optionally passphrase-encrypted.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from detente.errors import InputError, KeyError_, SignatureError, UsageError

__all__ = [
    "KEY_TYPES",
    "SigningKey",
    "VerifyingKey",
    "generate_key",
    "load_private_key",
    "load_public_key",
    "write_key_pair",
]

KEY_TYPES = ("ec-p256", "ed25519")
PrivateKey = ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey
PublicKey = ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
_EC_HASH: dict[int, type[hashes.SHA256 | hashes.SHA384 | hashes.SHA512]] = {
    256: hashes.SHA256,
    384: hashes.SHA384,
    521: hashes.SHA512,
}  # the curve's size picks the hash, as model_signing ``get_ec_key_hash`` does


@dataclass(frozen=True, eq=False)
class VerifyingKey:
    key: PublicKey

    def pem(self) -> bytes:
        return self.key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def der(self) -> bytes:
        return self.key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @property
    def key_id(self) -> str:
        """``sha256:<hex>`` of the DER SubjectPublicKeyInfo: our stable key identifier."""
        return "sha256:" + hashlib.sha256(self.der()).hexdigest()

    @property
    def oms_hint(self) -> str:
        """model_signing's ``publicKey.hint``: sha256 hex of the PEM SubjectPublicKeyInfo."""
        return hashlib.sha256(self.pem()).hexdigest()

    @property
    def kind(self) -> str:
        if isinstance(self.key, ed25519.Ed25519PublicKey):
            return "ed25519"
        return f"ec-{self.key.curve.name}"

    def verify(self, signature: bytes, data: bytes) -> None:
        """Raise :class:`SignatureError` unless ``signature`` is valid over ``data``."""
        try:
            if isinstance(self.key, ed25519.Ed25519PublicKey):
                self.key.verify(signature, data)
            else:
                self.key.verify(signature, data, ec.ECDSA(_EC_HASH[self.key.curve.key_size]()))
        except InvalidSignature:
            raise SignatureError("signature does not verify with the given public key") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VerifyingKey) and self.der() == other.der()

    def __hash__(self) -> int:
        return hash(self.der())


@dataclass(frozen=True, eq=False)
class SigningKey:
    key: PrivateKey

    def public_key(self) -> VerifyingKey:
        return VerifyingKey(self.key.public_key())

    def sign(self, data: bytes) -> bytes:
        if isinstance(self.key, ed25519.Ed25519PrivateKey):
            return self.key.sign(data)
        return self.key.sign(data, ec.ECDSA(_EC_HASH[self.key.curve.key_size]()))

    def private_pem(self, passphrase: bytes | None = None) -> bytes:
        enc: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(passphrase)
            if passphrase
            else serialization.NoEncryption()
        )
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc
        )


def generate_key(kind: str = "ec-p256") -> SigningKey:
    if kind == "ec-p256":
        return SigningKey(ec.generate_private_key(ec.SECP256R1()))
    if kind == "ed25519":
        return SigningKey(ed25519.Ed25519PrivateKey.generate())
    raise UsageError(f"unknown key type {kind!r} (expected one of {', '.join(KEY_TYPES)})")


def _check_supported(key: object, path: str | Path) -> None:
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey):
        if key.curve.key_size not in _EC_HASH or key.curve.name not in (
            "secp256r1",
            "secp384r1",
            "secp521r1",
        ):
            raise KeyError_(f"unsupported elliptic curve {key.curve.name}", path)
        return
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return
    raise KeyError_(
        f"unsupported key type {type(key).__name__} (EC P-256/384/521 or Ed25519)", path
    )


def _read(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("key file not found", path) from None
    except OSError as exc:
        raise InputError(f"cannot read key: {exc.strerror}", path) from None


def load_private_key(path: str | Path, passphrase: bytes | None = None) -> SigningKey:
    data = _read(path)
    try:
        key = serialization.load_pem_private_key(data, passphrase)
    except TypeError as exc:
        msg = "key is encrypted: a passphrase is needed" if passphrase is None else str(exc)
        raise KeyError_(msg, path) from None
    except ValueError as exc:
        if b"PUBLIC KEY" in data:
            raise KeyError_("this is a public key; signing needs the private key", path) from None
        detail = "wrong passphrase or " if passphrase else ""
        raise KeyError_(f"{detail}not a PEM private key ({exc})", path) from None
    except UnsupportedAlgorithm as exc:
        raise KeyError_(f"unsupported key algorithm: {exc}", path) from None
    _check_supported(key, path)
    assert isinstance(key, ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey)
    return SigningKey(key)


def load_public_key(source: str | Path | bytes) -> VerifyingKey:
    """Load a PEM public key from a path or from PEM bytes. A private key is accepted too."""
    where: str | Path = "<bytes>" if isinstance(source, bytes) else source
    data = source if isinstance(source, bytes) else _read(source)
    try:
        key: object = serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        if b"PRIVATE KEY" in data and b"ENCRYPTED" not in data:
            try:
                key = serialization.load_pem_private_key(data, None).public_key()
            except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
                raise KeyError_(f"not a PEM key: {exc}", where) from None
        else:
            raise KeyError_("not a PEM public key", where) from None
    _check_supported(key, where)
    assert isinstance(key, ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey)
    return VerifyingKey(key)


def _write_new(path: Path, data: bytes, mode: int, overwrite: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if overwrite else os.O_EXCL)
    try:
        fd = os.open(path, flags, mode)
    except FileExistsError:
        raise InputError("refusing to overwrite an existing key file", path) from None
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", path) from None
    with os.fdopen(fd, "wb") as fh:
        if overwrite:
            os.fchmod(fh.fileno(), mode)
        fh.write(data)


def write_key_pair(
    key: SigningKey,
    out_dir: str | Path,
    *,
    name: str = "detente",
    passphrase: bytes | None = None,
    overwrite: bool = False,
) -> tuple[Path, Path]:
    """Write ``<name>.key`` (0600) and ``<name>.pub`` into ``out_dir``; return their paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    priv, pub = out / f"{name}.key", out / f"{name}.pub"
    _write_new(priv, key.private_pem(passphrase), 0o600, overwrite)
    _write_new(pub, key.public_key().pem(), 0o644, overwrite)
    return priv, pub
