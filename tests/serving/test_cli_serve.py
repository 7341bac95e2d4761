"""``skills serve``: finds (or trains) the model and starts ``bentoml serve`` with the right environment."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from runtime_support import TINY
from typer.testing import CliRunner

from skills_core import cli


class FakePopen:
    calls: list[tuple[list[str], dict[str, str]]] = []  # noqa: RUF012 - a record of calls

    def __init__(self, command: list[str], *, env: dict[str, str]) -> None:
        FakePopen.calls.append((command, env))

    def wait(self) -> int:
        return 0


@pytest.fixture
def popen(monkeypatch: pytest.MonkeyPatch) -> type[FakePopen]:
    FakePopen.calls = []
    monkeypatch.setattr(subprocess, "Popen", FakePopen)
    return FakePopen


@pytest.mark.slow
def test_serve_uses_the_stored_model_of_the_skill(popen: type[FakePopen], tiny_tags: list[str]) -> None:
    result = CliRunner().invoke(
        cli.app, ["serve", str(TINY), "--port", "3123", "--store", "memory://?ttl_s=60"]
    )
    assert result.exit_code == 0, result.output
    ((command, env),) = popen.calls
    assert command[:4] == [sys.executable, "-m", "bentoml", "serve"]
    assert command[4].endswith(":SkillsService") and command[-2:] == ["--port", "3123"]
    assert env["SKILLS_MODEL"] in tiny_tags and Path(env["SKILLS_SKILL"]) == TINY.resolve()
    assert (env["SKILLS_STORE_URL"], env["SKILLS_WORKERS"]) == ("memory://?ttl_s=60", "1")
    assert env["SKILLS_MODEL"] in result.output


def test_serve_with_an_explicit_model_trains_nothing(popen: type[FakePopen]) -> None:
    result = CliRunner().invoke(
        cli.app, ["serve", str(TINY), "--model", "skills-tiny_bank:given", "--workers", "2"]
    )
    assert result.exit_code == 0, result.output
    ((_, env),) = popen.calls
    assert (env["SKILLS_MODEL"], env["SKILLS_WORKERS"]) == ("skills-tiny_bank:given", "2")


def test_serve_an_unknown_skill_fails_clearly(popen: type[FakePopen]) -> None:
    result = CliRunner().invoke(cli.app, ["serve", "no_such_skill"])
    assert result.exit_code == 1 and "bundled skill" in result.output and popen.calls == []


@pytest.mark.parametrize(
    ("has_root_service", "target"), [(True, "service:"), (False, "skills_core.serving.")]
)
def test_serve_command_target(tmp_path: Path, has_root_service: bool, target: str) -> None:
    if has_root_service:
        (tmp_path / "service.py").write_text("")
    command: list[Any] = cli.serve_command(host="127.0.0.1", port=3000, cwd=tmp_path)
    assert command[4].startswith(target) and command[-4:] == ["--host", "127.0.0.1", "--port", "3000"]
