"""A transparency-log witness (c2sp.org/tlog-witness): the ``add-checkpoint`` rules and the
witness's durable state.

For each log origin it trusts, the witness keeps the latest checkpoint it cosigned. A request
carries ``old <size>``, a consistency proof from that size, and the new signed checkpoint.
The witness refuses (status codes from the spec): 400 malformed or old > new; 403 no trusted
log signature; 404 unknown origin; 409 (with its current size) if ``old`` is not the size it
has, or the same size with another root; 422 if the proof does not verify. Otherwise it
records the new checkpoint — atomically, compare-and-swap on the old size, committed before
answering (so a kill -9 never un-records a cosigned checkpoint) — and returns its
``cosignature/v1`` line.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    select,
)
from sqlalchemy.exc import IntegrityError

from detente.errors import Error, FormatError, SignatureError
from detente.registry._checkpoint import LogKey, parse_checkpoint_body
from detente.registry._cosign import WitnessKey
from detente.registry._merkle import EMPTY_ROOT, verify_consistency
from detente.registry._note import open_note, split_note
from detente.registry._policy import ServiceError
from detente.registry._store import make_engine

__all__ = ["AddCheckpoint", "Witness", "WitnessConflict", "format_add_checkpoint"]

MAX_PROOF_LINES = 63  # tlog-witness: "MUST NOT send more than 63 consistency proof lines"
MAX_REQUEST = 1 << 16

_meta = MetaData()
witness_logs = Table(
    "witness_logs",
    _meta,
    Column("origin", String(512), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("root", LargeBinary(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("updated", Integer, nullable=False),
)


class WitnessConflict(ServiceError):
    """409: the request's old size is not the witness's; ``size`` is the witness's."""

    def __init__(self, size: int, message: str) -> None:
        super().__init__(409, message)
        self.size = size


@dataclass(frozen=True)
class AddCheckpoint:
    old: int
    proof: tuple[bytes, ...]
    note: str


def format_add_checkpoint(old: int, proof: Sequence[bytes], note: str) -> bytes:
    lines = [f"old {old}", *(base64.b64encode(h).decode() for h in proof), ""]
    return ("\n".join(lines) + "\n" + note).encode()


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Parse a request body (tlog-witness "add-checkpoint"); ServiceError(400) if malformed."""
    if len(body) > MAX_REQUEST:
        raise ServiceError(400, "request too large")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ServiceError(400, "request is not UTF-8") from None
    head, sep, note = text.partition("\n\n")
    lines = head.split("\n")
    old = lines[0].removeprefix("old ")
    if not sep or not lines[0].startswith("old ") or not _decimal(old):
        raise ServiceError(400, "the request must start with 'old <size>' and a blank line")
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise ServiceError(400, f"more than {MAX_PROOF_LINES} consistency proof lines")
    try:
        proof = tuple(base64.b64decode(x, validate=True) for x in lines[1:])
    except (binascii.Error, ValueError):
        raise ServiceError(400, "a consistency proof line is not base64") from None
    if any(len(h) != 32 for h in proof):
        raise ServiceError(400, "consistency proof hashes are 32 bytes")
    return AddCheckpoint(int(old), proof, note)


def _decimal(text: str) -> bool:
    return bool(text) and all("0" <= c <= "9" for c in text) and (text == "0" or text[0] != "0")


class Witness:
    """A witness for the logs whose keys it is given, with state at ``db`` (SQLAlchemy URL)."""

    def __init__(self, key: WitnessKey, logs: Sequence[LogKey], db: str) -> None:
        self.key = key
        self.logs: dict[str, list[LogKey]] = {}
        for k in logs:
            self.logs.setdefault(k.name, []).append(k)
        self.engine = make_engine(db)  # durable before we answer (synchronous=FULL)
        _meta.create_all(self.engine)

    def state(self, origin: str) -> tuple[int, bytes] | None:
        """The size and root of the latest checkpoint cosigned for ``origin``."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(witness_logs.c.size, witness_logs.c.root).where(
                    witness_logs.c.origin == origin
                )
            ).first()
        return None if row is None else (int(row.size), bytes(row.root))

    def _verify(self, note: str) -> tuple[str, int, bytes]:
        try:
            text, _lines = split_note(note)
        except FormatError as exc:
            raise ServiceError(400, f"malformed checkpoint: {exc}") from None
        origin = text.split("\n", 1)[0]
        keys = self.logs.get(origin)
        if keys is None:
            raise ServiceError(404, f"unknown log origin {origin[:80]!r}")
        try:
            open_note(note, keys)
            cp = parse_checkpoint_body(text)
        except SignatureError as exc:
            raise ServiceError(403, f"no trusted log signature: {exc}") from None
        except Error as exc:
            raise ServiceError(400, f"malformed checkpoint: {exc}") from None
        return origin, cp.size, cp.root

    def add_checkpoint(self, body: bytes, now: int | None = None) -> str:
        """Check and record one checkpoint; returns the cosignature line(s)."""
        req = parse_add_checkpoint(body)
        origin, size, root = self._verify(req.note)
        if req.old > size:
            raise ServiceError(400, f"old size {req.old} is larger than the checkpoint's {size}")
        have = self.state(origin)
        have_size, have_root = have if have is not None else (0, EMPTY_ROOT)
        if req.old != have_size:
            raise WitnessConflict(have_size, f"the witness is at size {have_size}")
        if req.old == size and root != have_root:
            raise WitnessConflict(have_size, "same size as the witnessed checkpoint, other root")
        if req.old == 0:
            # Any tree extends the empty one: the proof must be empty (tlog-witness), and a
            # checkpoint of size 0 must carry the empty tree's root.
            ok = not req.proof and (size > 0 or root == EMPTY_ROOT)
        else:
            ok = verify_consistency(req.old, size, have_root, root, req.proof)
        if not ok:
            raise ServiceError(422, "the consistency proof does not verify")
        self._swap(origin, have, size, root, req.note)
        text = req.note[: req.note.rfind("\n\n") + 1]
        return self.key.cosign(text, int(time.time()) if now is None else now)

    def _swap(self, origin: str, have: tuple[int, bytes] | None, size: int, root: bytes,
              note: str) -> None:  # fmt: skip
        """Compare-and-swap the origin's record; a concurrent change is a 409."""
        values = {"size": size, "root": root, "note": note, "updated": int(time.time())}
        with self.engine.begin() as conn:
            if have is None:
                try:
                    conn.execute(witness_logs.insert().values(origin=origin, **values))
                except IntegrityError:
                    raise WitnessConflict(self._size(origin), "concurrent update") from None
                return
            res = conn.execute(
                witness_logs.update()
                .where(witness_logs.c.origin == origin)
                .where(witness_logs.c.size == have[0])
                .where(witness_logs.c.root == have[1])
                .values(**values)
            )
            if res.rowcount != 1:
                raise WitnessConflict(self._size(origin), "concurrent update")

    def _size(self, origin: str) -> int:
        st = self.state(origin)
        return 0 if st is None else st[0]
