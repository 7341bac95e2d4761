"""Relative paths in notebooks resolve from the repository root, wherever the kernel starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from skills_core.errors import ConfigError
from skills_core.runtime.skills import BUNDLED
from skills_core.workbench.paths import project_root, resolve_path, resolve_skill

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("start", [ROOT, ROOT / "tests" / "workbench", ROOT / "skills_core" / "workbench"])
def test_project_root_from_inside(start: Path) -> None:
    assert project_root(start) == ROOT


def test_project_root_outside_falls_back_to_the_checkout(tmp_path: Path) -> None:
    assert project_root(tmp_path) == ROOT


def test_resolve_skill_from_a_subfolder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT / "tests" / "workbench")
    assert resolve_skill("tests/data/tiny_skill") == ROOT / "tests" / "data" / "tiny_skill"
    assert resolve_skill("bank_en") == BUNDLED / "bank_en"
    assert (
        resolve_path("data/tiny_conversations.yml")
        == ROOT / "tests" / "workbench" / "data" / "tiny_conversations.yml"
    )


@pytest.mark.parametrize("ref", ["no_such_skill", "tests/data/missing"])
def test_unknown_skill_names_the_fix(ref: str) -> None:
    with pytest.raises(ConfigError, match="bundled skill name") as info:
        resolve_skill(ref)
    assert "bank_en" in str(info.value)
