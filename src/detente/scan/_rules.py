"""The rule catalog: every ``DT-`` rule, defined once.

Findings take their id, default severity, CWE and MITRE ATLAS ids from here; SARIF
``tool.driver.rules`` (SARIF 2.1.0 §3.19.23, §3.49) and docs/scan-rules.md
(``scripts/gen_scan_rules_doc.py``) are generated from it. Analyzers refer to rules by the
constants below, never by id strings.
"""

from __future__ import annotations

from detente.scan._rulebase import Rule
from detente.taxonomy import Severity

__all__ = ["FAMILIES", "RULES", "Rule"]

C, H, M, L, INFO = Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO
# ATLAS 5.6.0: AI Supply Chain Compromise: Model; User Execution; Unsafe AI Artifacts.
SUPPLY = ("AML.T0010.003",)
EXEC = ("AML.T0010.003", "AML.T0011")
UNSAFE = ("AML.T0010.003", "AML.T0011.000")
CWE_502 = ("CWE-502",)
CWE_94 = ("CWE-94",)
_PICKLE_HELP = (
    "Do not load this file with pickle, torch.load(weights_only=False), joblib or numpy "
    "(allow_pickle=True). Prefer safetensors; if the file must be loaded, load it only inside "
    "an isolated sandbox."
)
_INCOMPLETE_HELP = (
    "The scanner could not analyse this part, so it cannot say the file is safe. Obtain a "
    "well-formed copy, raise the limit if the size is legitimate, or treat it as unsafe."
)

FAMILIES: dict[str, str] = {
    "pickle": "Pickle (emulated, never unpickled) — CWE-502",
    "container": "Containers — CWE-502, CWE-22",
    "format": "Formats beyond pickle",
}


def _r(id: str, family: str, severity: Severity, title: str, description: str, help: str = "",
       cwe: tuple[str, ...] = (), atlas: tuple[str, ...] = (), *, incomplete: bool = False,
       severities: str = "") -> Rule:  # fmt: skip
    help = help or (_INCOMPLETE_HELP if incomplete else "")
    return Rule(id, family, severity, title, description, help, cwe, atlas, incomplete, severities)


# -- pickle ------------------------------------------------------------------------------
PICKLE_001 = _r("DT-PICKLE-001", "pickle", C, "Pickle imports a dangerous global",
    "The pickle imports a known-dangerous global (os/posix/nt, subprocess, builtins.eval/exec/"
    "getattr/…, runpy, importlib, socket, ctypes, marshal, types, functools.partial, "
    "operator.attrgetter, torch.hub, …), a name with a dunder segment "
    "(`builtins.object.__subclasses__`), or a path that is not made of identifiers.",
    _PICKLE_HELP, CWE_502, UNSAFE)  # fmt: skip
PICKLE_002 = _r("DT-PICKLE-002", "pickle", H, "Pickle imports a risky global",
    "The pickle imports a global that is risky but not direct code execution (tempfile, "
    "pathlib, threading, copyreg, …).", _PICKLE_HELP, CWE_502, UNSAFE)  # fmt: skip
PICKLE_003 = _r("DT-PICKLE-003", "pickle", M, "Pickle imports a global outside the allowlist",
    "The pickle imports a global that is not on the allowlist of what model files use (e.g. a "
    "user class from a pickled `nn.Module`, or a `__main__` class). Importing runs the module's "
    "top-level code; nothing calls it.",
    "Check that the named module is one you trust and have installed; prefer safetensors.",
    CWE_502, UNSAFE)  # fmt: skip
PICKLE_004 = _r("DT-PICKLE-004", "pickle", C, "Pickle computes its import target",
    "STACK_GLOBAL whose module or name is not a literal string (the import target is computed "
    "at load time, so no static list can judge it).", _PICKLE_HELP, CWE_502, UNSAFE)  # fmt: skip
PICKLE_005 = _r("DT-PICKLE-005", "pickle", H, "Pickle uses the copyreg extension registry",
    "EXT1/EXT2/EXT4: the copyreg extension registry maps a code to a global this scan cannot "
    "see.", _PICKLE_HELP, CWE_502, UNSAFE)  # fmt: skip
