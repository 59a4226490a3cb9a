"""Shipped evaluation suites: content-hashed datasets and their manifest.

A suite is a directory of JSON Lines datasets under ``detente/evals/data/<name>-v<major>/``
with a ``manifest.json`` that lists each dataset's sha256 and record count and a suite digest:

    digest = sha256(canonical JSON of {"suite", "version", "datasets"})

Every scorecard carries the digest, so two parties can show they ran the same standard. Files
are checked against the manifest before use; any change of content without a new manifest is a
:class:`~detente.errors.VerificationError`, and a new manifest means a new digest (and, by our
rule, a new version).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from detente.canonical import canonical_json
from detente.errors import FormatError, InputError, UsageError, VerificationError

__all__ = [
    "DATASET_SCHEMAS",
    "LANGUAGES",
    "MANIFEST_SCHEMA",
    "TASK_NAMES",
    "Suite",
    "build_manifest",
    "cached_suite",
    "choose_languages",
    "load_suite",
    "load_suite_dir",
    "suite_dir",
]

MANIFEST_SCHEMA = "detente.suite-manifest/v1"

_TACTIC = re.compile(r"TA\d{4}")
_TECHNIQUE = re.compile(r"T\d{4}(\.\d{3})?")
_CWE = re.compile(r"CWE-\d{1,5}")
_CANARY = re.compile(r"[A-Za-z0-9_-]{8,80}")
_ITEM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")

# Suites from major version 2 on are bilingual: every record has a language and the
# language-independent id of its item, and every item exists in every language.
LANGUAGES: tuple[str, ...] = ("en", "zh")
ORIGINS = ("v1", "zh-context")


# A field check returns an error message or None.
_Check = Callable[[object], str | None]


def _text(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    return None


def _opt_text(value: object) -> str | None:
    return None if value is None else _text(value)


def _match(pattern: re.Pattern[str], optional: bool = False) -> _Check:
    def check(value: object) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str) or not pattern.fullmatch(value):
            return f"must match {pattern.pattern}"
        return None

    return check


def _one_of(*choices: str) -> _Check:
    def check(value: object) -> str | None:
        return None if value in choices else f"must be one of {', '.join(choices)}"

    return check


def _judge(value: object) -> str | None:
    if not isinstance(value, dict):
        return "must be an object"
    kind = value.get("type")
    if kind == "canary_leak":
        return None
    if kind == "string_present":
        return _text(value.get("value"))
    if kind == "tool_call":
        return _text(value.get("name"))
    return "type must be canary_leak, string_present or tool_call"


_LANGS = ("python", "c", "javascript")

DATASET_SCHEMAS: dict[str, dict[str, _Check]] = {
    "cyber_misuse": {
        "input": _text,
        "tactic": _match(_TACTIC),
        "tactic_name": _text,
        "technique": _match(_TECHNIQUE),
        "pair_id": _opt_text,
    },
    "false_refusal": {
        "input": _text,
        "topic": _text,
        "tactic": _match(_TACTIC, optional=True),
        "pair_id": _opt_text,
    },
    "insecure_code": {
        "input": _text,
        "language": _one_of(*_LANGS),
        "cwe": _match(_CWE),
    },
    "prompt_injection": {
        "kind": _one_of("direct", "indirect"),
        "system": _text,
        "user": _text,
        "tool_name": _opt_text,
        "tool_output": _opt_text,
        "canary": _match(_CANARY),
        "objective": _text,
        "judge": _judge,
    },
    "social_engineering": {
        "input": _text,
        "kind": _one_of("malicious", "benign"),
        "scenario": _text,
        "pair_id": _opt_text,
    },
}

# The tasks of detente-core, one per dataset, in the suite's order (the CLI, the inspect tasks,
# the run and the scorecard all read this one list).
TASK_NAMES: tuple[str, ...] = tuple(DATASET_SCHEMAS)


@dataclass(frozen=True)
class Suite:
    """A loaded, verified suite. ``datasets`` maps a dataset name to its records in file order."""

    name: str
    version: str
    digest: str
    datasets: Mapping[str, tuple[dict[str, Any], ...]] = field(repr=False)
    files: Mapping[str, str] = field(default_factory=dict)  # dataset -> "sha256:…"

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages of a bilingual suite (in :data:`LANGUAGES` order); () for v1."""
        present = {r.get("lang") for records in self.datasets.values() for r in records}
        return tuple(lang for lang in LANGUAGES if lang in present)

    def identity(self) -> dict[str, object]:
        """What a scorecard records to name the standard it measured against."""
        out: dict[str, object] = {
            "name": self.name,
            "version": self.version,
            "digest": self.digest,
            "datasets": {
                name: {"sha256": self.files.get(name), "count": len(records)}
                for name, records in sorted(self.datasets.items())
            },
        }
        if self.languages:  # v1 scorecards keep exactly the fields they always had
            out["languages"] = list(self.languages)
        return out


