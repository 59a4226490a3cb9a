"""The TOML writer policies are serialised with: whatever the data, tomllib reads it back."""

from __future__ import annotations

import tomllib
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from detente.release._toml import to_toml

_KEYS = st.text(min_size=1, max_size=12)
_SCALARS = (
    st.text(max_size=30)
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
)
_VALUES = _SCALARS | st.lists(_SCALARS, max_size=4)
_TABLES: st.SearchStrategy[dict[str, Any]] = st.recursive(
    st.dictionaries(_KEYS, _VALUES, max_size=4),
    lambda inner: st.dictionaries(
        _KEYS, _VALUES | inner | st.lists(inner, min_size=1, max_size=2), max_size=3
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(_TABLES)
def test_round_trip(data: dict[str, Any]) -> None:
    assert tomllib.loads(to_toml(data, 'header\nwith # and " in it')) == data
