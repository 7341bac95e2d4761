"""The conversation-test format, its loader and its runner (which must fail clearly)."""

from __future__ import annotations

from pathlib import Path

import pytest
from dm_support import SKILL_DIR, make_parse

from skills_core.dm import DialogueManager
from skills_core.dm.testing import (
    ConversationCase,
    assert_passes,
    given_parse,
    load_conversations,
    load_conversations_text,
    run_conversation,
    run_conversations,
    summarize,
)
from skills_core.dm.testing.schema import Turn
from skills_core.errors import ConfigError, SpecError
from skills_core.spec.types import Parse

CASES = load_conversations(SKILL_DIR / "conversations.yml")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_skill_conversations(case: ConversationCase, dm: DialogueManager) -> None:
    assert_passes(case, dm)


def _one(text: str) -> ConversationCase:
    return load_conversations_text(text, filename="t.yml")[0]


WRONG = """
conversations:
  - name: wrong expectations
    turns:
      - intent: transfer_money
        entities: {amount: {amount: 50, currency: USD}, recipient: Anna}
        bot: "Send $60.00 to Anna?"
        expect: {slots: {amount: 60, recipient: Anna}, flow: block_card, events: [handoff_requested]}
      - intent: affirm
"""


def test_a_wrong_expectation_fails_with_a_readable_diff(dm: DialogueManager) -> None:
    result = run_conversation(_one(WRONG), dm)
    assert not result.passed
    assert len(result.turns) == 1  # stops at the first failing turn
    report = result.report()
    expected_lines = [
        "FAILED wrong expectations (t.yml:3)",
        " x turn 1 (line 5): user: [transfer_money: amount={'amount': 50, 'currency': 'USD'}, "
        "recipient='Anna']",
        "      bot replies differ (expected 1, got 1):",
        "        - 'Send $60.00 to Anna?'",
        "        + 'Send $50.00 to Anna?'   [flow transfer_money confirm]",
        "      slot amount: expected 60, found {'amount': 50, 'currency': 'USD'}",
        "      active flow: expected 'block_card', found 'transfer_money'",
    ]
    assert report.splitlines()[: len(expected_lines)] == expected_lines
    assert "events: expected handoff_requested; this turn had: session_started" in report
    with pytest.raises(AssertionError, match="FAILED wrong expectations"):
        assert_passes(_one(WRONG), dm)


def test_keep_going_runs_every_turn(dm: DialogueManager) -> None:
    result = run_conversation(_one(WRONG), dm, keep_going=True)
    assert len(result.turns) == 2 and not result.passed


@pytest.mark.parametrize(
    ("bot", "passes"),
    [
        ('"Send $50.00 to Anna?"', True),
        ('["Send $50.00 to Anna?"]', True),
        ('{pattern: "Send \\\\$\\\\d+\\\\.00 to Anna\\\\?"}', True),
        ("{pattern: Send}", False),  # a pattern must match the whole reply
        ('{one_of: ["x", "Send $50.00 to Anna?"]}', True),
        ("{one_of: [x, y]}", False),
        ("{response: utter_confirm_transfer}", True),
        ("{response: utter_transfer_done}", False),
        ('["Send $50.00 to Anna?", "more"]', False),  # the number of replies counts
        ("[]", False),
    ],
)
def test_reply_expectations(dm: DialogueManager, bot: str, passes: bool) -> None:
    text = f"""
conversations:
  - name: c
    turns:
      - intent: transfer_money
        entities: {{amount: {{amount: 50, currency: USD}}, recipient: Anna}}
        bot: {bot}
"""
    assert run_conversation(_one(text), dm).passed is passes


def test_missing_reply_is_shown(dm: DialogueManager) -> None:
    text = """
conversations:
  - name: c
    turns:
      - intent: greet
        bot: ["Hello! How can I help?", "Anything else?"]
"""
    report = run_conversation(_one(text), dm).report()
    assert "bot replies differ (expected 2, got 1):" in report
    assert "    'Hello! How can I help?'" in report and "- 'Anything else?'" in report


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("conversations: []", 1, "at least 1 item"),
        ("conversations:\n  - name: x\n    turns:\n      - bot: hi\n", 4, "'user' (text) or 'intent'"),
        (
            "conversations:\n  - name: x\n    turns:\n      - intent: a\n        bot: {regex: x}\n",
            5,
            "a reply",
        ),
        (
            "conversations:\n  - name: x\n    turns:\n      - intent: a\n"
            "        expect: {events: [teleported]}\n",
            5,
            "event types among",
        ),
        (
            "conversations:\n  - name: x\n    turns:\n      - intent: a\n        colour: red\n",
            5,
            "Extra inputs",
        ),
        ("conversations:\n  - name: x\n   turns: []\n", 3, "valid YAML"),
    ],
)
def test_loader_errors_point_at_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(SpecError) as info:
        load_conversations_text(text, filename="t.yml")
    problem = info.value.problems[0]
    assert (problem.file, problem.line) == ("t.yml", line)
    assert message in str(info.value)


def test_load_conversations_from_a_folder_and_missing_paths(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("conversations:\n  - name: a\n    turns: [{intent: greet}]\n")
    (tmp_path / "b.yaml").write_text("conversations:\n  - name: b\n    turns: [{intent: greet}]\n")
    assert [c.name for c in load_conversations(tmp_path)] == ["a", "b"]
    with pytest.raises(SpecError, match="nothing there"):
        load_conversations(tmp_path / "missing")


def test_end_to_end_mode_uses_the_injected_parser(dm: DialogueManager) -> None:
    nlu = {
        "send 50 dollars to Anna": make_parse(
            "transfer_money",
            "send 50 dollars to Anna",
            amount={"amount": 50, "currency": "USD"},
            recipient="Anna",
        ),
        "yes": make_parse("affirm", "yes"),
    }
    seen: list[str] = []

    def parse(text: str) -> Parse:
        seen.append(text)
        return nlu[text]

    results = run_conversations(CASES[:1], dm, parse=parse)
    assert results[0].passed, results[0].report()
    assert seen == ["send 50 dollars to Anna", "yes"]
    assert summarize(results) == "1 passed, 0 failed"


def test_end_to_end_mode_reports_a_wrong_intent(dm: DialogueManager) -> None:
    def parse(text: str) -> Parse:
        return make_parse("check_balance", text)

    result = run_conversation(CASES[0], dm, parse=parse)
    assert "intent: expected 'transfer_money', found 'check_balance' (1.00)" in result.report()


def test_text_only_turns_need_a_parser(dm: DialogueManager) -> None:
    case = _one("conversations:\n  - name: x\n    turns: [{user: hello}]\n")
    with pytest.raises(ConfigError, match="pass parse="):
        run_conversation(case, dm)


def test_given_parse_builds_ranking_entities_and_fallback() -> None:
    turn = Turn.model_validate(
        {
            "user": "hm",
            "intent": "out_of_scope",
            "confidence": 0.6,
            "ranking": {"greet": 0.3},
            "entities": [{"entity": "recipient", "value": "Anna", "text": "anna"}],
        }
    )
    parse = given_parse(turn)
    assert [s.name for s in parse.ranking] == ["out_of_scope", "greet"]
    assert parse.fallback is not None and parse.fallback.candidate == "greet"
    assert parse.entities[0].text == "anna" and parse.entity_values("recipient") == ["Anna"]
    several = given_parse(
        Turn.model_validate({"intent": "inform", "entities": {"recipient": ["Anna", "Bob"]}})
    )
    assert several.entity_values("recipient") == ["Anna", "Bob"] and several.fallback is None
