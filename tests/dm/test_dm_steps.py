"""Each flow step: collect, confirm, branch, action, say, link."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from dm_support import Bank, Chat, usd

from skills_core.dm import ActionRegistry, ActionResult, BotMessage, DialogueManager, SlotSet, StateView
from skills_core.spec.models import Skill


def test_collect_asks_in_order_and_skips_filled_slots(chat: Chat) -> None:
    assert chat.send("transfer_money") in (
        ["How much would you like to send?"],
        ["What amount should I send?"],
    )
    assert chat.send("inform", amount=usd(20)) == ["Who should receive the money?"]
    assert chat.send("inform", "Anna") == ["Send $20.00 to Anna?"]
    assert chat.state.slots["recipient"] == "Anna"
    assert chat.last.replies[0].reason.policy == "flow"
    assert chat.last.replies[0].reason.step == "confirm"


def test_triggering_utterance_fills_slots_and_skips_their_questions(chat: Chat) -> None:
    assert chat.send("transfer_money", "send 50 dollars to Anna", amount=usd(50), recipient="Anna") == [
        "Send $50.00 to Anna?"
    ]
    sources = [e.source for e in chat.last.events if isinstance(e, SlotSet)]
    assert sources == ["initial", "entity", "entity"]


def test_entities_fill_any_empty_slot_of_the_flow_not_only_the_asked_one(chat: Chat) -> None:
    chat.send("transfer_money")
    assert chat.send("inform", amount=usd(30), recipient="Bob") == ["Send $30.00 to Bob?"]


def test_an_answer_for_another_slot_fills_it_and_asks_again(chat: Chat) -> None:
    chat.send("transfer_money")
    replies = chat.send("inform", recipient="Bob")
    assert chat.state.slots["recipient"] == "Bob"
    assert len(replies) == 1 and "send" in replies[0].lower()  # the amount question again
    assert chat.state.frame.retries == 0


def test_invalid_value_says_why_and_reprompts_with_another_variation(chat: Chat) -> None:
    first = chat.send("transfer_money")[0]
    replies = chat.send("inform", amount=usd(50000))
    assert replies[0] == "I can send between $1 and $10,000."
    assert replies[1] != first  # the other variation
    assert chat.last.replies[1].reason.policy == "reprompt"
    assert chat.state.slots.get("amount") is None
    assert "validation_failed" in chat.types


def test_collect_hands_off_after_max_retries(chat: Chat) -> None:
    chat.send("transfer_money")
    for _ in range(2):
        chat.send("out_of_scope", "blah", fallback="out_of_scope")
        assert chat.state.active_flow == "transfer_money"
    assert chat.send("out_of_scope", "blah", fallback="out_of_scope") == ["Connecting you to an agent."]
    assert "handoff_requested" in chat.types
    assert chat.state.handoff and chat.state.active_flow is None


def _skill_with(skill: Skill, **changes: Any) -> Skill:
    data = skill.model_dump(by_alias=True, exclude_unset=True)
    for path, value in changes.items():
        target = data
        *parents, last = path.split("__")
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[last] = value
    return Skill.model_validate(data)


def test_collect_on_failure_cancel_stops_the_flow(skill: Skill, bank: Bank) -> None:
    changed = _skill_with(skill, flows__transfer_money__steps__0__on_failure="cancel")
    chat = Chat(DialogueManager(changed, actions=bank.registry()))
    chat.send("transfer_money")
    chat.send("out_of_scope", fallback="out_of_scope")
    chat.send("out_of_scope", fallback="out_of_scope")
    replies = chat.send("out_of_scope", fallback="out_of_scope")
    assert replies == ["Sorry, I couldn't get that, so I've stopped sending money."]
    assert chat.types[-1] == "bot_uttered" and "flow_cancelled" in chat.types
    assert "handoff_requested" not in chat.types


def test_plain_text_answers_a_text_slot_and_categorical_is_matched(chat: Chat) -> None:
    assert chat.send("block_card") == ["Which card, debit or credit?"]
    assert chat.last.replies[0].buttons == ["debit", "credit"]
    assert chat.send("out_of_scope", "CREDIT", fallback="out_of_scope") == ["Why do you want to block it?"]
    assert chat.state.slots["card_type"] == "credit"
    assert chat.send("out_of_scope", "it was stolen", fallback="out_of_scope") == ["Block your credit card?"]
    assert chat.state.slots["block_reason"] == "it was stolen"


def test_categorical_text_outside_the_values_is_invalid(chat: Chat) -> None:
    chat.send("block_card")
    replies = chat.send("inform", "platinum")
    assert replies[0] == "Sorry, that doesn't work for card type: it should be one of debit, credit."
    assert chat.state.frame.retries == 1


def test_confirm_yes_runs_the_action_and_ends_the_flow(chat: Chat, bank: Bank) -> None:
    chat.send("transfer_money", amount=usd(50), recipient="Anna")
    assert chat.send("affirm") == ["Done: $50.00 sent to Anna."]
    assert bank.transfers == [{"amount": usd(50), "recipient": "Anna"}]
    assert chat.state.active_flow is None
    assert chat.state.slots["amount"] is None  # flow slots are cleared when it ends
    assert chat.state.slot("balance") is None and chat.state.slots["currency"] == "USD"


def test_confirm_no_with_ask_change_waits_for_a_correction(chat: Chat, bank: Bank) -> None:
    chat.send("transfer_money", amount=usd(50), recipient="Anna")
    assert chat.send("deny") == ["What would you like to change?"]
    assert chat.send("inform", recipient="Bob") == ["Send $50.00 to Bob?"]
    chat.send("affirm")
    assert bank.transfers == [{"amount": usd(50), "recipient": "Bob"}]


def test_confirm_no_cancels_by_default(chat: Chat, bank: Bank) -> None:
    chat.send("block_card", card_type="debit")
    chat.send("inform", "lost it")
    assert chat.send("deny") == ["Okay, I've stopped that."]
    assert chat.state.active_flow is None and bank.blocked == []


def test_confirm_reprompts_on_anything_but_yes_or_no(chat: Chat) -> None:
    chat.send("transfer_money", amount=usd(50), recipient="Anna")
    assert chat.send("out_of_scope", fallback="out_of_scope") == ["Send $50.00 to Anna?"]
    assert chat.last.replies[0].reason.policy == "reprompt"
    assert chat.state.frame.retries == 1


def test_branch_on_large_amounts(chat: Chat) -> None:
    assert chat.send("transfer_money", amount=usd(2000), recipient="Anna") == [
        "Heads up: transfers over $1,000 take a day to arrive.",
        "Send $2,000.00 to Anna?",
    ]


def test_action_slots_and_say_interpolation(chat: Chat) -> None:
    assert chat.send("check_balance") == ["Your balance is $1,234.50."]
    assert [e.type for e in chat.last.events if e.type.startswith(("action", "flow"))] == [
        "flow_started",
        "action_executed",
        "flow_completed",
    ]


def test_link_continues_with_another_flow(chat: Chat, bank: Bank) -> None:
    assert chat.send("lost_card") == [
        "I'm sorry to hear that. Let's block the card first.",
        "Which card, debit or credit?",
    ]
    assert chat.state.active_flow == "block_card"
    assert any(e.type == "flow_started" and e.reason == "link" for e in chat.last.events)


def _dm_with_action(skill: Skill, fn: Any, **step: Any) -> DialogueManager:
    actions = Bank().registry()
    actions._actions["fetch_balance"] = fn  # replace one action of the test skill
    changed = _skill_with(skill, **{f"flows__check_balance__steps__0__{k}": v for k, v in step.items()})
    return DialogueManager(changed, actions=actions)


def _boom(state: StateView) -> ActionResult:
    raise ValueError("backend down")


def _not_a_result(state: StateView) -> dict[str, int]:
    return {"balance": 1}


def _not_json(state: StateView) -> ActionResult:
    return ActionResult(slots={"balance": object()})


def _wrong_event(state: StateView) -> ActionResult:
    from skills_core.dm import FlowCompleted

    return ActionResult(events=[FlowCompleted(flow="check_balance")])


@pytest.mark.parametrize(
    ("fn", "error_type", "message"),
    [
        (_boom, "ValueError", "backend down"),
        (_not_a_result, "InvalidResult", "return an ActionResult or None; found dict"),
        (_not_json, "InvalidResult", "JSON-serialisable"),
        (_wrong_event, "InvalidResult", "only slot_set or handoff_requested"),
    ],
)
def test_a_failing_action_becomes_an_apology_and_an_event(
    skill: Skill, fn: Any, error_type: str, message: str
) -> None:
    chat = Chat(_dm_with_action(skill, fn))
    replies = chat.send("check_balance")
    assert replies == ["Sorry, something went wrong on my side. Please try again later."]
    failed = next(e for e in chat.last.events if e.type == "action_failed")
    assert failed.error_type == error_type and message in failed.message
    assert chat.state.active_flow is None  # on_error: cancel (the default)
    assert chat.send("greet") == ["Hello! How can I help?"]  # the session still works


def test_a_hanging_action_is_bounded_by_its_timeout(skill: Skill) -> None:
    release = threading.Event()

    def hang(state: StateView) -> ActionResult:
        release.wait(10)
        return ActionResult()

    chat = Chat(_dm_with_action(skill, hang, timeout_s=0.2))
    started = time.monotonic()
    replies = chat.send("check_balance")
    release.set()
    assert time.monotonic() - started < 2
    assert replies == ["Sorry, something went wrong on my side. Please try again later."]
    failed = next(e for e in chat.last.events if e.type == "action_failed")
    assert failed.timed_out and failed.error_type == "TimeoutError"


def test_on_error_continue_runs_the_next_steps(skill: Skill) -> None:
    chat = Chat(_dm_with_action(skill, _boom, on_error="continue"))
    assert chat.send("check_balance") == [
        "Sorry, something went wrong on my side. Please try again later.",
        "Your balance is .",
    ]


def test_on_error_handoff(skill: Skill) -> None:
    chat = Chat(_dm_with_action(skill, _boom, on_error="handoff"))
    assert chat.send("check_balance")[-1] == "Connecting you to an agent."
    assert next(e for e in chat.last.events if e.type == "handoff_requested").reason == "action"


def test_action_messages_and_events(skill: Skill) -> None:
    def chatty(state: StateView) -> ActionResult:
        return ActionResult(
            slots={"balance": usd(3)},
            messages=["utter_balance", BotMessage(text="Anything else, {recipient}?", buttons=["no"])],
            events=[SlotSet(slot="recipient", value="Anna")],
        )

    chat = Chat(_dm_with_action(skill, chatty))
    replies = chat.send("check_balance")
    assert replies == ["Your balance is $3.00.", "Anything else, Anna?", "Your balance is $3.00."]
    assert chat.last.replies[1].buttons == ["no"]
    assert chat.last.replies[0].reason.policy == "action"


def test_validator_action_rejects_with_its_message(skill: Skill, bank: Bank) -> None:
    changed = _skill_with(skill, flows__transfer_money__steps__1__validate={"action": "known_payee"})
    actions = bank.registry()

    @actions.validator("known_payee")
    def known_payee(value: object, state: StateView) -> bool | str:
        return value in ("Anna", "Bob") or "I can only send money to saved payees."

    chat = Chat(DialogueManager(changed, actions=actions))
    chat.send("transfer_money", amount=usd(5))
    assert chat.send("inform", "Mallory") == [
        "I can only send money to saved payees.",
        "Who should receive the money?",
    ]
    assert chat.send("inform", "Bob") == ["Send $5.00 to Bob?"]


def test_registry_rejects_duplicates_and_lists_known_names() -> None:
    actions = ActionRegistry()
    actions.register("a")(lambda s: None)
    from skills_core.errors import DialogueError

    with pytest.raises(DialogueError, match="second registration"):
        actions.register("a")(lambda s: None)
    with pytest.raises(DialogueError, match=r"found only: a\. Fix: register it"):
        actions.action("b")


MINI = {
    "name": "mini",
    "intents": {
        i: {"examples": [i]} for i in ("order", "affirm", "deny", "loop", "again", "inform", "count", "keep")
    },
    "slots": {
        "size": {"type": "categorical", "values": ["small", "large"]},
        "gift": {"type": "bool"},
        "note": {"type": "text"},
        "count": {"type": "number"},
    },
    "responses": {"utter_ask_gift": ["Is it a gift?"], "utter_done": ["{size} {gift} {note}"]},
    "flows": {
        "order": {
            "intents": ["order"],
            "persist_slots": True,
            "steps": [{"collect": "size"}, {"collect": "gift"}, {"link": "finish"}],
        },
        "finish": {"steps": [{"collect": "note", "prompt": "Any note?"}, {"say": "utter_done"}]},
        "again": {
            "intents": ["again"],
            "steps": [{"collect": "size", "ask_always": True}, {"say": "ok {size}"}],
        },
        "loop": {"intents": ["loop"], "steps": [{"id": "top", "branch": [], "else": "top"}]},
        "keep": {"intents": ["keep"], "persist_slots": True, "steps": [{"collect": "note"}]},
        "count": {"intents": ["count"], "steps": [{"collect": "count"}, {"say": "{count} it is"}]},
    },
}


@pytest.fixture
def mini() -> Chat:
    return Chat(DialogueManager(Skill.model_validate(MINI)))


def test_bool_slot_from_affirm_deny_and_link_hands_slots_over(mini: Chat) -> None:
    assert mini.send("order", size="large") == ["Is it a gift?"]
    assert mini.send("deny") == ["Any note?"]
    assert mini.state.slots["gift"] is False and mini.state.active_flow == "finish"
    assert mini.state.frame.inherited == ("size", "gift")
    assert mini.send("inform", "leave at the door") == ["large no leave at the door"]
    # the linked flow does not persist its slots: its own and the inherited ones are cleared
    assert [mini.state.slots[s] for s in ("size", "gift", "note")] == [None, None, None]


def test_ask_always_asks_even_when_the_slot_is_filled(mini: Chat) -> None:
    mini.tracker.extend([SlotSet(slot="size", value="small", source="action")])
    replies = mini.send("again")
    assert replies == ["What is the size?"] and mini.last.replies[0].buttons == ["small", "large"]
    assert mini.send("inform", size="large") == ["ok large"]


def test_a_bare_number_answers_a_number_slot(mini: Chat) -> None:
    mini.send("count")
    assert mini.send("inform", "12") == ["12 it is"]


def test_invalid_value_in_the_trigger_is_explained_before_asking(chat: Chat) -> None:
    replies = chat.send("transfer_money", amount=usd(50000), recipient="Anna")
    assert replies[0] == "I can send between $1 and $10,000."
    assert replies[1] in ("How much would you like to send?", "What amount should I send?")
    assert chat.state.slots["recipient"] == "Anna" and chat.state.frame.retries == 0


def test_a_flow_that_never_waits_is_reported() -> None:
    from skills_core.errors import DialogueError

    chat = Chat(DialogueManager(Skill.model_validate(MINI)))
    with pytest.raises(DialogueError, match=r"loop in flow 'loop'.*collect or confirm"):
        chat.send("loop")


def test_persist_slots_keeps_the_values_after_the_flow(mini: Chat) -> None:
    assert mini.send("keep") == ["What is the note?"]
    assert mini.send("inform", "fragile") == []
    assert mini.state.active_flow is None and mini.state.slots["note"] == "fragile"