PICKLE_010 = _r("DT-PICKLE-010", "pickle", C, "Pickle calls a dangerous callable",
    "The pickle calls a dangerous global (REDUCE, INST, OBJ, NEWOBJ, NEWOBJ_EX, or BUILD through "
    "an injected `__setstate__`).", _PICKLE_HELP, CWE_502, UNSAFE)  # fmt: skip
PICKLE_011 = _r("DT-PICKLE-011", "pickle", C, "Pickle calls a computed callable",
    "The pickle calls a computed callable: the function is itself a call result (a resolver "
    "gadget such as `getattr(module, name)`).", _PICKLE_HELP, CWE_502, UNSAFE)  # fmt: skip
PICKLE_012 = _r("DT-PICKLE-012", "pickle", H, "Pickle calls something that is not a global",
    "The pickle calls a value that is not an imported global.", _PICKLE_HELP, CWE_502,
    UNSAFE)  # fmt: skip
PICKLE_013 = _r("DT-PICKLE-013", "pickle", H, "APPEND on a non-list object",
    "APPEND(S) on a non-list object calls its `append`/`extend` method.", _PICKLE_HELP,
    CWE_502, UNSAFE)  # fmt: skip
PICKLE_014 = _r("DT-PICKLE-014", "pickle", H, "SETITEM on a module-level object",
    "SETITEM(S) on a module-level object calls its `__setitem__`.", _PICKLE_HELP, CWE_502,
    UNSAFE)  # fmt: skip
PICKLE_015 = _r("DT-PICKLE-015", "pickle", H, "BUILD on a module-level object",
    "BUILD on a module-level object sets attributes of (or calls `__setstate__` on) an imported "
    "object.", _PICKLE_HELP, CWE_502, UNSAFE)  # fmt: skip
PICKLE_016 = _r("DT-PICKLE-016", "pickle", H, "Pickle calls a callable outside the allowlist",
    "The pickle calls (REDUCE, INST, OBJ, NEWOBJ/NEWOBJ_EX with arguments, BUILD through an "
    "injected `__setstate__`, or an allowlisted function that calls its argument such as "
    "`copyreg._reconstructor`'s base class) a callable that is not on the allowlist of what "
    "model files call. No denylist can enumerate the callables that run code "
    "(`pydoc.pipepager`, `uuid._get_command_stdout`, idlelib, …): the allowlist decides.",
    _PICKLE_HELP, CWE_502, UNSAFE)  # fmt: skip
PICKLE_017 = _r("DT-PICKLE-017", "pickle", H, "Pickle reads across a FRAME boundary",
    "A read crosses the end of a FRAME, so `pickle.loads(bytes)` and `pickle.load(file)` "
    "(torch.load of a zip, joblib) decode different opcodes from there: a scanner-evasion "
    "technique no pickler produces. The file path is emulated as well and what it sees is "
    "reported.", _PICKLE_HELP, CWE_502, UNSAFE)  # fmt: skip
PICKLE_020 = _r("DT-PICKLE-020", "pickle", C, "Pickle deserializes an embedded payload",
    "A deserializer (`pickle.loads`, `torch.load`, `torch.storage._load_from_bytes`, …) is "
    "called on embedded data; literal payloads are scanned recursively.", _PICKLE_HELP,
    CWE_502, UNSAFE)  # fmt: skip
PICKLE_034 = _r("DT-PICKLE-034", "pickle", H, "Exponentially shared structure (billion laughs)",
    "A small pickle builds, through DUP or memo references, an object graph of millions or "
    "billions of nodes: whatever walks it (printing, copying, serialising, a scanner) exhausts "
    "time or memory.", "Do not load this file; it is a denial-of-service payload.",
    ("CWE-400", "CWE-776"), ("AML.T0010.003", "AML.T0029"))  # fmt: skip
