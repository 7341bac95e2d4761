"""Slot coercion, validation rules, branch conditions, response formatting and skill checks."""

from __future__ import annotations

from typing import Any

import pytest
from dm_support import Bank

from skills_core.dm import ActionRegistry, DialogueManager, format_value
from skills_core.dm.repair import options_text
from skills_core.dm.responses import ResponseRenderer, choose_variation
from skills_core.dm.slots import all_hold, check, coerce, holds, owned_slots
from skills_core.errors import DialogueError, SpecError
from skills_core.spec.flows import Condition, Validation
from skills_core.spec.models import Skill, SlotDef


@pytest.mark.parametrize(
    ("slot", "raw", "value", "problem"),
    [
        (SlotDef(type="number"), "1,200", 1200, None),
        (SlotDef(type="number"), 2.5, 2.5, None),
        (SlotDef(type="number"), "abc", None, "a number"),
        (SlotDef(type="number"), True, None, "a number"),
        (SlotDef(type="money"), {"amount": 5, "currency": "EUR"}, {"amount": 5, "currency": "EUR"}, None),
        (SlotDef(type="money"), 7, {"amount": 7, "currency": None}, None),
        (SlotDef(type="money"), "lots", None, "an amount of money"),
        (SlotDef(type="bool"), "Yes", True, None),
        (SlotDef(type="bool"), "maybe", None, "yes or no"),
        (SlotDef(type="categorical", values=["debit", "credit"]), "Debit", "debit", None),
        (SlotDef(type="categorical", values=["debit", "credit"]), "gold", None, "one of debit, credit"),
        (SlotDef(type="email"), "a@b.co", "a@b.co", None),
        (SlotDef(type="email"), "not-mail", None, "an email address"),
        (SlotDef(type="phone"), "+1 555 0100", "+1 555 0100", None),
        (SlotDef(type="phone"), "12", None, "a phone number"),
        (SlotDef(type="text"), "  Anna ", "Anna", None),
        (SlotDef(type="text"), {"x": 1}, None, "a text value"),
        (SlotDef(type="datetime"), "2025-03-05", "2025-03-05", None),
        (SlotDef(type="any"), [1, 2], [1, 2], None),
    ],
)
def test_coerce(slot: SlotDef, raw: Any, value: Any, problem: str | None) -> None:
    assert coerce(slot, raw) == (value, problem)


@pytest.mark.parametrize(
    ("rules", "value", "problem"),
    [
        (Validation(min=1, max=10), 5, None),
        (Validation(min=1), 0, "at least 1"),
        (Validation(max=10), {"amount": 11, "currency": "USD"}, "at most 10"),
        (Validation(pattern=r"\d{4}"), "1234", None),
        (Validation(pattern=r"\d{4}"), "12345", r"text matching \d{4}"),
        (Validation(values=["a", "b"]), "B", None),
        (Validation(values=["a", "b"]), "c", "one of a, b"),
        (None, "anything", None),
    ],
)
def test_validation_rules(rules: Validation | None, value: Any, problem: str | None) -> None:
    assert check(rules, value) == problem


MONEY = {"amount": 1500, "currency": "USD"}


@pytest.mark.parametrize(
    ("condition", "slots", "expected"),
    [
        ({"slot": "amount", "gt": 1000}, {"amount": MONEY}, True),
        ({"slot": "amount", "le": 1000}, {"amount": MONEY}, False),
        ({"slot": "amount", "ge": 1500, "lt": 2000}, {"amount": MONEY}, True),
        ({"slot": "amount", "gt": 1}, {}, False),
        ({"slot": "card", "eq": "Debit"}, {"card": "debit"}, True),
        ({"slot": "card", "ne": "debit"}, {"card": "credit"}, True),
        ({"slot": "card", "in": ["debit", "credit"]}, {"card": "credit"}, True),
        ({"slot": "card", "set": True}, {"card": None}, False),
        ({"slot": "card", "set": False}, {}, True),
        ({"slot": "card", "eq": None}, {}, True),
    ],
)
def test_conditions(condition: dict[str, Any], slots: dict[str, Any], expected: bool) -> None:
    assert holds(Condition.model_validate(condition), slots) is expected


def test_a_list_of_conditions_must_all_hold() -> None:
    both = [Condition(slot="a", gt=1), Condition(slot="b", eq="x")]
    assert all_hold(both, {"a": 2, "b": "x"}) and not all_hold(both, {"a": 2, "b": "y"})


