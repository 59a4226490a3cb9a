"""Which imported globals are safe, which are dangerous, and why — decided without importing.

Allowlist first: exact ``(module, qualname)`` pairs that ordinary model files reference
(torch rebuild functions and storages, numpy reconstruction, collections, scikit-learn
estimators, joblib wrappers), shipped as ``data/allowlist.json``. Then a denylist of known
dangerous callables, each with the reason it is dangerous. Anything else is an unknown global:
a warning, because importing it runs module code and calling it can do anything. A dunder
segment in a dotted name (``builtins.__dict__``) is critical: it walks into interpreter
internals. ``__main__`` classes (the pickling program's own, unknown to any loader) are judged
like any other unknown class. The result never depends on what happens to be installed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from detente.taxonomy import Severity

__all__ = ["Verdict", "classify_global", "is_nested_loader", "safe_pairs"]


@dataclass(frozen=True)
class Verdict:
    severity: Severity | None  # None = allowlisted
    reason: str


_C = Severity.CRITICAL
_H = Severity.HIGH

# module -> {name or "*": (severity, reason)}
_DANGEROUS: dict[str, dict[str, tuple[Severity, str]]] = {
    "os": {"*": (_C, "operating-system access (process execution, files, environment)")},
    "posix": {"*": (_C, "operating-system access (os on POSIX)")},
    "nt": {"*": (_C, "operating-system access (os on Windows)")},
    "subprocess": {"*": (_C, "runs external programs")},
    "pty": {"*": (_C, "spawns a shell on a pseudo-terminal")},
    "commands": {"*": (_C, "runs shell commands (Python 2)")},
    "popen2": {"*": (_C, "runs shell commands (Python 2)")},
    "platform": {"popen": (_C, "runs shell commands")},
    "builtins": {
        "eval": (_C, "evaluates arbitrary Python code"),
        "exec": (_C, "executes arbitrary Python code"),
        "compile": (_C, "compiles arbitrary Python code"),
        "__import__": (_C, "imports arbitrary modules"),
        "open": (_C, "opens arbitrary files"),
        "getattr": (_C, "resolver gadget: fetches any attribute, e.g. os.system"),
        "setattr": (_C, "rewrites attributes of arbitrary objects"),
        "delattr": (_C, "deletes attributes of arbitrary objects"),
        "globals": (_C, "exposes interpreter globals"),
        "locals": (_C, "exposes interpreter locals"),
        "vars": (_C, "exposes object namespaces"),
        "breakpoint": (_C, "starts a debugger"),
        "input": (_H, "reads from the terminal"),
        "exit": (_H, "terminates the process"),
        "quit": (_H, "terminates the process"),
        "help": (_H, "starts the interactive help (pager)"),
        "memoryview": (_H, "raw memory access"),
        "type": (_H, "creates classes dynamically"),
        "super": (_H, "attribute-resolution gadget"),
        "classmethod": (_H, "descriptor gadget"),
        "staticmethod": (_H, "descriptor gadget"),
        "property": (_H, "descriptor gadget"),
        "map": (_H, "calls a function over data (call gadget)"),
        "filter": (_H, "calls a function over data (call gadget)"),
        "apply": (_C, "calls any function (Python 2)"),
        "execfile": (_C, "executes a file (Python 2)"),
        "file": (_C, "opens arbitrary files (Python 2)"),
        "reload": (_C, "re-executes module code"),
    },
    "runpy": {"*": (_C, "runs Python modules or files")},
    "importlib": {"*": (_C, "imports arbitrary modules")},
    "imp": {"*": (_C, "imports arbitrary modules")},
    "pkgutil": {"*": (_C, "imports or resolves arbitrary modules")},
    "zipimport": {"*": (_C, "imports code from archives")},
    "code": {"*": (_C, "runs arbitrary Python code (interactive interpreter)")},
    "codeop": {"*": (_C, "compiles arbitrary Python code")},
    "marshal": {"*": (_C, "deserializes code objects")},
    "types": {"*": (_C, "builds functions and code objects from raw parts")},
    "ctypes": {"*": (_C, "calls native code and reads/writes raw memory")},
    "_ctypes": {"*": (_C, "calls native code")},
    "cffi": {"*": (_C, "calls native code")},
    "socket": {"*": (_C, "opens network connections")},
    "ssl": {"*": (_H, "opens network connections")},
    "http": {"*": (_C, "network access")},
    "urllib": {"*": (_C, "network access")},
    "urllib2": {"*": (_C, "network access (Python 2)")},
    "requests": {"*": (_C, "network access")},
    "httpx": {"*": (_C, "network access")},
    "aiohttp": {"*": (_C, "network access")},
    "ftplib": {"*": (_C, "network access")},
    "smtplib": {"*": (_C, "sends email")},
    "telnetlib": {"*": (_C, "network access")},
    "xmlrpc": {"*": (_C, "remote procedure calls")},
    "webbrowser": {"*": (_C, "opens URLs in a browser")},
    "shutil": {"*": (_C, "copies, moves or deletes files")},
    "tempfile": {"*": (_H, "creates files")},
    "glob": {"*": (_H, "lists files")},
    "pathlib": {"*": (_H, "file-system access")},
    "io": {"open": (_C, "opens arbitrary files"), "FileIO": (_C, "opens arbitrary files")},
    "_io": {"open": (_C, "opens arbitrary files"), "FileIO": (_C, "opens arbitrary files")},
    "shelve": {"*": (_C, "opens pickle databases (nested deserialization)")},
    "dbm": {"*": (_H, "opens database files")},
    "sqlite3": {"*": (_H, "opens databases")},
    "sys": {"*": (_C, "interpreter internals (sys.modules, settrace, exit)")},
    "gc": {"*": (_H, "interpreter internals (get_referrers/get_objects)")},
    "inspect": {"*": (_H, "introspection gadget")},
    "pickle": {"*": (_C, "nested (de)serialization")},
    "_pickle": {"*": (_C, "nested (de)serialization")},
    "cPickle": {"*": (_C, "nested (de)serialization (Python 2)")},
    "pickletools": {"*": (_H, "pickle internals")},
    "copyreg": {"*": (_H, "rewires how objects are pickled (extension registry)")},
    "copy_reg": {"*": (_H, "rewires how objects are pickled (Python 2)")},
    "dill": {"*": (_C, "nested deserialization of code")},
    "cloudpickle": {"*": (_C, "nested deserialization of code")},
    "joblib": {"load": (_C, "nested deserialization"), "*": (_H, "joblib internals")},
    "functools": {
        "partial": (_C, "call gadget: binds arguments to any callable"),
        "reduce": (_C, "call gadget: calls any function repeatedly"),
        "*": (_H, "function-composition gadget"),
    },
    "operator": {
        "attrgetter": (_C, "resolver gadget: fetches attributes by name"),
        "methodcaller": (_C, "call gadget: calls a method by name"),
        "itemgetter": (_H, "item-access gadget"),
        "getitem": (_H, "item-access gadget"),
        "*": (_H, "operator gadget"),
    },
    "itertools": {"starmap": (_H, "call gadget"), "*": (_H, "iterator gadget")},
    "asyncio": {"*": (_C, "runs subprocesses and network I/O")},
    "multiprocessing": {"*": (_C, "starts processes")},
    "threading": {"*": (_H, "starts threads")},
    "_thread": {"*": (_H, "starts threads")},
    "signal": {"*": (_H, "installs signal handlers")},
    "pdb": {"*": (_C, "debugger: runs arbitrary code")},
    "bdb": {"*": (_C, "debugger: runs arbitrary code")},
    "timeit": {"*": (_C, "timeit executes arbitrary code strings")},
    "cProfile": {"*": (_C, "profiler runs arbitrary code strings")},
    "profile": {"*": (_C, "profiler runs arbitrary code strings")},
    "trace": {"*": (_C, "tracer runs arbitrary code")},
    "doctest": {"*": (_C, "runs code from docstrings")},
    "venv": {"*": (_C, "creates environments, runs pip")},
    "ensurepip": {"*": (_C, "installs packages")},
    "pip": {"*": (_C, "installs packages")},
    "setuptools": {"*": (_C, "builds/installs packages")},
    "distutils": {"*": (_C, "runs build commands")},
    "site": {"*": (_H, "interpreter start-up hooks")},
    "builtin": {"*": (_C, "builtins alias")},
    "__builtin__": {"*": (_C, "builtins (Python 2)")},
    "torch": {"load": (_C, "nested pickle load"), "hub": (_C, "downloads and runs code")},
    "torch.hub": {"*": (_C, "downloads and runs code from a hub")},
    "torch.jit": {"load": (_C, "loads TorchScript (code)"), "*": (_H, "TorchScript")},
    "torch.serialization": {
        "load": (_C, "nested pickle load"),
        "*": (_H, "serialization internals"),
    },
    "torch.storage": {"_load_from_bytes": (_C, "nested pickle load of embedded bytes")},
    "torch._C": {"*": (_H, "native internals")},
    "torch.utils.cpp_extension": {"*": (_C, "compiles and loads native code")},
    "numpy": {"load": (_C, "nested load (allow_pickle)"), "loads": (_C, "nested pickle load")},
    "numpy.lib.npyio": {"*": (_C, "nested load (allow_pickle)")},
    "numpy.testing": {"*": (_H, "test helpers that run code")},
    "numpy.f2py": {"*": (_C, "compiles and runs native code")},
    "yaml": {"load": (_C, "unsafe YAML load"), "unsafe_load": (_C, "unsafe YAML load")},
    "jinja2": {"*": (_H, "template rendering")},
    "keras": {"*": (_H, "keras internals (Lambda layers run code)")},
    "tensorflow": {"*": (_H, "tensorflow internals (tf.io reads/writes files)")},
}

# Loaders whose first argument is a serialized payload: recurse into literal bytes.
_NESTED = {
    ("pickle", "loads"), ("_pickle", "loads"), ("cPickle", "loads"), ("pickle", "load"),
    ("_pickle", "load"), ("dill", "loads"), ("cloudpickle", "loads"), ("torch", "load"),
    ("torch.serialization", "load"), ("torch.storage", "_load_from_bytes"), ("joblib", "load"),
    ("numpy", "loads"), ("marshal", "loads"), ("shelve", "open"),
}  # fmt: skip


@cache
def safe_pairs() -> frozenset[tuple[str, str]]:
    # pkgutil.get_data reads package data through the loader, like importlib.resources, but
    # without importing its readers (zipfile, tempfile, shutil): start-up is the whole cost
    # of scanning a torch zip (issue 16).
    import pkgutil

    raw = pkgutil.get_data("detente.scan", "data/allowlist.json")
    if raw is None:  # a loader without get_data: no allowlist, no decision
        raise RuntimeError("detente.scan/data/allowlist.json is not readable")
    return frozenset((m, n) for m, n in json.loads(raw)["safe"])


def is_nested_loader(module: str, name: str) -> bool:
    return (module, name) in _NESTED


def _is_dunder(part: str) -> bool:
    return len(part) > 4 and part.startswith("__") and part.endswith("__")


def classify_global(module: str, name: str) -> Verdict:
    if (module, name) in safe_pairs():
        return Verdict(None, "allowlisted")
    parts = name.split(".")
    mod_parts = module.split(".")
    table = _DANGEROUS.get(module)
    if table is not None and name in table:
        return Verdict(*table[name])
    if any(_is_dunder(p) for p in parts) or any(
        _is_dunder(p) for p in mod_parts if p not in ("__main__", "__builtin__", "__future__")
    ):
        return Verdict(_C, "a dunder segment walks into interpreter internals")
    if not module or not name or any(not p.isidentifier() for p in mod_parts + parts):
        return Verdict(_C, "module or name is not a plain identifier path")
    # Most specific module first: "torch.hub" before "torch"; "os.path" falls under "os".
    head = parts[0]
    for i in range(len(mod_parts), 0, -1):
        table = _DANGEROUS.get(".".join(mod_parts[:i]))
        if table is None:
            continue
        sub = ".".join([*mod_parts[i:], head])
        for key in (name, head, sub):
            if key in table:
                return Verdict(*table[key])
        if "*" in table:
            return Verdict(*table["*"])
    return Verdict(Severity.MEDIUM, "not on the allowlist of globals that model files use")