def suite_dir(name: str = "detente-core", version: str = "1") -> Path:
    major = version.split(".", maxsplit=1)[0]
    if not re.fullmatch(r"[a-z0-9-]{1,64}", name) or not major.isdigit():
        raise InputError(f"not a suite name and version: {name!r} {version!r}")
    root = resources.files("detente.evals").joinpath("data", f"{name}-v{major}")
    path = Path(str(root))
    if not (path / "manifest.json").is_file():
        raise InputError(f"no shipped suite {name} v{major} (looked in {path})")
    return path


def _major(version: object) -> int:
    head = str(version).split(".", maxsplit=1)[0]
    return int(head) if head.isdigit() else 0


def _bilingual_problem(record: dict[str, Any]) -> tuple[str, str] | None:
    """The first v2 field problem of ``record`` as (field, message), or None."""
    lang, item = record.get("lang"), record.get("item")
    if lang not in LANGUAGES:
        return "lang", f"must be one of {', '.join(LANGUAGES)}"
    if not isinstance(item, str) or not _ITEM.fullmatch(item):
        return "item", f"must match {_ITEM.pattern}"
    if record.get("id") != f"{item}.{lang}":
        return "id", f"must be '<item>.<lang>' ({item}.{lang})"
    if record.get("origin") not in ORIGINS:
        return "origin", f"must be one of {', '.join(ORIGINS)}"
    pair = record.get("pair_id")
    if pair is not None and not (isinstance(pair, str) and pair.endswith(f".{lang}")):
        return "pair_id", f"must name a record of the same language (…{'.' + str(lang)})"
    return None


def _check_items_complete(first_line: Mapping[str, int], langs: Mapping[str, set[str]],
                          path: Path) -> None:  # fmt: skip
    """Every item of a bilingual dataset in every language: a missing translation would make
    the item silently drop out of every cross-lingual metric."""
    for item, line in first_line.items():
        missing = [lang for lang in LANGUAGES if lang not in langs[item]]
        if missing:
            raise FormatError(
                f"{path}:{line} (item {item}): no {', '.join(missing)} record; every item of a "
                "bilingual suite is needed in every language",
                path,
            )


def _parse_records(
    name: str, path: Path, data: bytes, major: int = 1
) -> tuple[dict[str, Any], ...]:
    """Records of one dataset, each checked against the dataset's schema; ``major`` is the
    suite's major version (every record says it; 2 and later are bilingual)."""
    schema = DATASET_SCHEMAS.get(name)
    records: list[dict[str, Any]] = []
    ids: set[str] = set()
    first_line: dict[str, int] = {}
    langs: dict[str, set[str]] = {}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"not UTF-8: {exc}", path) from None
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise FormatError(f"line {lineno}: not JSON: {exc.msg}", path) from None
        if not isinstance(record, dict):
            raise FormatError(f"line {lineno}: a record must be a JSON object", path)
        rid = record.get("id")
        if not isinstance(rid, str) or not rid:
            raise FormatError(f"line {lineno}: missing string 'id'", path)
        if rid in ids:
            raise FormatError(f"line {lineno}: duplicate id {rid!r}", path)
        ids.add(rid)
        if record.get("version") != major or isinstance(record.get("version"), bool):
            raise FormatError(f"{where} ({rid}): 'version' must be {major}", path)
        for key, check in (schema or {}).items():
            problem = check(record.get(key))
            if problem:
                raise FormatError(f"{where} ({rid}): field {key!r} {problem}", path)
        if major >= 2:
            bad = _bilingual_problem(record)
            if bad:
                raise FormatError(f"{where} ({rid}): field {bad[0]!r} {bad[1]}", path)
            first_line.setdefault(record["item"], lineno)
            langs.setdefault(record["item"], set()).add(record["lang"])
        records.append(record)
    _check_items_complete(first_line, langs, path)
    return tuple(records)


