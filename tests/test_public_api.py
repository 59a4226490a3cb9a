"""The house rule, enforced: packages meet only at their public APIs (DESIGN.md).

* No module under ``src/detente`` imports another package's private module (``_x``) or a
  private name — from anywhere in the file, including function-local imports.
* Every name a package's ``__all__`` lists exists (``__init__.py`` re-exports are real).
* Lower rows of DESIGN.md's table never import higher rows.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import detente

SRC = Path(detente.__file__).resolve().parent


def _own_package(path: Path) -> str | None:
    rel = path.relative_to(SRC).parts
    return rel[0] if len(rel) > 1 else None


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    tree = ast.parse(path.read_text("utf-8"))
    out: list[tuple[int, str, list[str]]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name, []) for a in node.names]
    return out


def cross_package_private_imports() -> list[str]:
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        own = _own_package(path)
        for line, module, names in _imports(path):
            parts = module.split(".")
            if parts[0] != "detente" or len(parts) < 2 or parts[1] == own:
                continue
            private_module = any(p.startswith("_") for p in parts[2:]) or (
                parts[1].startswith("_") and parts[1] != "__main__"
            )
            private_names = [n for n in names if n.startswith("_")]
            if private_module or private_names:
                bad.append(f"{path.relative_to(SRC)}:{line} {module} {private_names or ''}")
    return bad


def test_no_module_imports_another_packages_private_parts() -> None:
    assert cross_package_private_imports() == []


def test_the_check_catches_a_private_import(tmp_path: Path) -> None:
    # The rule above must be able to fail: a planted file with each kind of violation.
    probe = SRC / "cli" / "_zz_probe_private_import.py"
    probe.write_text(
        "from detente.scan._report import to_json\n"
        "def f():\n    from detente.registry import _secret\n",
        "utf-8",
    )
    try:
        found = cross_package_private_imports()
    finally:
        probe.unlink()
    assert sum("_zz_probe_private_import" in b for b in found) == 2


def _packages() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules([str(SRC)]) if m.ispkg and not m.name.startswith("_")
    )


@pytest.mark.parametrize("package", _packages())
def test_every_public_name_exists(package: str) -> None:
    module = importlib.import_module(f"detente.{package}")
    exported = getattr(module, "__all__", None)
    assert exported, f"detente.{package} has no curated __all__"
    assert len(set(exported)) == len(exported), "duplicate names in __all__"
    missing = [name for name in exported if not hasattr(module, name)]
    assert missing == []
    assert module.__doc__ and len(module.__doc__) > 40, "a package docstring says what it owns"


# DESIGN.md's table: a package may import those listed after it in this order, never before.
# (cli is the top; errors, env, canonical, stats and pinned are the floor every row may use.)
LAYERS = [
    "cli",
    "bom",
    "sweep",
    "release",
    "monitor",
    "incidents",
    "registry",
    "evals",
    "cyberrange",
    "runtime",
    "sandbox",
    "codevuln",
    "scan",
    "attest",
    "integrity",
    "artifacts",
    "taxonomy",
]


def test_no_import_runs_upward() -> None:
    rank = {name: i for i, name in enumerate(LAYERS)}
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        own = _own_package(path)
        if own not in rank:
            continue
        for line, module, _names in _imports(path):
            parts = module.split(".")
            upward = len(parts) > 1 and parts[1] in rank and rank[parts[1]] < rank[own]
            if parts[0] == "detente" and upward:
                bad.append(f"{path.relative_to(SRC)}:{line} imports {module}")
    assert bad == []
