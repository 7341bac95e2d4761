"""The bundled skills' shape (no training): what they define and what their conversation tests cover."""

from __future__ import annotations

import re

import pytest
from skills_support import conversations, skill_path

from skills_core.dm import DialogueManager
from skills_core.dm.testing import load_conversations_text, run_conversation
from skills_core.runtime.actions import load_actions
from skills_core.spec.flows import STEP_KINDS
from skills_core.spec.loader import load_skill
from skills_core.spec.models import Skill

# name: (fewest intents, fewest task flows, fewest conversation tests)
MINIMUMS = {"bank_en": (15, 6, 40), "bank_zh": (8, 2, 15)}
REPAIR_EVENTS = {"flow_resumed", "flow_cancelled", "handoff_requested", "fallback", "validation_failed"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def step_kinds(skill: Skill) -> set[str]:
    return {
        kind
        for flow in skill.flows.values()
        for step in flow.steps
        for kind in STEP_KINDS
        if hasattr(step, kind)
    }


@pytest.mark.parametrize("name", sorted(MINIMUMS))
def test_skill_meets_its_minimums(name: str) -> None:
    skill = load_skill(skill_path(name))
    intents, task_flows, tests = MINIMUMS[name]
    assert len(skill.intents) >= intents
    assert sum(flow.kind == "task" for flow in skill.flows.values()) >= task_flows
    assert {flow.kind for flow in skill.flows.values()} >= {"task", "faq", "chitchat", "handoff", "cancel"}
    assert len(conversations(name)) >= tests


def test_english_skill_uses_every_step_kind_and_entity_kind() -> None:
    skill = load_skill(skill_path("bank_en"))
    assert step_kinds(skill) == set(STEP_KINDS)
    entities = skill.entities.values()
    assert {e.type for e in entities} >= {"money", "datetime", "number", "email", "phone", "text"}
    assert any(e.values for e in entities) and any(e.regex for e in entities)
    # a registered validator on a collect step, and a confirm step storing its answer in a slot
    assert any(
        getattr(s, "validate_", None) and s.validate_.action for f in skill.flows.values() for s in f.steps
    )
    assert any(getattr(s, "confirm", None) and s.slot for f in skill.flows.values() for s in f.steps)


def test_chinese_skill_reads_characters_and_speaks_chinese() -> None:
    skill = load_skill(skill_path("bank_zh"))
    assert (skill.language, skill.nlu.get("encoder")) == ("zh", "char")
    for name in ("utter_clarify", "utter_resume", "utter_invalid", "utter_step_failed", "utter_fallback"):
        assert all(CJK.search(variant.text) for variant in skill.responses[name]), name


@pytest.mark.parametrize("name", sorted(MINIMUMS))
def test_every_action_and_validator_the_flows_name_is_registered(name: str) -> None:
    skill = load_skill(skill_path(name))
    actions = load_actions(skill_path(name))
    DialogueManager(skill, actions=actions)  # raises when a flow names an unregistered action
    named = {s.action for f in skill.flows.values() for s in f.steps if hasattr(s, "action")}
    assert named <= set(actions.action_names)


@pytest.mark.parametrize("name", sorted(MINIMUMS))
def test_conversations_are_end_to_end_and_cover_the_repair_patterns(name: str) -> None:
    cases = conversations(name)
    turns = [turn for case in cases for turn in case.conversation.turns]
    assert all(turn.user for turn in turns), "every turn gives user text (end-to-end mode)"
    assert all(turn.bot is not None for turn in turns), "every turn says what the bot replies"
    expected = {event for turn in turns if turn.expect for event in turn.expect.events}
    assert expected >= REPAIR_EVENTS
    intents = {turn.expect.intent for turn in turns if turn.expect and turn.expect.intent}
    assert {"correct", "cancel", "human_handoff", "deny", "affirm"} <= intents
    assert len({case.id for case in cases}) == len(cases), "conversation names are unique"


ZH_REPAIR = """
conversations:
  - name: clarification, correction and resume in Chinese
    turns:
      - user: 钱的事
        intent: transfer_money
        confidence: 0.3
        ranking: {check_balance: 0.25}
        fallback: ambiguous
        bot: 请问您是想转账还是查询余额？
        expect: {events: [fallback]}
      - user: 给张伟转500元
        intent: transfer_money
        entities: {amount: {amount: 500, currency: CNY}, recipient: 张伟, account_type: 活期}
        bot: {response: utter_confirm_transfer}
      - user: 改成300块
        intent: correct
        entities: {amount: {amount: 300, currency: CNY}}
        bot: ["好的，已更正为300.00元。", {pattern: '.*300\\.00元.*'}]
      - user: 先查一下定期余额
        intent: check_balance
        entities: {account_type: 定期}
        bot: [{pattern: '.*¥50,000\\.00。'}, 我们继续刚才的转账。, {pattern: '.*活期.*300\\.00元.*|.*300\\.00元.*活期.*'}]
        expect: {slots: {from_account: 活期}, flow: transfer_money, step: confirm_transfer}
"""


def test_chinese_built_in_replies_are_overridden() -> None:
    # NLU-independent (given parses): the wording of the DM's built-in replies, deterministically
    skill = load_skill(skill_path("bank_zh"))
    dm = DialogueManager(skill, actions=load_actions(skill_path("bank_zh")))
    (case,) = load_conversations_text(ZH_REPAIR)
    result = run_conversation(case, dm)
    assert result.passed, result.report()
