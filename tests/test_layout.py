"""The package's layering: no room reaches into another room's private names.

A room is a subpackage of ``s2decode`` (``atlas``, ``estimators``, ...) or a top-level
module. Modules of one room may share underscore names among themselves; another room uses
its public names only. The package root's private helpers (``s2decode._checks``,
``s2decode._docs``, ``s2decode._io_utils``, ``s2decode._memory``, ``s2decode._version``),
shared by every room as nilearn's ``_utils``, are the exception.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "s2decode"
SHARED = {
    "s2decode._checks",
    "s2decode._docs",
    "s2decode._io_utils",
    "s2decode._memory",
    "s2decode._version",
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _room(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])


def _imports(path: Path):
    """(imported module, imported name or None, line) of every import in ``path``."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                yield target, alias.name, node.lineno


def _private_reaches() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        room = _room(_module_name(path))
        for target, name, line in _imports(path):
            if not target.startswith("s2decode"):
                continue
            full = target if name is None else f"{target}.{name}"
            if any(full == s or full.startswith(s + ".") for s in SHARED):
                continue
            parts = full.split(".")
            private = [p for p in parts[1:] if p.startswith("_") and not p.startswith("__")]
            if private and _room(full) != room:
                found.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports {full}")
    return found


def test_no_room_imports_another_rooms_private_names():
    assert _private_reaches() == []


def test_the_check_sees_a_private_reach(tmp_path, monkeypatch):
    """The scan is not vacuous: a module of one room importing another's private name is
    reported, and the same import inside the room is not."""
    pkg = tmp_path / "s2decode"
    (pkg / "sync").mkdir(parents=True)
    (pkg / "estimators").mkdir()
    for p in (pkg, pkg / "sync", pkg / "estimators"):
        (p / "__init__.py").write_text("")
    (pkg / "sync" / "_utils.py").write_text("def _helper(): ...\n")
    (pkg / "sync" / "phase.py").write_text("from ._utils import _helper\n")
    (pkg / "estimators" / "features.py").write_text(
        "from ..sync._utils import _helper\nfrom .._io_utils import atomic_write\n"
    )
    monkeypatch.setattr(sys.modules[__name__], "PACKAGE", pkg)
    assert _private_reaches() == [
        "s2decode/estimators/features.py:1 imports s2decode.sync._utils._helper"
    ]
