"""What the opcodes of an emulated pickle *mean*: which imports and calls would happen, judged
against the allowlist (the allowlist decides; the denylist explains).

* an import outside the allowlist is reported (critical or high when the denylist knows why
  the module is dangerous, medium otherwise: importing runs module code, nothing is called);
* a call — REDUCE, INST, OBJ, NEWOBJ or NEWOBJ_EX with arguments, BUILD through an injected
  ``__setstate__``, or an allowlisted function that calls its argument (``copyreg.
  _reconstructor``'s base class, ``_rebuild_from_type_v2``'s function) — of anything outside
  the allowlist is at least high, critical when the denylist explains it;
* ``cls.__new__(cls)`` (NEWOBJ with no arguments, what ``copyreg.__reduce_ex__`` writes for
  every plain class) runs no code chosen by the pickle, so it stays an import.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from detente.scan import _rules as R
from detente.scan._allowlist import classify_global, is_nested_loader
from detente.scan._finding import Finding, Location
from detente.scan._pickle_values import (
    JOBLIB_WRAPPERS,
    Blob,
    Call,
    Global,
    Instance,
    PickleReport,
    Unknown,
    args_preview,
    describe,
    hashable,
)
from detente.scan._rulebase import Rule
from detente.taxonomy import Severity

__all__ = ["Effects"]

Nested = Callable[[bytes, Location], list[Finding]]
# Allowlisted functions that call one of their arguments: (index of the callee, of its args).
_APPLIES: dict[tuple[str, str], tuple[int, int | None]] = {
    ("copyreg", "_reconstructor"): (1, 2),  # base.__init__(obj, state) unless base is object
    ("copy_reg", "_reconstructor"): (1, 2),
    ("copyreg", "__newobj__"): (0, None),  # cls.__new__(cls, *args)
    ("copyreg", "__newobj_ex__"): (0, None),  # cls.__new__(cls, *args, **kwargs)
    ("torch._tensor", "_rebuild_from_type_v2"): (0, 2),  # func(*args)
    ("torch._tensor", "_rebuild_from_type"): (0, 2),
}
_OBJECT = (("builtins", "object"), ("__builtin__", "object"))


def _no_args(args: Any, how: str) -> bool:
    if how == "NEWOBJ_EX" and isinstance(args, tuple) and len(args) == 2:
        return bool(args[0] == () and (args[1] is None or args[1] == {}))
    return bool(args == ())


class Effects:
    def __init__(self, location: Location, nested: Nested | None, report: PickleReport) -> None:
        self.loc = location
        self.nested = nested
        self.report = report
        self.data: Any = b""
        self._seen: set[tuple[str, int | None, str]] = set()
        self._setstate: dict[int, tuple[Any, Any]] = {}  # id(obj) -> (obj, injected callable)

    def add(self, rule: Rule, message: str, offset: int | None, evidence: str = "", *,
            severity: Severity | None = None) -> None:  # fmt: skip
        key = (rule.id, offset, evidence)
        if key in self._seen:
            return
        self._seen.add(key)
        loc = Location(self.loc.path, self.loc.members, offset)
        self.report.findings.append(rule.finding(message, loc, evidence[:300], severity=severity))

    # -- imports ------------------------------------------------------------------------------
    def import_global(self, module: str, name: str, offset: int, how: str) -> Global:
        self.report.globals.append((module, name))
        v = classify_global(module, name)
        if v.severity is not None:
            ev = f"{module}.{name}"
            rule = {Severity.CRITICAL: R.PICKLE_001, Severity.HIGH: R.PICKLE_002}.get(
                v.severity, R.PICKLE_003
            )
            self.add(rule, f"pickle imports {ev} ({how}): {v.reason}", offset, ev,
                     severity=v.severity)  # fmt: skip
        return Global(module, name)

    def persistent(self, pid: Any) -> Any:
        """torch's legacy ``persistent_load`` returns the class itself for ``("module", cls,
        source_file, source)`` (torch/serialization.py): the class was imported by GLOBAL."""
        if (
            isinstance(pid, tuple)
            and len(pid) >= 2
            and pid[0] == "module"
            and isinstance(pid[1], Global)
        ):
            return pid[1]
        return Instance(Unknown("persistent"), pid)

    # -- calls --------------------------------------------------------------------------------
    def call(self, func: Any, args: Any, offset: int, how: str) -> Any:
        if isinstance(func, Global):
            return self._call_global(func, args, offset, how)
        if isinstance(func, Call | Instance | Unknown):
            self.add(R.PICKLE_011, f"pickle calls a computed callable via {how} (resolver "
                     "gadget: the function is the result of another call, e.g. getattr(module, "
                     "name))", offset, describe(func))  # fmt: skip
        elif func is not None and not isinstance(func, str | bytes | int | float | Blob):
            self.add(R.PICKLE_012, f"pickle calls a non-global value via {how}", offset,
                     describe(func))  # fmt: skip
        return Call(func, args, offset)

    def _call_global(self, func: Global, args: Any, offset: int, how: str) -> Any:
        key = (func.module, func.name)
        if is_nested_loader(*key):
            self._nested(func, args, offset)
        if key in JOBLIB_WRAPPERS:
            return Instance(func)
        verdict = classify_global(*key)
        if verdict.severity is None:
            self._applied(key, args, offset, how)
        elif how in ("NEWOBJ", "NEWOBJ_EX") and _no_args(args, how):
            pass  # cls.__new__(cls): an instance without __init__; the import is reported
        elif verdict.severity >= Severity.HIGH:
            self.add(R.PICKLE_010, f"pickle calls {func} via {how}: {verdict.reason}", offset,
                     f"{func}({args_preview(args)})")  # fmt: skip
        else:
            self.add(R.PICKLE_016, f"pickle calls {func} via {how}: it is not on the allowlist "
                     "of callables model files use, so it may run any code", offset,
                     f"{func}({args_preview(args)})")  # fmt: skip
        return Call(func, args, offset)

    def _applied(self, key: tuple[str, str], args: Any, offset: int, how: str) -> None:
        """An allowlisted function that calls one of its arguments: judge that call."""
        spec = _APPLIES.get(key)
        if spec is None or not isinstance(args, tuple) or len(args) <= spec[0]:
            return
        callee = args[spec[0]]
        if isinstance(callee, Global) and (callee.module, callee.name) in _OBJECT:
            return
        if key[1] == "__newobj__":
            self.call(callee, tuple(args[1:]), offset, "NEWOBJ")
        elif key[1] == "__newobj_ex__":
            rest = (args[1] if len(args) > 1 else (), args[2] if len(args) > 2 else {})
            self.call(callee, rest, offset, "NEWOBJ_EX")
        else:
            inner = args[spec[1]] if spec[1] is not None and len(args) > spec[1] else None
            inner = inner if isinstance(inner, tuple) else (inner,)
            self.call(callee, inner, offset, f"{how} of {key[0]}.{key[1]}")

    def _nested(self, func: Global, args: Any, offset: int) -> None:
        self.add(R.PICKLE_020, f"pickle calls a deserializer ({func}) on embedded data: a "
                 "nested payload", offset, str(func))  # fmt: skip
        payload = args[0] if isinstance(args, tuple) and args else None
        if isinstance(payload, Blob) and not payload.text:
            payload = bytes(self.data[payload.start : payload.start + payload.length])
        if isinstance(payload, bytes | bytearray) and self.nested is not None:
            inner = Location(self.loc.path, (*self.loc.members, f"<nested pickle @{offset}>"))
            self.report.findings.extend(self.nested(bytes(payload), inner))

    # -- mutations that call methods -------------------------------------------------------
    def append(self, target: Any, items: list[Any], at: int) -> None:
        if isinstance(target, list):
            target.extend(items)
        elif isinstance(target, Global) or (
            isinstance(target, Call | Instance) and not isinstance(_origin(target), Global)
        ):
            # _pickle.c calls target.extend / target.append: a method of a module-level or
            # computed object. (A list subclass's items arrive this way too: its class was
            # judged when it was imported and instantiated.)
            self.add(R.PICKLE_013, "APPEND(S) on a non-list object calls its append/extend "
                     "method", at, describe(target))  # fmt: skip

    def setitems(self, target: Any, items: list[Any], at: int) -> None:
        if isinstance(target, dict):
            for i in range(0, len(items) - 1, 2):
                target[hashable(items[i])] = items[i + 1]
        elif isinstance(target, Global):
            self.add(R.PICKLE_014, "SETITEM(S) on a module-level object calls its __setitem__",
                     at, str(target))  # fmt: skip

    def build(self, obj: Any, state: Any, at: int) -> bool:
        """BUILD; True when ``obj`` is a joblib array wrapper whose data follows in the stream."""
        injected = self._setstate.get(id(obj))
        if injected is not None and injected[0] is obj:
            # _pickle.c load_build: an object with __setstate__ gets it called with the state.
            self.call(injected[1], (state,), at, "BUILD (__setstate__)")
            return False
        if isinstance(obj, Global):
            self.add(R.PICKLE_015, f"BUILD on the module-level object {obj}: sets attributes "
                     "of (or calls __setstate__ on) an imported object", at, str(obj))  # fmt: skip
            return False
        setter = _injected_setstate(state)
        if setter is not None:
            self._setstate[id(obj)] = (obj, setter)
        if isinstance(obj, Instance):
            obj.state = state
            return isinstance(obj.cls, Global) and (obj.cls.module, obj.cls.name) in JOBLIB_WRAPPERS
        return False


def _origin(v: Call | Instance) -> Any:
    return v.func if isinstance(v, Call) else v.cls


def _injected_setstate(state: Any) -> Any:
    """The value a BUILD state assigns to ``__setstate__`` (instance dict or slot state)."""
    parts = state if isinstance(state, tuple) and len(state) == 2 else (state,)
    for part in parts:
        if isinstance(part, dict) and "__setstate__" in part:
            return part["__setstate__"]
    return None
