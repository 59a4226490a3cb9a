from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detente.evals import Rate, wilson


def test_known_values() -> None:
    # Reference values of the 95% Wilson interval: 0/10 and 5/10 worked by hand from the
    # formula; 81/263 is the worked example in Newcombe (1998), Stat Med 17:857, (0.2553, 0.3662).
    lo, hi = wilson(0, 10)
    assert lo == 0.0 and math.isclose(hi, 0.27753279986288717, rel_tol=1e-9)
    lo, hi = wilson(5, 10)
    assert math.isclose(lo, 0.2365931, rel_tol=1e-6) and math.isclose(hi, 0.7634069, rel_tol=1e-6)
    lo, hi = wilson(81, 263)
    assert math.isclose(lo, 0.2553, abs_tol=5e-4) and math.isclose(hi, 0.3662, abs_tol=5e-4)
    assert wilson(0, 0) == (0.0, 1.0)


@given(st.integers(0, 5000), st.data())
def test_interval_contains_the_rate_and_shrinks_with_n(n: int, data: st.DataObject) -> None:
    k = data.draw(st.integers(0, n))
    lo, hi = wilson(k, n)
    assert 0.0 <= lo <= hi <= 1.0
    if n:
        assert lo <= k / n <= hi
        lo4, hi4 = wilson(4 * k, 4 * n)
        assert hi4 - lo4 <= hi - lo + 1e-12


def test_bad_counts_and_overlap() -> None:
    with pytest.raises(ValueError):
        wilson(3, 2)
    a, b, c = Rate(10, 100), Rate(12, 100), Rate(60, 100)
    assert a.overlaps(b) and not a.overlaps(c)
    assert Rate(0, 0, errors=3).to_dict() == {
        "k": 0,
        "n": 0,
        "rate": None,
        "ci95": [0.0, 1.0],
        "errors": 3,
    }
