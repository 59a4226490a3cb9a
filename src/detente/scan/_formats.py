"""Beyond pickle: GGUF, safetensors, JSON/YAML configs, shipped Python code, Keras, ONNX and
TensorFlow SavedModel — each analysed from its bytes, nothing imported, run or rendered."""

from __future__ import annotations

import ast
import io
import json
import re
from collections.abc import Iterator
from typing import Any

from detente.artifacts import protobuf_messages, protobuf_string
from detente.errors import FormatError, InputError
from detente.scan import _rules as R
from detente.scan._finding import Finding, Location
from detente.scan._rulebase import Rule
from detente.scan._template import analyze_template
from detente.taxonomy import Severity

__all__ = [
    "scan_gguf",
    "scan_h5",
    "scan_json",
    "scan_onnx",
    "scan_python",
    "scan_safetensors",
    "scan_saved_model",
    "scan_yaml",
]


def _f(rule: Rule, msg: str, loc: Location, evidence: str = "", *,
       severity: Severity | None = None) -> Finding:  # fmt: skip
    return rule.finding(msg, loc, evidence[:300], severity=severity)


# -- GGUF and safetensors ---------------------------------------------------------------


def scan_gguf(data: Any, size: int, loc: Location) -> list[Finding]:
    from detente.artifacts import parse_gguf

    try:
        table = parse_gguf(data, size, loc.path)
    except InputError as exc:
        return [_f(R.GGUF_001, f"GGUF structure is invalid: {exc.problem}", loc)]  # fmt: skip
    out: list[Finding] = []
    for key, value in table.metadata.items():
        if key.startswith("tokenizer.chat_template") and isinstance(value, str):
            out += analyze_template(value, loc, f"GGUF {key}")
    return out


def scan_safetensors(
    stream: io.BufferedIOBase | io.BytesIO, size: int, loc: Location
) -> list[Finding]:
    from detente.artifacts import parse_safetensors

    try:
        parse_safetensors(stream, size, loc.path)  # type: ignore[arg-type]
    except InputError as exc:
        return [_f(R.ST_001, f"safetensors header is invalid (tampering or "
                   f"corruption): {exc.problem}", loc)]  # fmt: skip
    return []


# -- JSON / YAML configs ----------------------------------------------------------------

_HYDRA_SAFE = (
    "nemo.",
    "torch.nn.",
    "torch.optim.",
    "transformers.",
    "pytorch_lightning.",
    "lightning.",
    "omegaconf.",
    "megatron.",
    "apex.",
)