PICKLE_030 = _r("DT-PICKLE-030", "pickle", L, "Bytes after the last pickle",
    "Bytes after the last complete pickle are not a pickle (later hidden pickles are still "
    "searched for and scanned).",
    "Legitimate files rarely carry trailing bytes; find out what wrote them.", CWE_502)  # fmt: skip
PICKLE_031 = _r("DT-PICKLE-031", "pickle", M, "Malformed or truncated pickle",
    "The pickle is malformed or truncated; what was read before the error is reported.",
    cwe=CWE_502, incomplete=True)  # fmt: skip
PICKLE_033 = _r("DT-PICKLE-033", "pickle", M, "Pickle opcode budget exhausted",
    "The pickle has more opcodes than the scan's budget; the rest was not analysed.",
    cwe=CWE_502, incomplete=True)  # fmt: skip

# -- containers --------------------------------------------------------------------------
_ARCHIVE_HELP = ("Archive readers disagree about this file, which is how scanners are bypassed; "
                 "do not load it.")  # fmt: skip
ZIP_001 = _r("DT-ZIP-001", "container", H, "Zip local header disagrees with the directory",
    "A local header's name differs from its central-directory entry: loaders and scanners see "
    "different files.", _ARCHIVE_HELP, CWE_502, SUPPLY)  # fmt: skip
ZIP_002 = _r("DT-ZIP-002", "container", H, "Hidden zip member",
    "A local entry the central directory does not list (a hidden member; its content is "
    "scanned too).", _ARCHIVE_HELP, CWE_502, SUPPLY)  # fmt: skip
ZIP_003 = _r("DT-ZIP-003", "container", H, "Duplicate zip member names",
    "Two members have the same name; loaders disagree on which copy wins.", _ARCHIVE_HELP,
    CWE_502, SUPPLY)  # fmt: skip
ZIP_004 = _r("DT-ZIP-004", "container", H, "Zip member name escapes the archive",
    "A member name is absolute or contains `..` (path traversal on extraction).",
    "Never extract this archive with a tool that trusts member names.", ("CWE-22",),
    SUPPLY)  # fmt: skip
ZIP_010 = _r("DT-ZIP-010", "container", M, "Unreadable zip archive",
    "The zip archive's central directory cannot be read.", cwe=CWE_502, atlas=SUPPLY,
    incomplete=True)  # fmt: skip
ZIP_011 = _r("DT-ZIP-011", "container", M, "Too many zip members",
    "The zip lists more members than the scan's limit; only the first are scanned.",
    cwe=CWE_502, atlas=SUPPLY, incomplete=True)  # fmt: skip
ZIP_012 = _r("DT-ZIP-012", "container", M, "Dangling zip directory entry",
    "A central-directory entry points at no local header.", cwe=CWE_502, atlas=SUPPLY,
    incomplete=True)  # fmt: skip
ZIP_013 = _r("DT-ZIP-013", "container", M, "Zip member over the size limit",
    "A member is larger than the size limit or its compression ratio suggests a bomb; it was "
    "not scanned.", cwe=CWE_502, atlas=SUPPLY, incomplete=True)  # fmt: skip
ZIP_014 = _r("DT-ZIP-014", "container", M, "Unreadable zip member",
    "A member cannot be read (unsupported method, corrupt data, encryption).", cwe=CWE_502,
    atlas=SUPPLY, incomplete=True)  # fmt: skip
ZIP_015 = _r("DT-ZIP-015", "container", M, "Total decompressed size limit reached",
    "The run decompressed more than its total limit; the rest was not scanned.", cwe=CWE_502,
    atlas=SUPPLY, incomplete=True)  # fmt: skip
TAR_001 = _r("DT-TAR-001", "container", H, "Tar member name escapes the archive",
    "A tar member name is absolute or contains `..`.",
    "Never extract this archive with a tool that trusts member names.", ("CWE-22",),
    SUPPLY)  # fmt: skip
TAR_002 = _r("DT-TAR-002", "container", H, "Tar link escapes the archive",
    "A symbolic or hard link member points outside the archive.",
    "Never extract this archive with a tool that follows links.", ("CWE-22",), SUPPLY)  # fmt: skip
