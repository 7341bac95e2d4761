"""`skills chat` driven through stdin: typer's CliRunner (not a TTY) and one real subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skills_core.cli import app
from skills_core.nlu.train import config_for
from skills_core.runtime.skills import find_model, train_and_store
from skills_core.spec.loader import load_skill

runner = CliRunner()


@pytest.fixture(scope="module")
def trained_tiny(tiny_skill_path: Path) -> Path:
    """The tiny skill with a model in the (throw-away) model store, so chat finds it."""
    skill = load_skill(tiny_skill_path)
    train_and_store(skill, config=config_for(skill, epochs=10, progress=False))
    return tiny_skill_path


def bot_lines(output: str) -> list[str]:
    return [line.removeprefix("bot> ") for line in output.splitlines() if line.startswith("bot> ")]


def test_chat_replies_to_each_line_and_stops_at_quit(trained_tiny: Path) -> None:
    lines = ["hello there", "send 50 dollars to Anna", "/quit", "never read"]
    result = runner.invoke(app, ["chat", str(trained_tiny)], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = result.stdout.splitlines()
    assert out[0].startswith("Chatting with tiny_bank (model ")
    said = [line for line in out if line.startswith("you> ")]
    assert said == ["you> hello there", "you> send 50 dollars to Anna"]
    greeting, confirm = bot_lines(result.stdout)
    assert greeting in ("Hello! How can I help you?", "Hi there, what can I do for you?")
    assert confirm == "Send $50.00 to Anna?"
    assert "never read" not in result.stdout


def test_chat_ends_at_end_of_input_and_keeps_the_conversation(trained_tiny: Path) -> None:
    result = runner.invoke(
        app, ["chat", str(trained_tiny)], input="I want to send money to Bob\n20 dollars\n"
    )
    assert result.exit_code == 0, result.output
    assert bot_lines(result.stdout) == ["How much would you like to send?", "Send $20.00 to Bob?"]


def test_reset_starts_a_new_conversation(trained_tiny: Path) -> None:
    text = "I want to send money to Bob\n/reset\n20 dollars\n"
    result = runner.invoke(app, ["chat", str(trained_tiny), "--session", "s-reset"], input=text)
    assert result.exit_code == 0, result.output
    assert "(new conversation)" in result.stdout
    # after the reset "20 dollars" answers nothing: no transfer is waiting for an amount
    assert "Send $20.00 to Bob?" not in bot_lines(result.stdout)


def test_debug_shows_the_parse_slots_and_flow(trained_tiny: Path) -> None:
    result = runner.invoke(app, ["chat", str(trained_tiny), "--debug"], input="send 50 dollars to Anna\n")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "  intent: transfer_money " in out
    assert "amount={'amount': 50.0, 'currency': 'USD'}" in out and "recipient='Anna'" in out
    assert "flow: transfer_money" in out and "'recipient': 'Anna'" in out


def test_chat_trains_first_when_the_skill_has_no_model(tiny_skill_path: Path, tmp_path: Path) -> None:
    copy = tmp_path / "fresh_skill"
    shutil.copytree(tiny_skill_path, copy)
    text = (copy / "skill.yml").read_text(encoding="utf-8").replace("name: tiny_bank", "name: fresh_bank")
    (copy / "skill.yml").write_text(text, encoding="utf-8")
    skill = load_skill(copy)
    assert find_model(skill) is None
    result = runner.invoke(app, ["chat", str(copy)], input="hello there\n")
    assert result.exit_code == 0, result.output
    assert "Chatting with fresh_bank" in result.stdout and len(bot_lines(result.stdout)) == 1
    assert find_model(skill) is not None


def test_unknown_skill_fails_with_the_bundled_names() -> None:
    result = runner.invoke(app, ["chat", "no_such_skill"], input="hi\n")
    assert result.exit_code == 1
    assert "bank_en" in result.output


def test_chat_as_a_real_process_reading_a_pipe(trained_tiny: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "skills_core.cli", "chat", str(trained_tiny)],
        input="bye\n/quit\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert bot_lines(proc.stdout) == ["Goodbye!"]
