"""Calls in the C data flow: sources of external input, allocations, frees, copies and sinks.

A call's arguments are evaluated first; then the call's own effect: a source taints what it
fills (``recv(s, buf, …)``, ``fscanf(f, "%d", &n)``), an allocation makes a heap value, a copy
is checked against the destination's size, a format or command argument against its taint.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from detente.codevuln._cvalues import Val
from detente.codevuln._treesitter import children, field, text

if TYPE_CHECKING:
    from tree_sitter import Node

    from detente.codevuln._cflow import _Fn
    from detente.codevuln._cvalues import Var

__all__ = ["call"]

_SOURCES_RET = {"getenv", "secure_getenv", "_wgetenv", "GETENV", "rand", "random", "RAND32"}
_SOURCES_RET |= {"RAND64", "getchar", "fgetc", "getc", "wgetenv", "readline"}
# function -> index of the argument it fills with external input (-1: every pointer argument
# after the format).
_SOURCES_ARG = {"recv": 1, "recvfrom": 1, "read": 1, "fgets": 0, "fgetws": 0, "gets": 0}
_SOURCES_ARG |= {"fread": 0, "getline": 0, "scanf": -1, "fscanf": -1, "wscanf": -1}
_SOURCES_ARG |= {"fwscanf": -1, "sscanf": -1, "swscanf": -1, "_gets": 0}
_ALLOC = {"malloc", "calloc", "realloc", "strdup", "strndup", "alloca", "ALLOCA", "_alloca"}
_ALLOC |= {"wcsdup", "xmalloc", "kmalloc"}
_COMMAND = {"system", "popen", "_popen", "_wsystem", "_wpopen", "execl", "execlp", "execle"}
_COMMAND |= {"execv", "execvp", "execve", "_execl", "_execlp", "_wexecl", "_wexeclp", "EXECL"}
_COMMAND |= {"POPEN", "SYSTEM", "_execv", "_execvp", "_wexecv"}
_FORMAT = {"printf": 0, "vprintf": 0, "wprintf": 0, "vwprintf": 0, "fprintf": 1, "vfprintf": 1}
_FORMAT |= {"fwprintf": 1, "vfwprintf": 1, "dprintf": 1, "sprintf": 1, "vsprintf": 1}
_FORMAT |= {"swprintf": 2, "snprintf": 2, "vsnprintf": 2, "_snprintf": 2, "_vsnprintf": 2}
_FORMAT |= {"syslog": 1, "vsyslog": 1, "err": 1, "errx": 1, "warn": 0, "warnx": 0}
# Calls that read a buffer or pointer without keeping it (a pointer passed elsewhere may be
# freed or stored by the callee: it escapes the leak check).
_BORROW = {"printf", "fprintf", "puts", "fputs", "strlen", "wcslen", "strcpy", "strncpy"}
_BORROW |= {"strcat", "strncat", "memcpy", "memmove", "memset", "wcscpy", "wcsncpy", "wcscat"}
_BORROW |= {"wcsncat", "wmemset", "wmemcpy", "strcmp", "strncmp", "sprintf", "snprintf"}
_BORROW |= {"printLine", "printWLine", "printIntLine", "printLongLine", "printHexCharLine"}
_BORROW |= {"printStructLine", "printLongLongLine", "printDoubleLine", "printFloatLine"}
_BORROW |= {"printSizeTLine", "printUnsignedLine", "printWcharLine", "strchr", "strstr", "atoi"}
_BORROW |= {"fgets", "recv", "read", "sscanf", "wprintf", "strtok", "toupper", "tolower"}
_CLEAN_CALLS = {"strlen", "wcslen", "sizeof", "abs", "labs", "time", "getpid", "socket"}
_COPY = {"strcpy", "wcscpy", "stpcpy", "strcat", "wcscat", "lstrcpy", "_mbscpy"}
_NCOPY = {"strncpy": 2, "wcsncpy": 2, "strncat": 2, "wcsncat": 2, "memcpy": 2, "memmove": 2}
_NCOPY |= {"wmemcpy": 2, "wmemmove": 2, "memset": 2, "wmemset": 2, "snprintf": 1}
_NCOPY |= {"vsnprintf": 1, "fgets": 1, "fgetws": 1, "read": 1, "recv": 1}
_WIDE = {"wcscpy", "wcscat", "wcsncpy", "wcsncat", "wmemcpy", "wmemmove", "wmemset", "fgetws"}
_STRLEN_PLUS = re.compile(r"^\(?(?:strlen|wcslen)\(([^()]+)\)\+(\d+)\)?(?:\*sizeof\(\w+\))?$")
_CONVERT = {"atoi", "atol", "atoll", "atof", "strtol", "strtoul", "strtoll", "strtoull"}
_CONVERT |= {"strtod", "strtof", "wcstol", "wcstoul", "_wtoi", "_wtol", "abs", "labs"}


def call(fn: _Fn, node: Node) -> Val:
    from detente.codevuln._ceval import deref, escape

    callee = field(node, "function")
    name = text(callee) if callee is not None and callee.type == "identifier" else ""
    alias = fn.flow.macros.get(name, "")
    if alias.isidentifier():  # ``#define SYSTEM system``
        name = alias
    arg_list = field(node, "arguments")
    args = children(arg_list) if arg_list is not None else []
    vals = [fn.expr(a) for a in args]
    if name:
        seen = fn.flow.call_taint.setdefault(name, [])
        for i, v in enumerate(vals):
            if i < len(seen):
                seen[i] = max(seen[i], v.taint)
            else:
                seen.append(v.taint)
    if name in _SOURCES_ARG:
        _fill(fn, name, args, vals)
    if name in _COMMAND:
        checked = vals[:1]
        if name not in {"system", "popen", "_popen", "_wsystem", "_wpopen"}:
            # exec*(): an argument vector is no shell, unless it runs ``sh -c ARG``
            words = [_literal_text(fn, a) for a in args]
            for flag in ("-c", "/c"):
                if flag in words:
                    checked = vals[words.index(flag) + 1 :]
        if any(v.taint >= 1 and not v.literal for v in checked):
            fn.add("c-command", node, f"{name}() runs a command built from non-constant data")
    idx = _FORMAT.get(name)
    if idx is not None and len(vals) > idx:
        fmt = vals[idx]
        extra = len(vals) > idx + 1 and not name.startswith(("v", "_v"))
        if not fmt.literal and fmt.taint >= 1 and not extra:
            fn.add("c-format-string", node, f"{name}() format is not a constant string")
    if name in _ALLOC:
        return _alloc(fn, name, node, args, vals)
    if name == "free" and vals:
        _free(fn, node, vals[0])
        return Val()
    if name in _COPY or name in _NCOPY or name in {"sprintf", "vsprintf"}:
        skip = 1 if name in {"read", "recv"} else 0  # (fd, buffer, length, …)
        if len(args) > skip:
            deref(fn, vals[skip].base, node)
        _copy(fn, name, node, args[skip:], vals[skip:])
    if name in _SOURCES_RET:
        return Val(taint=2)
    if name in _CONVERT:
        return Val(taint=vals[0].taint if vals else 1)
    if name in _CLEAN_CALLS or name in _SOURCES_ARG:
        return Val()
    if name not in _BORROW:
        for v in vals:
            escape(fn, v.base)
    return Val(taint=max([v.taint for v in vals] + [1 if name not in _BORROW else 0]))


def _literal_text(fn: _Fn, node: Node) -> str | None:
    body = fn.flow.macros.get(text(node), text(node))
    return body[1:-1] if len(body) >= 2 and body[0] == body[-1] == '"' else None


def _fill(fn: _Fn, name: str, args: list[Node], vals: list[Val]) -> None:
    idx = _SOURCES_ARG[name]
    if idx >= 0:
        targets = vals[idx : idx + 1]
    else:
        first = 1 if name in {"fscanf", "fwscanf", "sscanf", "swscanf"} else 0
        targets = vals[first + 1 :]
    level = 2
    if name in {"sscanf", "swscanf"} and vals:
        level = max(vals[0].taint, 1)
    for v in targets:
        var = fn.var(v.base)
        if var is not None:
            var.taint, var.const, var.init = level, None, True
            var.strlen = None
            fn.guards.forget(v.base or "")


def _alloc(fn: _Fn, name: str, node: Node, args: list[Node], vals: list[Val]) -> Val:
    kind = "alloca" if "alloca" in name.lower() else "heap"
    if name == "realloc":
        size = vals[1] if len(vals) > 1 else Val(taint=1)
    elif name == "calloc" and len(vals) > 1:
        a, b = vals[0], vals[1]
        const = a.const * b.const if a.const is not None and b.const is not None else None
        size = Val(taint=max(a.taint, b.taint), const=const, base=a.base or b.base)
        size = size.with_(names=a.names | b.names)
    elif name in {"strdup", "strndup", "wcsdup"}:
        size = Val()
    else:
        size = vals[0] if vals else Val()
    bounded = any(fn.guards.has("upper", n) for n in size.names)
    if size.taint >= 2 and size.const is None and not bounded:
        if size.mult:
            fn.add("c-alloc-taint-overflow", node, f"{name}() size from external input × size")
        else:
            fn.add("c-uncontrolled-alloc", node, f"{name}() size is external input, unbounded")
    elif size.mult and size.taint >= 1 and size.const is None and not bounded:  # noqa: SIM102
        if name in {"malloc", "realloc", "xmalloc", "kmalloc"}:  # calloc checks the product
            fn.add("c-alloc-overflow", node, f"{name}() size multiplication can overflow")
    sized = _STRLEN_PLUS.search("".join(text(args[-1]).split())) if args else None
    fits = sized.group(1) if sized is not None and int(sized.group(2)) >= 1 else None
    return Val(alloc=True, kind=kind, nbytes=size.const, fits=fits)


def _free(fn: _Fn, node: Node, v: Val) -> None:
    var = fn.var(v.base)
    if v.kind == "addr" and var is not None:
        fn.add("c-free-nonheap", node, f"free() of the address of local {v.base}")
        return
    if var is None:
        return
    if var.kind in {"stack", "alloca", "literal"} and not var.alloc_line:
        fn.add("c-free-nonheap", node, f"free() of {v.base}, which is not heap memory")
    elif var.moved:
        fn.add("c-free-offset", node, f"free() of {v.base} after it was moved off the start")
    var.freed = True


def _capacity(var: Var | None, wide: bool) -> int | None:
    if var is None or var.nbytes is None or var.kind not in {"stack", "heap", "alloca"}:
        return None
    return var.nbytes // (4 if wide else 1)


def _copy(fn: _Fn, name: str, node: Node, args: list[Node], vals: list[Val]) -> None:
    if not vals:
        return
    dst = fn.var(vals[0].base)
    wide = name in _WIDE
    cap = _capacity(dst, wide)
    src = vals[1] if len(vals) > 1 and name not in {"memset", "wmemset"} else None
    src_len = _max_len(fn, src, wide) if src is not None else None
    cat = "cat" in name
    if name in _NCOPY:
        n = vals[_NCOPY[name]] if len(vals) > _NCOPY[name] else None
        _bounded_copy(fn, name, node, args, dst, cap, n, src_len)
    elif name in _COPY and dst is not None and not cat and dst.fits is not None:
        if dst.fits != "".join(text(args[1]).split()) if len(args) > 1 else True:
            fn.add("c-unbounded-copy", node, f"{name}() into a buffer sized for another string")
    elif name in _COPY:
        have = dst.strlen if dst is not None and cat else 0
        if cap is not None and src_len is not None and have is not None:
            if src_len + 1 + have > cap and dst is not None:
                fn.overflow(node, dst, f"{name}() copies up to {src_len + have + 1} into {cap}")
        elif src is None or not (src.literal or (src.taint == 0 and src_len is not None)):
            # a constant source cannot be steered by input; an unknown one can
            fn.add("c-unbounded-copy", node, f"{name}() without a length bound")
    if dst is not None and name not in _SOURCES_ARG:
        taint = src.taint if src is not None else 0
        if name.startswith(("sprintf", "vsprintf", "snprintf")):
            taint = max((v.taint for v in vals[1:]), default=0)
        dst.taint = max(dst.taint, taint) if cat else taint
        if name in {"memset", "wmemset"}:
            dst.strlen = 0 if len(vals) > 1 and vals[1].const == 0 else None
        elif name in _COPY:
            dst.strlen = None if src_len is None else src_len + ((dst.strlen or 0) if cat else 0)
        else:
            dst.strlen = None


def _max_len(fn: _Fn, src: Val, wide: bool) -> int | None:
    if src.strlen is not None:
        return src.strlen
    var = fn.var(src.base)
    if var is not None and var.array and var.nbytes is not None:
        return var.nbytes // (4 if wide else 1) - 1
    return None


def _bounded_copy(
    fn: _Fn,
    name: str,
    node: Node,
    args: list[Node],
    dst: Var | None,
    cap: int | None,
    n: Val | None,
    src_len: int | None,
) -> None:
    if n is None or dst is None:
        return
    if n.const is not None and cap is not None:
        need = n.const
        if "cat" in name:
            if dst.strlen is None:
                return
            need = dst.strlen + min(n.const, src_len if src_len is not None else n.const) + 1
        if need > cap:
            fn.overflow(node, dst, f"{name}() writes {need} into {cap}", constant=True)
        return
    size_text = text(args[_NCOPY[name]]) if len(args) > _NCOPY[name] else ""
    src_text = "".join(text(args[1]).split()) if len(args) > 1 else ""
    from_source = src_text and any(
        f"{f}({src_text})" in size_text.replace(" ", "") for f in ("strlen", "sizeof", "wcslen")
    )
    if dst.fits is not None and dst.fits == src_text:
        return  # the target was allocated for this very string
    if from_source and (src_len is None or cap is None or src_len + 1 > cap):
        fn.add("c-unbounded-copy", node, f"{name}() bound is the source's size, not the target's")
    elif n.taint >= 2 and not fn.guards.has("upper", n.base) and cap is not None:
        fn.overflow(node, dst, f"{name}() length is external input, unchecked")
