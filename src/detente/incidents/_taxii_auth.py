"""Who may use the TAXII server: users, hashed passwords, per-collection permissions.

The configuration is one TOML file (``--taxii-users FILE``)::

    title = "Détente incident sharing"       # optional
    api_root = "detente"                       # optional, the API root's path segment

    [[collections]]
    id = "3c1e8a5e-6f4e-4f3a-9d2b-6b1f4a2c9e10"
    title = "AI incidents"
    alias = "incidents"                        # optional

    [users.lab-a]
    password = "scrypt:16384:8:1$<salt>$<key>"  # from hash_taxii_password(), never plaintext
    identities = ["identity--…", "Lab A"]      # names a TLP:RED object may list as recipients
    read = ["incidents"]                       # collection ids or aliases, or "*"
    write = ["incidents"]

Passwords are stored only as scrypt hashes (RFC 7914) and compared with
:func:`hmac.compare_digest`; a plaintext password in the file is refused. Access decisions are
pure functions over these values (:func:`may`), tested exhaustively.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from detente.errors import FormatError, InputError

__all__ = [
    "Collection",
    "TaxiiConfig",
    "TaxiiUser",
    "hash_taxii_password",
    "load_taxii_config",
    "may",
    "verify_password",
]

# scrypt cost: N=2^14, r=8, p=1 is the interactive-login setting RFC 7914 §2 and OWASP cite.
_N, _R, _P = 1 << 14, 8, 1
_HASH_RE = re.compile(r"^scrypt:(\d+):(\d+):(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$")
_NAME_RE = re.compile(r"^[A-Za-z0-9._~-]{1,128}$")

Action = Literal["read", "write"]


def hash_taxii_password(password: str, *, salt: bytes | None = None) -> str:
    """The scrypt hash to put in the users file for ``password``."""
    salt = salt or secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt:{_N}:{_R}:{_P}${b64(salt).decode()}${b64(key).decode()}"


def verify_password(stored: str, password: str) -> bool:
    """True when ``password`` matches the stored scrypt hash (constant-time comparison)."""
    m = _HASH_RE.match(stored)
    if not m:
        return False
    n, r, p = (int(m.group(i)) for i in (1, 2, 3))
    salt, want = base64.b64decode(m.group(4)), base64.b64decode(m.group(5))
    got = hashlib.scrypt(
        password.encode(), salt=salt, n=n, r=r, p=p, dklen=len(want), maxmem=256 << 20
    )
    return hmac.compare_digest(got, want)


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str | None = None
    alias: str | None = None


@dataclass(frozen=True)
class TaxiiUser:
    name: str
    password_hash: str
    identities: tuple[str, ...] = ()
    read: frozenset[str] = frozenset()
    write: frozenset[str] = frozenset()

    @property
    def principals(self) -> tuple[str, ...]:
        """The names a TLP:RED object may use to list this user as a recipient."""
        return (self.name, *self.identities)


@dataclass(frozen=True)
class TaxiiConfig:
    collections: tuple[Collection, ...]
    users: dict[str, TaxiiUser] = field(default_factory=dict)
    title: str = "Détente TAXII 2.1"
    api_root: str = "detente"
    max_content_length: int = 10 << 20

    def collection(self, key: str) -> Collection | None:
        for c in self.collections:
            if key in (c.id, c.alias):
                return c
        return None


def may(user: TaxiiUser, collection: Collection, action: Action) -> bool:
    """The access decision: does ``user`` hold ``action`` on ``collection``?"""
    granted = user.read if action == "read" else user.write
    return (
        "*" in granted
        or collection.id in granted
        or (collection.alias is not None and collection.alias in granted)
    )


class Authenticator:
    """Checks HTTP Basic credentials. scrypt is deliberately slow (~50 ms), so a successful
    check is remembered as an HMAC under a per-process key: a repeat request with the same
    password costs one HMAC; a wrong password always pays the full scrypt."""

    def __init__(self, users: dict[str, TaxiiUser]) -> None:
        self._users = users
        self._key = secrets.token_bytes(32)
        self._ok: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def check(self, name: str, password: str) -> TaxiiUser | None:
        user = self._users.get(name)
        if user is None:
            # Spend the same work as a real check so timing does not reveal valid names.
            verify_password(_DUMMY_HASH, password)
            return None
        tag = hmac.new(self._key, password.encode(), "sha256").digest()
        with self._lock:
            known = self._ok.get(name)
        if known is not None and hmac.compare_digest(known, tag):
            return user
        if not verify_password(user.password_hash, password):
            return None
        with self._lock:
            self._ok[name] = tag
        return user


_DUMMY_HASH = hash_taxii_password("", salt=b"\0" * 16)


def _str_list(value: object, where: str, path: Path) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise FormatError(f"{where} must be a list of strings", path)
    return tuple(value)


def _user(name: str, raw: object, path: Path) -> TaxiiUser:
    if not _NAME_RE.match(name) or not isinstance(raw, dict):
        raise FormatError(f"user {name!r}: bad name or not a table", path)
    pw = raw.get("password")
    if not isinstance(pw, str) or not _HASH_RE.match(pw):
        raise FormatError(
            f"user {name!r}: password must be an scrypt hash from hash_taxii_password() "
            "(plaintext passwords are refused)",
            path,
        )
    return TaxiiUser(
        name=name,
        password_hash=pw,
        identities=_str_list(raw.get("identities", []), f"users.{name}.identities", path),
        read=frozenset(_str_list(raw.get("read", []), f"users.{name}.read", path)),
        write=frozenset(_str_list(raw.get("write", []), f"users.{name}.write", path)),
    )


def _collection(raw: object, path: Path) -> Collection:
    if not isinstance(raw, dict):
        raise FormatError("each [[collections]] entry must be a table", path)
    cid, title = raw.get("id"), raw.get("title")
    if not isinstance(cid, str) or not _NAME_RE.match(cid) or not isinstance(title, str):
        raise FormatError(f"collection {cid!r}: needs an id ([A-Za-z0-9._~-]) and a title", path)
    desc, alias = raw.get("description"), raw.get("alias")
    if alias is not None and (not isinstance(alias, str) or not _NAME_RE.match(alias)):
        raise FormatError(f"collection {cid}: bad alias", path)
    return Collection(cid, title, desc if isinstance(desc, str) else None, alias)


def load_taxii_config(path: str | os.PathLike[str]) -> TaxiiConfig:
    """Read and check the users/collections TOML file (FormatError naming the problem)."""
    p = Path(path)
    try:
        raw = tomllib.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", p) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise FormatError(f"not valid TOML: {exc}", p) from exc
    cols = tuple(_collection(c, p) for c in raw.get("collections", []))
    keys = [k for c in cols for k in (c.id, c.alias) if k]
    if len(keys) != len(set(keys)):
        raise FormatError("collection ids and aliases must be unique", p)
    users_raw = raw.get("users", {})
    if not isinstance(users_raw, dict):
        raise FormatError("[users] must be a table", p)
    users = {name: _user(name, u, p) for name, u in users_raw.items()}
    root = raw.get("api_root", "detente")
    if not isinstance(root, str) or not _NAME_RE.match(root) or root == "status":
        raise FormatError("api_root must be one path segment", p)
    title = raw.get("title", "Détente TAXII 2.1")
    max_len = raw.get("max_content_length", 10 << 20)
    if not isinstance(title, str) or not isinstance(max_len, int) or max_len < 1024:
        raise FormatError("title must be a string, max_content_length an integer ≥ 1024", p)
    return TaxiiConfig(cols, users, title, root, max_len)
