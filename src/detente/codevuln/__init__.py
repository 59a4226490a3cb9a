"""Static detector of vulnerable code, for code written by models (and by people).

Python, C/C++ and JavaScript/TypeScript are parsed — never compiled, evaluated or run — and
checked against a catalog of CWE-tagged rules. The insecure-code evaluation tasks
(``detente.evals``) score model answers with it; ``detente code scan`` runs it on files.

>>> from detente.codevuln import analyze_code, RULES
>>> [(f.rule_id, f.cwe, f.line) for f in analyze_code("void f(char *s) { gets(s); }", "c")]
[('c-gets', 'CWE-242', 1)]
>>> RULES["c-gets"].title
'Use of inherently dangerous function'

Public API: :func:`analyze_code` → list of :class:`Finding`; :data:`RULES` (id → :class:`Rule`,
the one catalog findings, SARIF and docs read); :data:`LANGUAGES`; :func:`normalize_language`;
for model answers :func:`extract_code_blocks` and :func:`guess_language`; :data:`DETECTOR_ID`
names the detector's version in scorecards. Files: :func:`scan_code_paths` →
:class:`CodeScanReport` (``to_dict``, schema ``detente.code-scan/v1``), :func:`to_text`,
:func:`to_sarif` (SARIF 2.1.0, ``rules[]`` from the catalog).
"""

from detente.codevuln._analyze import (
    DETECTOR_ID,
    Finding,
    UnknownLanguageError,
    analyze_code,
    normalize_language,
)
from detente.codevuln._markdown import extract_code_blocks, guess_language
from detente.codevuln._rules import CWE_TITLES, LANGUAGES, RULES, Rule
from detente.codevuln._scan import (
    CodeScanReport,
    FileResult,
    language_of,
    scan_code_paths,
    to_sarif,
    to_text,
)

__all__ = [
    "CWE_TITLES",
    "DETECTOR_ID",
    "LANGUAGES",
    "RULES",
    "CodeScanReport",
    "FileResult",
    "Finding",
    "Rule",
    "UnknownLanguageError",
    "analyze_code",
    "extract_code_blocks",
    "guess_language",
    "language_of",
    "normalize_language",
    "scan_code_paths",
    "to_sarif",
    "to_text",
]