@pytest.mark.parametrize(
    ("value", "kind", "language", "text"),
    [
        ({"amount": 50, "currency": "USD"}, "money", "en", "$50.00"),
        ({"amount": 1234.5, "currency": "EUR"}, "money", "en", "€1,234.50"),
        ({"amount": 3, "currency": "CHF"}, "money", "en", "3.00 CHF"),
        ({"amount": 3, "currency": None}, "money", "en", "3.00"),
        ({"amount": 500, "currency": "CNY"}, "money", "zh", "500.00元"),
        ({"amount": 12450, "currency": "cny"}, "money", "zh-CN", "12,450.00元"),
        ({"amount": 500, "currency": "CNY"}, "money", "en", "500.00 CNY"),
        ({"amount": 50, "currency": "USD"}, "money", "zh", "$50.00"),
        ("2025-03-05", "datetime", "en", "March 5, 2025"),
        ("2025-03-05T14:30:00", "datetime", "en", "March 5, 2025 at 14:30"),
        ("2025-03-05T14:30:00", "datetime", "de", "2025-03-05 14:30"),
        ({"value": "2025-03-05"}, "datetime", "en", "March 5, 2025"),
        ("tomorrow-ish", "datetime", "en", "tomorrow-ish"),
        (50.0, "number", "en", "50"),
        (2.5, "number", "en", "2.5"),
        (True, "bool", "en", "yes"),
        (None, "text", "en", ""),
        (["a", "b"], "any", "en", "a, b"),
    ],
)
def test_format_value(value: Any, kind: str, language: str, text: str) -> None:
    assert format_value(value, kind=kind, language=language) == text


def test_variation_choice_is_deterministic_and_reprompts_cycle() -> None:
    picks = {choose_variation(5, session_id="s", turn=t, name="r") for t in range(40)}
    assert len(picks) > 1  # varies across turns...
    assert choose_variation(5, session_id="s", turn=3, name="r") == choose_variation(
        5, session_id="s", turn=3, name="r"
    )  # ...but never at random
    attempts = [choose_variation(3, session_id="s", turn=t, name="r", attempt=t) for t in range(3)]
    assert sorted(attempts) == [0, 1, 2]  # successive re-prompts never repeat while others are left


def test_fill_formats_slots_and_leaves_unknown_names(skill: Skill) -> None:
    renderer = ResponseRenderer(skill)
    slots = {"amount": {"amount": 5, "currency": "USD"}}
    assert renderer.fill("{amount} to {recipient} {typo}", slots) == "$5.00 to  {typo}"
    assert renderer.fill("{options}?", {}, {"options": "A or B"}) == "A or B?"


def test_owned_slots(skill: Skill) -> None:
    assert owned_slots(skill.flows["transfer_money"]) == ["amount", "recipient"]
    assert owned_slots(skill.flows["check_balance"]) == []


def _broken(skill: Skill, step: dict[str, Any]) -> Skill:
    data = skill.model_dump(by_alias=True, exclude_unset=True)
    data["flows"]["check_balance"]["steps"].insert(0, step)
    return Skill.model_validate(data)


@pytest.mark.parametrize(
    ("step", "found"),
    [
        (
            {"branch": [{"when": {"slot": "amount", "set": True}, "goto": "nowhere"}]},
            "unknown step id 'nowhere'",
        ),
        ({"branch": [{"when": {"slot": "amount", "set": True}, "goto": "flow:nope"}]}, "unknown flow 'nope'"),
        ({"link": "nope"}, "'nope'"),
        ({"collect": "undeclared"}, "'undeclared'"),
        ({"confirm": "ok?", "on_no": "later"}, "unknown step id 'later'"),
        ({"collect": "amount", "on_failure": "elsewhere"}, "'elsewhere'"),
    ],
)
def test_skill_check_reports_bad_references(skill: Skill, step: dict[str, Any], found: str) -> None:
    with pytest.raises(SpecError) as info:
        DialogueManager(_broken(skill, step), actions=Bank().registry())
    assert found in str(info.value) and "flows.check_balance.steps.0" in str(info.value)


def test_missing_actions_are_reported_at_construction(skill: Skill) -> None:
    with pytest.raises(DialogueError, match=r"missing: action 'do_transfer'.*registered actions: none"):
        DialogueManager(skill, actions=ActionRegistry())
    DialogueManager(skill, actions=ActionRegistry(), check=False)  # opt out


@pytest.mark.parametrize(
    ("labels", "language", "text"),
    [
        (["sending money"], "en", "sending money"),
        (["sending money", "checking your balance"], "en", "sending money or checking your balance"),
        (["a", "b", "c"], "en", "a, b or c"),
        (["转账", "查询余额"], "zh", "转账还是查询余额"),
        (["转账", "查询余额", "挂失"], "zh-CN", "转账、查询余额还是挂失"),
    ],
)
def test_clarification_options_read_naturally(labels: list[str], language: str, text: str) -> None:
    assert options_text(labels, language=language) == text
