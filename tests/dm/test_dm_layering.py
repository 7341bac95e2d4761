"""The dialogue manager imports only spec and errors from the package (never nlu or runtime)."""

from __future__ import annotations

import ast
from pathlib import Path

import skills_core.dm

DM_ROOT = Path(skills_core.dm.__file__).parent
ALLOWED = ("skills_core.dm", "skills_core.spec", "skills_core.errors")


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def test_dm_imports_only_spec_and_errors() -> None:
    files = sorted(DM_ROOT.rglob("*.py"))
    assert len(files) > 10
    bad = {
        f"{f.relative_to(DM_ROOT)}: {name}"
        for f in files
        for name in _imports(f)
        if name.startswith("skills_core") and not name.startswith(ALLOWED)
    }
    assert not bad
