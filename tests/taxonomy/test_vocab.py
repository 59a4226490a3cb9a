"""ATT&CK / CWE / OWASP LLM ids against the shipped, version-stamped data."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from detente import taxonomy
from detente.errors import InputError


def test_versions_are_named() -> None:
    v = taxonomy.vocabulary_versions()
    assert v == {"attack": "atlas-5.6.0", "cwe": "4.14", "owasp_llm": "2025"}


def test_cwe_known_and_unknown() -> None:
    assert taxonomy.cwe_term("CWE-79").name.startswith("Improper Neutralization")
    assert taxonomy.cwe_term("CWE-94").known  # Code Injection
    with pytest.raises(InputError, match="unknown CWE"):
        taxonomy.cwe_term("CWE-99999")
    with pytest.raises(InputError, match="malformed"):
        taxonomy.cwe_term("cwe-79")


def test_owasp_llm_2025_is_exactly_ten() -> None:
    ids = [f"LLM{i:02d}:2025" for i in range(1, 11)]
    names = [taxonomy.owasp_llm_term(i).name for i in ids]
    assert names[0] == "Prompt Injection" and names[9] == "Unbounded Consumption"
    for bad in ("LLM00:2025", "LLM11:2025", "LLM01:2023", "LLM01"):
        with pytest.raises(InputError):
            taxonomy.owasp_llm_term(bad)


def test_attack_subset_is_honest() -> None:
    # T1059 is referenced by ATLAS (AML.T0050 Command and Scripting Interpreter).
    t = taxonomy.attack_term("T1059")
    assert t.known and t.name
    assert taxonomy.attack_term("TA0043").known  # Reconnaissance tactic
    # Well-formed but outside the shipped subset: accepted, flagged as not known.
    assert taxonomy.attack_term("T1486").known is False
    with pytest.raises(InputError, match="malformed"):
        taxonomy.attack_term("T59")


@given(st.text(max_size=20))
def test_validators_never_crash(s: str) -> None:
    for check in (taxonomy.attack_term, taxonomy.cwe_term, taxonomy.owasp_llm_term):
        try:
            check(s)
        except InputError:
            pass