TAR_003 = _r("DT-TAR-003", "container", M, "Tar device or FIFO member",
    "A device or FIFO member (model archives have no reason to carry one).",
    "Do not extract this archive as root.", ("CWE-22",), SUPPLY)  # fmt: skip
TAR_010 = _r("DT-TAR-010", "container", M, "Unreadable tar archive",
    "The tar archive cannot be read further.", cwe=("CWE-22",), atlas=SUPPLY,
    incomplete=True)  # fmt: skip
TAR_011 = _r("DT-TAR-011", "container", M, "Too many tar members",
    "The tar has more members than the scan's limit; the rest were not scanned.",
    cwe=("CWE-22",), atlas=SUPPLY, incomplete=True)  # fmt: skip
TAR_012 = _r("DT-TAR-012", "container", M, "Tar member over the size limit",
    "A tar member is larger than the size limit; it was not scanned.", cwe=("CWE-22",),
    atlas=SUPPLY, incomplete=True)  # fmt: skip
ARC_001 = _r("DT-ARC-001", "container", H, "Archive member name escapes the archive",
    "A member of a 7z/RAR/CAB/… archive has an absolute name or one containing `..`.",
    "Never extract this archive with a tool that trusts member names.", ("CWE-22",),
    SUPPLY)  # fmt: skip
ARC_010 = _r("DT-ARC-010", "container", M, "Archive format not readable here",
    "A 7z, RAR, CAB, xar, ar, cpio, ISO 9660, LHA, zstd, lz4, lzip or lzop file, recognised by "
    "content, whose members cannot be read without libarchive: nothing in it was analysed.",
    "Install the archives extra (pip install 'detente[archives]', and the libarchive system "
    "library) and scan again, or unpack it yourself and scan the contents.", atlas=SUPPLY,
    incomplete=True)  # fmt: skip
ARC_011 = _r("DT-ARC-011", "container", M, "Unreadable archive",
    "An archive read through libarchive could not be read further (encrypted, corrupt or "
    "unsupported); the rest was not analysed.", atlas=SUPPLY, incomplete=True)  # fmt: skip
ARC_012 = _r("DT-ARC-012", "container", M, "Archive over the limits",
    "An archive, or a member of it, is over the size or member-count limit; it was not fully "
    "scanned.", atlas=SUPPLY, incomplete=True)  # fmt: skip
NPY_001 = _r("DT-NPY-001", "container", L, "Object-dtype numpy array",
    "An object-dtype array: its data is a pickle (scanned as such; numpy.load needs "
    "allow_pickle=True to run it).", "Load with numpy.load(allow_pickle=False) if you can.",
    CWE_502, SUPPLY)  # fmt: skip
NPY_010 = _r("DT-NPY-010", "container", M, "Malformed .npy header",
    "The `.npy` header cannot be parsed.", incomplete=True)  # fmt: skip
SCAN_001 = _r("DT-SCAN-001", "container", M, "Analysis aborted",
    "Analysis ran out of memory or recursion depth.", incomplete=True)  # fmt: skip
SCAN_002 = _r("DT-SCAN-002", "container", M, "Nesting too deep",
    "Archives or pickles nested deeper than the limit were not analysed.",
    incomplete=True)  # fmt: skip
SCAN_003 = _r("DT-SCAN-003", "container", M, "Decompression bomb",
    "A compressed stream decompresses past the size limit (possible bomb); not analysed.",
    incomplete=True)  # fmt: skip
SCAN_004 = _r("DT-SCAN-004", "container", M, "Corrupt compressed stream",
    "A gzip/bzip2/xz stream is corrupt.", incomplete=True)  # fmt: skip
SCAN_005 = _r("DT-SCAN-005", "container", M, "Unreadable file",
    "The file cannot be read.", incomplete=True)  # fmt: skip
SCAN_006 = _r("DT-SCAN-006", "container", H, "Symlink leaves the scanned directory",
    "A symlink points outside the scanned directory (high), or a symlinked directory was not "
    "followed (medium).", "Resolve the link and scan its target explicitly.", ("CWE-59",),
    severities="high/medium")  # fmt: skip
