"""`skills train` and `skills evaluate` through the real CLI (tiny skill, few epochs)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from skills_core.cli import app
from skills_core.nlu.model import NLU

runner = CliRunner()


def test_train_saves_to_the_model_store_and_a_folder(tiny_skill_path: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["train", str(tiny_skill_path), "--epochs", "3", "--output", str(tmp_path / "m")]
    )
    assert result.exit_code == 0, result.output
    assert "saved: skills-tiny_bank:" in result.output
    assert "validation intent accuracy" in result.output
    nlu = NLU.load(tmp_path / "m")
    assert nlu.parse("send 50 dollars to Anna").text == "send 50 dollars to Anna"


def test_train_reports_spec_errors_with_lines(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("version: '1'\nname: bad\nintents:\n  a:\n    examples: [hi [x](nope)]\n")
    result = runner.invoke(app, ["train", str(bad)])
    assert result.exit_code == 1
    assert "bad.yml:5" in result.output


def test_train_rejects_an_unknown_mode(tiny_skill_path: Path) -> None:
    result = runner.invoke(app, ["train", str(tiny_skill_path), "--mode", "turbo"])
    assert result.exit_code == 1
    assert "mode" in result.output


def test_unknown_skill_name_lists_the_bundled_ones() -> None:
    result = runner.invoke(app, ["train", "no_such_skill"])
    assert result.exit_code == 1
    assert "bank_en" in result.output


def test_evaluate_cross_validates_and_writes_a_report(tiny_skill_path: Path, tmp_path: Path) -> None:
    report = tmp_path / "report"
    result = runner.invoke(
        app, ["evaluate", str(tiny_skill_path), "--folds", "2", "--epochs", "2", "--report", str(report)]
    )
    assert result.exit_code == 0, result.output
    assert "accuracy" in result.output
    data = json.loads((report / "report.json").read_text())
    assert data["folds"] == 2
    assert (report / "report.html").is_file()
    assert list(report.glob("*.png"))
