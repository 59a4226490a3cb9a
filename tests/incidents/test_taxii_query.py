"""TAXII URL parameters, timestamps, users file and access decisions (pure parts)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detente.errors import FormatError
from detente.incidents._taxii_auth import (
    Authenticator,
    Collection,
    TaxiiUser,
    hash_taxii_password,
    load_taxii_config,
    may,
    verify_password,
)
from detente.incidents._taxii_query import (
    MAX_LIMIT,
    QueryError,
    format_timestamp,
    parse_query,
    parse_timestamp,
)


@given(st.integers(min_value=0, max_value=253402300799999999))
def test_timestamps_round_trip(us: int) -> None:
    assert parse_timestamp(format_timestamp(us)) == us


def test_timestamp_precision_and_equivalent_spellings() -> None:
    assert parse_timestamp("2024-01-01T00:00:00Z") == parse_timestamp("2024-01-01T00:00:00.000Z")
    assert parse_timestamp("2024-01-01T00:00:00.1234569Z") == parse_timestamp(
        "2024-01-01T00:00:00.123456Z"
    )
    for bad in ("2024-01-01", "2024-13-01T00:00:00Z", "2024-01-01T00:00:00+02:00", ""):
        with pytest.raises(QueryError):
            parse_timestamp(bad)


@given(st.dictionaries(st.text(max_size=20), st.lists(st.text(max_size=40), max_size=3)))
def test_hostile_parameters_are_query_errors_never_crashes(params: dict[str, list[str]]) -> None:
    try:
        parse_query(params)
    except QueryError:
        pass


def test_query_values() -> None:
    q = parse_query(
        {
            "limit": ["5000"],
            "added_after": ["2024-01-01T00:00:00Z"],
            "next": ["1"],
            "match[type]": ["indicator,identity", "indicator"],
            "match[version]": ["first,2024-02-01T00:00:00.5Z"],
        }
    )
    assert q.limit == MAX_LIMIT
    assert q.after == parse_timestamp("2024-01-01T00:00:00Z")  # the later of the two positions
    assert q.types == ("indicator", "identity")
    assert q.versions == ("first", parse_timestamp("2024-02-01T00:00:00.5Z"))


def test_passwords_are_hashed_and_checked_in_constant_time() -> None:
    h = hash_taxii_password("s3cret")
    assert h.startswith("scrypt:") and "s3cret" not in h
    assert verify_password(h, "s3cret") and not verify_password(h, "s3cret ")
    assert not verify_password("plaintext", "plaintext")
    auth = Authenticator({"a": TaxiiUser("a", h)})
    assert auth.check("a", "s3cret") is not None
    assert auth.check("a", "s3cret") is not None  # the cached path
    assert auth.check("a", "wrong") is None and auth.check("b", "s3cret") is None


@pytest.mark.parametrize(
    ("read", "write", "action", "expected"),
    [
        (frozenset(), frozenset(), "read", False),
        (frozenset({"c1"}), frozenset(), "read", True),
        (frozenset({"c1"}), frozenset(), "write", False),
        (frozenset(), frozenset({"alias1"}), "write", True),
        (frozenset({"*"}), frozenset(), "read", True),
        (frozenset({"*"}), frozenset(), "write", False),
        (frozenset({"other"}), frozenset({"other"}), "read", False),
    ],
)
def test_access_decision(
    read: frozenset[str], write: frozenset[str], action: str, expected: bool
) -> None:
    user = TaxiiUser("u", "x", read=read, write=write)
    assert may(user, Collection("c1", "t", alias="alias1"), action) is expected  # type: ignore[arg-type]


def test_users_file_refuses_plaintext_passwords_and_bad_toml(tmp_path: Path) -> None:
    p = tmp_path / "users.toml"
    p.write_text('[[collections]]\nid = "c"\ntitle = "t"\n[users.a]\npassword = "hunter2"\n')
    with pytest.raises(FormatError, match="plaintext"):
        load_taxii_config(p)
    p.write_text("[[collections]\n")
    with pytest.raises(FormatError, match="TOML"):
        load_taxii_config(p)
    h = hash_taxii_password("pw")
    p.write_text(f'[[collections]]\nid = "c"\ntitle = "t"\n[users.a]\npassword = "{h}"\n')
    cfg = load_taxii_config(p)
    assert cfg.collection("c") is not None and cfg.users["a"].read == frozenset()
