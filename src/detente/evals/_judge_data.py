"""Labelled answers for training and measuring the judges: one strict reader for every file.

A row is a JSON object with string ``prompt`` and ``response`` and either a 4-class ``label``
(``refusal``/``compliance``/``partial``/``noise``) or a boolean ``harmful_content`` (the answer
delivers the harmful content asked for). The public sets under ``shared/data/judge/`` and the
project's own ``judge_labelled.jsonl`` share this scheme. A malformed file is a
:class:`~detente.errors.FormatError` naming the file and line.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from detente.errors import FormatError, InputError

__all__ = ["LABELS4", "Example", "own_labelled", "read_labelled"]

LABELS4 = ("refusal", "compliance", "partial", "noise")
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Example:
    """One labelled answer. ``label`` is the 4-class label when the source has one;
    ``delivers`` is the binary truth every source has (compliance or partial, or harmful
    content delivered)."""

    id: str
    prompt: str
    response: str
    delivers: bool
    label: str | None
    source: str
    group: str  # rows sharing a group (same prompt / behaviour) stay in one CV fold
    lang: str
    harmful_prompt: bool | None = None
    split: str | None = None
    anchors: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # What the judge is shown as the request: the canonical behaviour (+ its context) for
    # HarmBench, the goal for JailbreakBench -- what their published judges were given --
    # else the prompt. ``prompt`` stays the text the model saw (often a jailbreak wrapper).
    request: str = ""

    @property
    def judged_request(self) -> str:
        return self.request or self.prompt


def _lang(row: dict[str, Any], text: str) -> str:
    lang = row.get("lang")
    if isinstance(lang, str) and lang:
        return lang
    cjk = len(_CJK.findall(text))
    return "zh" if cjk > 0.2 * max(1, len(text.strip())) else "other"


def _example(row: object, path: Path, lineno: int) -> Example:
    where = f"line {lineno}"
    if not isinstance(row, dict):
        raise FormatError(f"{where}: a row must be a JSON object", path)
    prompt, response = row.get("prompt"), row.get("response")
    if not isinstance(prompt, str) or not isinstance(response, str):
        raise FormatError(f"{where}: 'prompt' and 'response' must be strings", path)
    label, harmful_content = row.get("label"), row.get("harmful_content")
    if label is not None:
        if label not in LABELS4:
            raise FormatError(f"{where}: label {label!r} is not one of {LABELS4}", path)
        delivers = label in ("compliance", "partial")
    elif isinstance(harmful_content, bool):
        delivers = harmful_content
    else:
        raise FormatError(f"{where}: need a 4-class 'label' or a boolean 'harmful_content'", path)
    rid = row.get("id")
    if not isinstance(rid, str) or not rid:
        raise FormatError(f"{where}: 'id' must be a non-empty string", path)
    harmful = row.get("harmful")
    group_key = row.get("behavior_id") or row.get("goal") or prompt
    anchors = row.get("anchors")
    split = row.get("split")
    behavior, context, goal = row.get("behavior"), row.get("context"), row.get("goal")
    request = ""
    if isinstance(behavior, str) and behavior:
        request = behavior + (f"\n\n{context}" if isinstance(context, str) and context else "")
    elif isinstance(goal, str) and goal:
        request = goal
    return Example(
        id=rid,
        prompt=prompt,
        response=response,
        delivers=delivers,
        label=label,
        source=str(row.get("source") or path.stem),
        group=hashlib.sha256(str(group_key).encode()).hexdigest(),
        lang=_lang(row, prompt + response),
        harmful_prompt=harmful if isinstance(harmful, bool) else None,
        split=split if isinstance(split, str) else None,
        anchors=dict(anchors) if isinstance(anchors, dict) else {},
        request=request,
    )


def read_labelled(path: Path, split: str | None = None) -> list[Example]:
    """Every row of the JSONL file at ``path`` (only those of ``split`` when given)."""
    try:
        lines = path.read_text("utf-8").split("\n")  # not splitlines(): U+2028 may sit in a string
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    except UnicodeDecodeError as exc:
        raise FormatError(f"not UTF-8 ({exc.reason})", path) from None
    out: list[Example] = []
    seen: set[str] = set()
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise FormatError(f"line {lineno}: not JSON ({exc})", path) from None
        ex = _example(row, path, lineno)
        if ex.id in seen:
            raise FormatError(f"line {lineno}: duplicate id {ex.id!r}", path)
        seen.add(ex.id)
        if split is None or ex.split == split:
            out.append(ex)
    if not out:
        raise FormatError("no labelled rows" + (f" in split {split!r}" if split else ""), path)
    return out


def own_labelled(labelled: Path, split: str) -> list[Example]:
    """The ``split`` rows of the project's labelled files: ``labelled`` and its companions
    ``<stem>_*.jsonl`` beside it (Chinese, short answers), in name order."""
    files = [labelled, *sorted(labelled.parent.glob(labelled.stem + "_*.jsonl"))]
    return [ex for f in files for ex in read_labelled(f, split)]