def _walk(obj: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """Yield (path, key, value) for every dict entry, depth-first, iteratively."""
    stack: list[tuple[str, Any]] = [(path, obj)]
    while stack:
        p, o = stack.pop()
        if isinstance(o, dict):
            for k, v in o.items():
                yield f"{p}.{k}" if p else str(k), k, v
                stack.append((f"{p}.{k}" if p else str(k), v))
        elif isinstance(o, list):
            for i, v in enumerate(o):
                stack.append((f"{p}[{i}]", v))


def _config_findings(
    doc: Any, loc: Location, name: str, siblings: set[str] | None
) -> list[Finding]:
    from detente.scan._allowlist import classify_global

    out: list[Finding] = []
    base = name.rsplit("/", 1)[-1]
    # Chat templates under any key (chat_template, custom_chat_template, a list of named
    # templates…): inference servers render whichever one they are told to use.
    for path, key, value in _walk(doc):
        if (isinstance(key, str) and "template" in key.lower() and isinstance(value, str)
                and ("{{" in value or "{%" in value)):  # fmt: skip
            out += analyze_template(value, loc, f"{base} {path}")
    if isinstance(doc, dict):
        for key in ("auto_map",):
            amap = doc.get(key)
            if isinstance(amap, dict):
                for task, ref in amap.items():
                    refs = ref if isinstance(ref, list) else [ref]
                    for r in refs:
                        if not isinstance(r, str):
                            continue
                        module = r.split("--")[-1].rsplit(".", 1)[0]
                        remote = "--" in r
                        present = siblings is not None and f"{module}.py" in siblings
                        where = (
                            ("from another repository " + r.split("--")[0])
                            if remote
                            else ("shipped beside it" if present else "not shipped beside it")
                        )
                        out.append(
                            _f(
                                R.CFG_001,
                                f"{base} auto_map[{task}] = {r!r}: loading needs "
                                f"trust_remote_code=True and runs custom code ({where})",
                                loc,
                                r,
                            )
                        )
        if doc.get("trust_remote_code") is True:
            out.append(
                _f(
                    R.CFG_002,
                    f"{base} asks for trust_remote_code=True",
                    loc,
                    "trust_remote_code",
                )
            )
    # Keras configs: walk every layer.
    out += _keras_findings(doc, loc)
    # Hydra / NeMo instantiation targets anywhere in the document.
    for path, key, value in _walk(doc):
        if key in ("_target_", "target", "__target__") and isinstance(value, str) and "." in value:
            if key == "target" and not value.replace(".", "").replace("_", "").isalnum():
                continue
            module, _, attr = value.rpartition(".")
            verdict = classify_global(module, attr)
            if verdict.severity is not None and verdict.severity >= Severity.HIGH:
                out.append(
                    _f(
                        R.CFG_003,
                        f"{base}: {path} instantiates {value} ({verdict.reason})",
                        loc,
                        value,
                    )
                )
            elif key != "target" and not value.startswith(_HYDRA_SAFE):
                out.append(
                    _f(
                        R.CFG_004,
                        f"{base}: {path} instantiates {value}, outside the usual NeMo/"
                        "PyTorch targets (Hydra imports and calls it on load)",
                        loc,
                        value,
                    )
                )
    return out


def _keras_findings(doc: Any, loc: Location) -> list[Finding]:
    out: list[Finding] = []
    for path, key, value in _walk(doc):
        if key == "class_name" and value in ("Lambda", "TFOpLambda"):
            out.append(
                _f(
                    R.KERAS_001,
                    f"Keras {value} layer at {path}: its function is Python bytecode or "
                    "code that runs when the model is loaded",
                    loc,
                    path,
                )
            )
        elif key == "class_name" and value == "__lambda__":
            out.append(
                _f(
                    R.KERAS_001,
                    f"serialized Python lambda at {path} (marshalled bytecode)",
                    loc,
                    path,
                )
            )
        elif (
            key == "module"
            and isinstance(value, str)
            and value
            and not value.startswith(("keras", "tensorflow.keras", "tf_keras", "builtins"))
        ):
            from detente.scan._allowlist import classify_global

            sev = classify_global(value, "x").severity
            severity = (
                Severity.CRITICAL if sev is not None and sev >= Severity.HIGH else Severity.HIGH
            )
            out.append(
                _f(
                    R.KERAS_002,
                    f"Keras config references module {value!r} at {path}: it is imported on load",
                    loc,
                    value,
                    severity=severity,
                )
            )
    return out


def scan_json(
    data: bytes, loc: Location, name: str, siblings: set[str] | None = None
) -> list[Finding]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        if name.endswith((".json",)):
            return [_f(R.CFG_010, f"{name} is not valid JSON: {str(exc)[:100]}", loc)]
        return []
    return _config_findings(doc, loc, name, siblings)


def scan_yaml(data: bytes, loc: Location, name: str) -> list[Finding]:
    import yaml  # type: ignore[import-untyped, unused-ignore]

    out: list[Finding] = []
    if re.search(rb"!!?python/", data):
        out.append(
            _f(
                R.CFG_005,
                f"{name} uses !!python/ YAML tags: an unsafe YAML loader constructs Python "
                "objects (and calls functions) from them",
                loc,
                "!!python/",
            )
        )
    try:
        docs = list(yaml.safe_load_all(data.decode("utf-8", "replace")))
    except (yaml.YAMLError, RecursionError) as exc:
        if not out:
            out.append(_f(R.CFG_011, f"{name} is not valid YAML: {str(exc)[:120]}", loc))
        return out
    for doc in docs:
        out += _config_findings(doc, loc, name, None)
    return out


# -- shipped Python code ----------------------------------------------------------------

_DANGER_CALLS = {
    "os.system": Severity.CRITICAL, "os.popen": Severity.CRITICAL, "os.exec": Severity.CRITICAL,
    "os.spawn": Severity.CRITICAL, "subprocess.": Severity.CRITICAL, "eval": Severity.HIGH,
    "exec": Severity.HIGH, "compile": Severity.MEDIUM, "__import__": Severity.HIGH,
    "socket.": Severity.HIGH, "urllib.request.": Severity.HIGH, "requests.": Severity.HIGH,
    "httpx.": Severity.HIGH, "pty.spawn": Severity.CRITICAL, "ctypes.": Severity.HIGH,
    "marshal.loads": Severity.HIGH, "pickle.loads": Severity.HIGH, "base64.b64decode": Severity.MEDIUM,
    "shutil.rmtree": Severity.HIGH, "webbrowser.open": Severity.HIGH,
}  # fmt: skip


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def scan_python(data: bytes, loc: Location, name: str) -> list[Finding]:
    try:
        tree = ast.parse(data.decode("utf-8", "replace"), filename=name)
    except (SyntaxError, ValueError, RecursionError) as exc:
        return [_f(R.PY_010, f"{name} does not parse as Python: {exc}", loc)]
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name.split(".")[0]] = (
                    a.name if a.asname else a.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    top_level = {id(n) for stmt in tree.body for n in ast.walk(stmt)
                 if not isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)}  # fmt: skip
    out: list[Finding] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        raw = _dotted(node.func)
        if raw is None:
            continue
        head, _, rest = raw.partition(".")
        full = aliases.get(head, head) + (f".{rest}" if rest else "")
        for pattern, sev in _DANGER_CALLS.items():
            if (
                full == pattern
                or (pattern.endswith(".") and full.startswith(pattern))
                or (pattern in ("os.exec", "os.spawn") and full.startswith(pattern))
            ):
                at_import = id(node) in top_level
                severity = Severity.CRITICAL if at_import and sev >= Severity.HIGH else sev
                when = (
                    "at import time (runs as soon as the model code is loaded)"
                    if at_import
                    else "in a function"
                )
                out.append(
                    _f(
                        R.PY_001,
                        f"{name}:{node.lineno} calls {full} {when}",
                        Location(loc.path, loc.members, None),
                        f"{full} (line {node.lineno})",
                        severity=severity,
                    )
                )
                break
    return out


