"""Fixtures for the spec tests: load YAML text expecting problems, write a folder of YAML files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from skills_core.errors import Problem, SpecError
from skills_core.spec.loader import load_skill_text


def _problems_of(text: str, *, filename: str = "skill.yml", min_examples: int = 2) -> list[Problem]:
    with pytest.raises(SpecError) as info:
        load_skill_text(textwrap.dedent(text), filename=filename, min_examples=min_examples)
    return info.value.problems


@pytest.fixture
def problems_of() -> Callable[..., list[Problem]]:
    """``problems_of(yaml_text)``: the problems loading the (dedented) text raises."""
    return _problems_of


@pytest.fixture
def write_files(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """``write_files({relative path: yaml text})`` writes them under a fresh folder and returns it."""

    def write(files: dict[str, str]) -> Path:
        root = tmp_path / "skill"
        for rel, text in files.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(textwrap.dedent(text), encoding="utf-8")
        return root

    return write
