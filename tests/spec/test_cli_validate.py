"""``skills validate PATH`` through typer's CliRunner."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skills_core.cli import app


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.mark.parametrize(
    ("fixture", "summary"),
    [
        (
            "tiny_skill_path",
            "OK: tiny_bank (4 intents, 27 examples, 5 out-of-scope examples, 2 entities, 2 slots, "
            "8 responses, 1 flow)",
        ),
        (
            "tiny_zh_path",
            "OK: tiny_weather_zh (3 intents, 19 examples, 0 out-of-scope examples, 1 entity, 1 slot, "
            "4 responses, 1 flow)",
        ),
    ],
)
def test_validate_ok(runner: CliRunner, request: pytest.FixtureRequest, fixture: str, summary: str) -> None:
    result = runner.invoke(app, ["validate", str(request.getfixturevalue(fixture))])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == summary


def test_validate_prints_every_problem_with_file_and_line_and_exits_1(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(
        "name: bad\nintents:\n  greet:\n    examples: [hi]\nslots:\n  s: {type: nope}\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == f"FAILED: 2 problems in {path}"
    assert [re.match(r"(.+?):(\d+)", line).groups() for line in lines[:-1]] == [  # type: ignore[union-attr]
        (str(path), "4"),
        (str(path), "6"),
    ]
    assert "at least 2 examples per intent (the default minimum)" in lines[0]
    assert "Fix:" in lines[1]


def test_validate_min_examples_option(runner: CliRunner, tiny_skill_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tiny_skill_path), "--min-examples", "7"])
    assert result.exit_code == 1
    assert "at least 7 examples per intent;" in result.stderr
    assert "intent 'greet'" in result.stderr and "intent 'transfer_money'" not in result.stderr


def test_validate_missing_path(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "nothing at this path" in result.stderr


def test_no_arguments_shows_the_commands(runner: CliRunner) -> None:
    result = runner.invoke(app, [])
    assert "validate" in result.output


@pytest.mark.parametrize(("name", "language"), [("bank_en", "en"), ("bank_zh", "zh")])
def test_validate_accepts_a_bundled_skill_name(runner: CliRunner, name: str, language: str) -> None:
    result = runner.invoke(app, ["validate", name])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"OK: {name} (")


def test_an_existing_path_wins_over_a_bundled_name(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "bank_en").mkdir()
    (tmp_path / "bank_en" / "skill.yml").write_text(
        "name: local\nintents: {greet: {examples: [hi, hello]}}\n"
    )
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate", "bank_en"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("OK: local (1 intent,")