SCAN_007 = _r("DT-SCAN-007", "container", INFO, "Unrecognised model-file content",
    "A file with a model-file name holds content this scanner does not recognise; nothing "
    "executable was found in it.", "Check what the file is.")  # fmt: skip

# -- formats beyond pickle ---------------------------------------------------------------
_TPL = ("CWE-1336", "CWE-94")
_TPL_HELP = ("Inference servers render chat templates; one that reaches Python internals is a "
             "server-side template injection. Replace the template with a known one.")  # fmt: skip
_CODE_HELP = "Read the code it would run before loading; never load with trust_remote_code."
GGUF_001 = _r("DT-GGUF-001", "format", H, "Invalid GGUF structure",
    "GGUF structure invalid (bounds, counts, offsets).", "Obtain an intact copy.",
    ("CWE-20",), SUPPLY, incomplete=True)  # fmt: skip
ST_001 = _r("DT-ST-001", "format", H, "Invalid safetensors header",
    "safetensors header invalid (overlaps, gaps, sizes, lengths): tampering or corruption.",
    "Obtain an intact copy.", ("CWE-20",), SUPPLY, incomplete=True)  # fmt: skip
TPL_001 = _r("DT-TPL-001", "format", C, "Template reaches a dunder attribute",
    "A chat template reaches a dunder attribute (`.__class__`, `['__globals__']`, "
    "`|attr('__class__')`).", _TPL_HELP, _TPL, EXEC)  # fmt: skip
TPL_002 = _r("DT-TPL-002", "format", H, "Template uses |attr with a computed name",
    "`|attr` with a computed attribute name.", _TPL_HELP, _TPL, EXEC)  # fmt: skip
TPL_003 = _r("DT-TPL-003", "format", C, "Template names a dangerous object",
    "The template names `os`, `subprocess`, `eval`, ….", _TPL_HELP, _TPL, EXEC)  # fmt: skip
TPL_004 = _r("DT-TPL-004", "format", C, "Template assembles a dunder name",
    "A string assembled to spell a dunder (`'__cla' ~ 'ss__'`, `'%c'|format(…)`).", _TPL_HELP,
    _TPL, EXEC)  # fmt: skip
TPL_005 = _r("DT-TPL-005", "format", H, "Template string contains a dunder name",
    "A string constant in the template contains a dunder name.", _TPL_HELP, _TPL,
    EXEC)  # fmt: skip
TPL_006 = _r("DT-TPL-006", "format", M, "Template loops a huge number of times",
    "`range(N)` with huge N: rendering would loop for a very long time (denial of service).",
    _TPL_HELP, ("CWE-400",))  # fmt: skip
TPL_007 = _r("DT-TPL-007", "format", H, "Template reaches internals through a global",
    "Attribute access on template globals that lead to internals (`self`, `cycler`, `joiner`, "
    "`lipsum`, …).", _TPL_HELP, _TPL, EXEC)  # fmt: skip
TPL_010 = _r("DT-TPL-010", "format", M, "Template not analysed",
    "The template is too large or nests too deeply to analyse.", incomplete=True)  # fmt: skip
TPL_011 = _r("DT-TPL-011", "format", L, "Template does not parse",
    "The template does not parse; servers will refuse it.", "Fix the template.")  # fmt: skip
CFG_001 = _r("DT-CFG-001", "format", H, "auto_map needs trust_remote_code",
    "`auto_map` needs `trust_remote_code=True` (names the module and whether it is shipped).",
    _CODE_HELP, CWE_94, EXEC)  # fmt: skip
CFG_002 = _r("DT-CFG-002", "format", H, "Config asks for trust_remote_code",
    "The config asks for `trust_remote_code`.", _CODE_HELP, CWE_94, EXEC)  # fmt: skip
CFG_003 = _r("DT-CFG-003", "format", C, "Config instantiates a dangerous callable",
    "A Hydra/NeMo `_target_` instantiates a dangerous callable.", _CODE_HELP,
    ("CWE-94", "CWE-502"), EXEC)  # fmt: skip