# -- Keras HDF5 -------------------------------------------------------------------------


def scan_h5(data: Any, loc: Location) -> list[Finding]:
    """Find the Keras ``model_config`` JSON attribute in an HDF5 file without h5py: Keras
    stores it as a plain string attribute, so we locate and decode the JSON object. The file is
    searched in place (bytes or mmap), never copied whole."""
    raw = data if hasattr(data, "find") else bytes(data)
    out: list[Finding] = []
    found = False
    for m in re.finditer(rb'\{"class_name"', raw):
        try:
            doc, _ = json.JSONDecoder().raw_decode(
                raw[m.start() : m.start() + (16 << 20)].decode("utf-8", "replace")
            )
        except ValueError:
            continue
        found = True
        out += _keras_findings(doc, loc)
    if not found and raw.find(b"model_config") >= 0:
        out.append(
            _f(
                R.KERAS_010,
                "HDF5 file has a model_config this scan could "
                "not decode (compressed or chunked attribute)",
                loc,
            )
        )
    return out


# -- protobuf (ONNX, SavedModel) --------------------------------------------------------


_msgs = protobuf_messages
_str = protobuf_string


_ONNX_DOMAINS = {
    "",
    "ai.onnx",
    "ai.onnx.ml",
    "ai.onnx.training",
    "ai.onnx.preview.training",
    "com.microsoft",
}