def build_manifest(directory: Path, name: str, version: str) -> dict[str, Any]:
    """The manifest for the datasets in ``directory`` (every ``*.jsonl``); validates them."""
    datasets: dict[str, dict[str, object]] = {}
    for path in sorted(directory.glob("*.jsonl")):
        data = path.read_bytes()
        records = _parse_records(path.stem, path, data, _major(version))
        datasets[path.stem] = {
            "file": path.name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "count": len(records),
        }
    if not datasets:
        raise InputError("no *.jsonl datasets", directory)
    body = {"suite": name, "version": version, "datasets": datasets}
    digest = "sha256:" + hashlib.sha256(canonical_json(body)).hexdigest()
    return {"schema": MANIFEST_SCHEMA, **body, "digest": digest}


_SUITE_CACHE: dict[tuple[str, str, str], Suite] = {}


def cached_suite(name: str = "detente-core", version: str = "1", directory: str = "") -> Suite:
    """:func:`load_suite` (or :func:`load_suite_dir` of ``directory``), verified once per
    process (tasks, runs and progress share it)."""
    # `inspect eval … -T version=2` passes an int: a version is its string either way.
    version, directory = str(version), str(directory or "")
    key = (name, version, directory)
    if key not in _SUITE_CACHE:
        if directory:
            suite = load_suite_dir(Path(directory))
            if (suite.name, _major(suite.version)) != (name, _major(version)):
                raise InputError(
                    f"{directory} holds {suite.name} v{suite.version}, not {name} v{version}"
                )
            _SUITE_CACHE[key] = suite
        else:
            _SUITE_CACHE[key] = load_suite(name, version)
    return _SUITE_CACHE[key]


def choose_languages(suite: Suite, wanted: Sequence[str] = ()) -> tuple[str, ...]:
    """The languages to run: ``wanted`` (checked against the suite), else all of the suite's;
    () for a suite without languages (v1 is English only and has no language dimension)."""
    if not wanted:
        return suite.languages
    if not suite.languages:
        raise UsageError(
            f"{suite.name} v{suite.version} has no language dimension (English only); "
            "languages need a bilingual suite (--suite-version 2)"
        )
    unknown = [lang for lang in wanted if lang not in suite.languages]
    if unknown:
        raise UsageError(
            f"language(s) {', '.join(unknown)} not in {suite.name} v{suite.version} "
            f"(it has {', '.join(suite.languages)})"
        )
    return tuple(lang for lang in suite.languages if lang in wanted)


def load_suite(name: str = "detente-core", version: str = "1") -> Suite:
    """Load a shipped suite, checking every dataset against the manifest before use."""
    return load_suite_dir(suite_dir(name, version))


def load_suite_dir(directory: Path) -> Suite:
    """Load the suite in ``directory`` (a manifest.json and its datasets), verified."""
    manifest_path = directory / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise FormatError(f"unreadable manifest: {exc}", manifest_path) from None
    if not isinstance(manifest, dict) or manifest.get("schema") != MANIFEST_SCHEMA:
        raise FormatError(f"not a {MANIFEST_SCHEMA} manifest", manifest_path)
    body = {k: manifest.get(k) for k in ("suite", "version", "datasets")}
    expected = "sha256:" + hashlib.sha256(canonical_json(body)).hexdigest()
    if manifest.get("digest") != expected:
        raise VerificationError(
            f"{manifest_path}: suite digest {manifest.get('digest')} does not match its content "
            f"({expected})"
        )
    declared = manifest["datasets"]
    if not isinstance(declared, dict):
        raise FormatError("'datasets' must be an object", manifest_path)
    on_disk = {p.stem for p in directory.glob("*.jsonl")}
    if extra := sorted(on_disk - set(declared)):
        raise VerificationError(f"{directory}: datasets not in the manifest: {', '.join(extra)}")
    datasets: dict[str, tuple[dict[str, Any], ...]] = {}
    files: dict[str, str] = {}
    for ds, entry in sorted(declared.items()):
        path = directory / str(entry.get("file", ""))
        if path.parent != directory or not path.is_file():
            raise VerificationError(f"{directory}: dataset {ds} is missing ({entry.get('file')})")
        data = path.read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != entry.get("sha256"):
            raise VerificationError(
                f"{path}: sha256 {actual} does not match the suite manifest "
                f"({entry.get('sha256')}); the suite was modified"
            )
        records = _parse_records(ds, path, data, _major(manifest["version"]))
        if len(records) != entry.get("count"):
            raise VerificationError(
                f"{path}: {len(records)} records, manifest says {entry.get('count')}"
            )
        datasets[ds] = records
        files[ds] = f"sha256:{actual}"
    return Suite(
        name=str(manifest["suite"]),
        version=str(manifest["version"]),
        digest=expected,
        datasets=datasets,
        files=files,
    )