CFG_004 = _r("DT-CFG-004", "format", H, "Config instantiates an unusual target",
    "A `_target_` outside the usual NeMo/PyTorch namespaces (Hydra imports and calls it on "
    "load).", _CODE_HELP, CWE_94, EXEC)  # fmt: skip
CFG_005 = _r("DT-CFG-005", "format", C, "YAML python tags",
    "YAML `!!python/` tags: an unsafe YAML loader constructs Python objects from them.",
    "Load YAML only with yaml.safe_load.", CWE_502, EXEC)  # fmt: skip
CFG_010 = _r("DT-CFG-010", "format", L, "Invalid JSON", "A `.json` file is not valid JSON.",
    "Check the file.", atlas=SUPPLY)  # fmt: skip
CFG_011 = _r("DT-CFG-011", "format", L, "Invalid YAML", "A YAML file is not valid YAML.",
    "Check the file.", atlas=SUPPLY)  # fmt: skip
PY_001 = _r("DT-PY-001", "format", H, "Shipped Python runs dangerous calls",
    "Shipped Python calls os.system/subprocess/eval/exec/network/…; critical when at import "
    "time.", _CODE_HELP, CWE_94, EXEC, severities="high/critical")  # fmt: skip
PY_010 = _r("DT-PY-010", "format", L, "Shipped Python does not parse",
    "A shipped `.py` file does not parse.", "Check the file.", atlas=SUPPLY)  # fmt: skip
KERAS_001 = _r("DT-KERAS-001", "format", C, "Keras Lambda layer",
    "A Keras `Lambda`/`TFOpLambda` layer or a serialized `__lambda__` (bytecode that runs on "
    "load).", "Load Keras models with safe_mode=True; rebuild the layer in code.", CWE_94,
    EXEC)  # fmt: skip
KERAS_002 = _r("DT-KERAS-002", "format", H, "Keras config imports a foreign module",
    "A Keras config imports a module outside keras (critical when the module is dangerous).",
    _CODE_HELP, CWE_94, EXEC, severities="high/critical")  # fmt: skip
KERAS_010 = _r("DT-KERAS-010", "format", M, "Keras config not decodable",
    "An HDF5 model_config is present but could not be decoded.", atlas=SUPPLY,
    incomplete=True)  # fmt: skip
ONNX_001 = _r("DT-ONNX-001", "format", C, "ONNX external data escapes the model",
    "An external data location is absolute or escapes the model directory: loading reads an "
    "arbitrary file.", "Do not load this model.", ("CWE-22", "CWE-73"), SUPPLY)  # fmt: skip
ONNX_002 = _r("DT-ONNX-002", "format", H, "ONNX custom operator domain",
    "A custom operator domain: runtimes load native custom-op libraries for it.",
    "Load only with the custom-op library you trust.", ("CWE-829",), EXEC)  # fmt: skip
ONNX_003 = _r("DT-ONNX-003", "format", M, "ONNX external data missing",
    "An external data file named by the model is missing.", atlas=SUPPLY,
    incomplete=True)  # fmt: skip
ONNX_010 = _r("DT-ONNX-010", "format", M, "ONNX not fully parseable",
    "The ONNX protobuf could not be fully parsed.", atlas=SUPPLY, incomplete=True)  # fmt: skip
TF_001 = _r("DT-TF-001", "format", H, "SavedModel uses risky ops",
    "The SavedModel graph uses ops that touch files or run Python (PyFunc, WriteFile, "
    "ReadFile, …).", "Inspect the graph before serving it.", ("CWE-73",), EXEC,
    severities="low–critical, by op")  # fmt: skip
TF_010 = _r("DT-TF-010", "format", M, "saved_model.pb not parseable",
    "saved_model.pb could not be parsed.", atlas=SUPPLY, incomplete=True)  # fmt: skip

RULES: dict[str, Rule] = {r.id: r for r in list(globals().values()) if isinstance(r, Rule)}