def scan_onnx(data: bytes, loc: Location, model_dir_files: set[str] | None = None) -> list[Finding]:
    out: list[Finding] = []
    try:
        graphs = _msgs(data, 7)
        for g in _msgs(data, 8):  # opset_import
            dom = _str(g, 1) or ""
            if dom not in _ONNX_DOMAINS:
                out.append(
                    _f(
                        R.ONNX_002,
                        f"ONNX model imports the custom operator "
                        f"domain {dom!r}: runtimes load native custom-op libraries for it",
                        loc,
                        dom,
                    )
                )
        depth = 0
        while graphs and depth < 64:
            depth += 1
            nxt: list[bytes] = []
            for graph in graphs:
                for node in _msgs(graph, 1):
                    dom = _str(node, 7) or ""
                    if dom not in _ONNX_DOMAINS:
                        op = _str(node, 4)
                        out.append(
                            _f(
                                R.ONNX_002,
                                f"node {op!r} is in the custom domain {dom!r}",
                                loc,
                                f"{dom}:{op}",
                            )
                        )
                    for attr in _msgs(node, 5):
                        nxt += _msgs(attr, 6) + _msgs(attr, 11)
                for tensor in _msgs(graph, 5) + _msgs(graph, 16):  # initializer, sparse
                    for entry in _msgs(tensor, 13):
                        if _str(entry, 1) == "location":
                            out += _external_location(_str(entry, 2) or "", loc, model_dir_files)
            graphs = nxt
    except FormatError as exc:
        out.append(
            _f(
                R.ONNX_010,
                f"ONNX protobuf could not be fully parsed: {exc.problem}",
                loc,
            )
        )
    return out


def _external_location(where: str, loc: Location, files: set[str] | None) -> list[Finding]:
    if where.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", where):
        return [_f(R.ONNX_001, f"external data location is an absolute path "
                   f"({where!r}): loading reads an arbitrary file", loc, where)]  # fmt: skip
    if ".." in re.split(r"[\\/]", where):
        return [_f(R.ONNX_001, f"external data location escapes the model "
                   f"directory ({where!r})", loc, where)]  # fmt: skip
    if files is not None and where not in files:
        return [_f(R.ONNX_003, f"external data file {where!r} is missing", loc,
                   where)]  # fmt: skip
    return []


_TF_RISKY = {
    "ReadFile": Severity.HIGH, "WriteFile": Severity.CRITICAL, "MatchingFiles": Severity.HIGH,
    "PyFunc": Severity.CRITICAL, "PyFuncStateless": Severity.CRITICAL, "EagerPyFunc": Severity.CRITICAL,
    "DebugIdentity": Severity.MEDIUM, "DebugIdentityV2": Severity.MEDIUM, "Save": Severity.MEDIUM,
    "SaveV2": Severity.MEDIUM, "MergeV2Checkpoints": Severity.MEDIUM, "ImmutableConst": Severity.HIGH,
    "LoadAndRemapMatrix": Severity.MEDIUM, "DeleteFile": Severity.CRITICAL, "ExecuteFn": Severity.CRITICAL,
    "PrintV2": Severity.LOW, "RecursiveCreateDir": Severity.HIGH,
}  # fmt: skip


def scan_saved_model(data: bytes, loc: Location) -> list[Finding]:
    """SavedModel -> meta_graphs(2) -> graph_def(2) -> node(1).op(2) and
    library(2) -> function(1) -> node_def(3).op(2)."""
    ops: dict[str, int] = {}
    try:
        for mg in _msgs(data, 2):
            for gd in _msgs(mg, 2):
                nodes_ = _msgs(gd, 1)
                for lib in _msgs(gd, 2):
                    for fn in _msgs(lib, 1):
                        nodes_ += _msgs(fn, 3)
                for n in nodes_:
                    op = _str(n, 2) or ""
                    ops[op] = ops.get(op, 0) + 1
    except FormatError as exc:
        return [_f(R.TF_010, f"saved_model.pb could not be parsed: {exc.problem}", loc)]  # fmt: skip
    out = []
    for op, count in sorted(ops.items()):
        if op in _TF_RISKY:
            out.append(
                _f(
                    R.TF_001,
                    f"SavedModel graph uses the {op} op ({count}×): it touches files or runs "
                    "Python when the graph executes",
                    loc,
                    op,
                    severity=_TF_RISKY[op],
                )
            )
    return out
