"""Conversation repair: digressions, FAQ/chit-chat, corrections, cancel, handoff, fallback, clarification."""

from __future__ import annotations

import pytest
from dm_support import Bank, Chat, usd

from skills_core.dm import DialogueManager
from skills_core.spec.models import Skill


def test_digression_runs_the_new_flow_then_resumes_with_a_reminder(chat: Chat) -> None:
    chat.send("transfer_money", amount=usd(50))
    assert chat.send("check_balance") == [
        "Your balance is $1,234.50.",
        "Let's get back to sending money.",
        "Who should receive the money?",
    ]
    policies = [r.reason.policy for r in chat.last.replies]
    assert policies == ["flow", "resume", "flow"]
    assert "flow_resumed" in chat.types
    assert chat.state.active_flow == "transfer_money" and chat.state.slots["amount"] == usd(50)


def test_digression_into_a_waiting_task_flow_keeps_both(chat: Chat) -> None:
    chat.send("transfer_money", amount=usd(50))
    assert chat.send("block_card") == ["Which card, debit or credit?"]
    assert [f.flow for f in chat.state.stack] == ["transfer_money", "block_card"]
    chat.send("inform", card_type="debit")
    chat.send("inform", "lost")
    assert chat.send("affirm") == [
        "Your debit card is blocked.",
        "Let's get back to sending money.",
        "Who should receive the money?",
    ]


@pytest.mark.parametrize(
    ("intent", "answer"),
    [
        ("faq_fees", "Transfers are free."),
        ("bot_challenge", "I'm a bot."),
        ("greet", "Hello! How can I help?"),
    ],
)
def test_faq_chitchat_and_intent_responses_answer_and_re_ask(chat: Chat, intent: str, answer: str) -> None:
    chat.send("transfer_money", amount=usd(50))
    assert chat.send(intent) == [answer, "Who should receive the money?"]
    assert chat.state.active_flow == "transfer_money"
    assert chat.state.frame.retries == 0


def test_faq_without_a_flow_just_answers(chat: Chat) -> None:
    assert chat.send("faq_hours") == ["We are open 9 to 5."]
    assert chat.state.stack == ()


def test_naming_an_interrupted_flow_brings_it_back(chat: Chat) -> None:
    chat.send("transfer_money", amount=usd(50))
    chat.send("block_card")
    assert chat.send("transfer_money") == [
        "Let's get back to sending money.",
        "Who should receive the money?",
    ]
    assert [f.flow for f in chat.state.stack] == ["transfer_money"]


def test_correction_at_confirm_updates_the_slot_and_reconfirms(chat: Chat, bank: Bank) -> None:
    chat.send("transfer_money", amount=usd(50), recipient="Anna")
    assert chat.send("correct", "actually, make it 60", amount=usd(60)) == ["Send $60.00 to Anna?"]
    assert chat.state.slots["amount"] == usd(60)
    assert any(e.type == "slot_set" and e.source == "correction" for e in chat.last.events)
    chat.send("affirm")
    assert bank.transfers == [{"amount": usd(60), "recipient": "Anna"}]


def test_correction_re_runs_the_branch(chat: Chat) -> None:
    chat.send("transfer_money", amount=usd(50), recipient="Anna")
    assert chat.send("correct", amount=usd(5000)) == [
        "Heads up: transfers over $1,000 take a day to arrive.",
        "Send $5,000.00 to Anna?",
    ]


def test_correction_of_an_earlier_slot_while_collecting_a_later_one(chat: Chat) -> None:
    chat.send("block_card", card_type="debit")
    assert chat.send("correct", card_type="credit") == ["Why do you want to block it?"]
    assert chat.state.slots["card_type"] == "credit"


def test_same_value_is_not_a_correction(chat: Chat) -> None:
    chat.send("transfer_money", amount=usd(50), recipient="Anna")
    chat.send("inform", recipient="Anna")
    assert not any(e.type == "slot_set" for e in chat.last.events)


def test_invalid_correction_keeps_the_old_value(chat: Chat) -> None:
    chat.send("transfer_money", amount=usd(50), recipient="Anna")
    replies = chat.send("correct", amount=usd(99999))
    assert replies == ["I can send between $1 and $10,000.", "Send $50.00 to Anna?"]
    assert chat.state.slots["amount"] == usd(50)


def test_correct_intent_without_a_value_asks_what_to_change(chat: Chat) -> None:
    chat.send("transfer_money", amount=usd(50), recipient="Anna")
    assert chat.send("correct", "I want to change something") == ["What would you like to change?"]
    assert chat.state.frame.retries == 0


def test_corrected_ack_when_the_skill_defines_it(skill: Skill, bank: Bank) -> None:
    data = skill.model_dump(by_alias=True, exclude_unset=True)
    data["responses"]["utter_corrected"] = ["Okay, {slot_label} is now {value}."]
    chat = Chat(DialogueManager(Skill.model_validate(data), actions=bank.registry()))
    chat.send("transfer_money", amount=usd(50), recipient="Anna")
    assert chat.send("correct", recipient="Bob") == ["Okay, recipient is now Bob.", "Send $50.00 to Bob?"]
    assert chat.send("correct", amount=usd(7))[0] == "Okay, amount is now $7.00."
    assert chat.last.replies[0].reason.policy == "correction"


def test_cancel_stops_the_flow(chat: Chat) -> None:
    chat.send("transfer_money", amount=usd(50))
    assert chat.send("cancel", "never mind") == ["Okay, I've stopped that."]
    assert chat.state.active_flow is None and chat.state.slots["amount"] is None
    assert "flow_cancelled" in chat.types


def test_cancel_during_a_digression_resumes_the_interrupted_flow(chat: Chat) -> None:
    chat.send("transfer_money", amount=usd(50))
    chat.send("block_card")
    assert chat.send("cancel") == [
        "Okay, I've stopped that.",
        "Let's get back to sending money.",
        "Who should receive the money?",
    ]


def test_cancel_with_nothing_to_cancel(chat: Chat) -> None:
    assert chat.send("cancel") == ["Okay, I've stopped that."]


def test_handoff_intent_cancels_flows_and_emits_an_event(chat: Chat) -> None:
    chat.send("transfer_money", amount=usd(50))
    assert chat.send("human_handoff") == ["Connecting you to an agent."]
    event = next(e for e in chat.last.events if e.type == "handoff_requested")
    assert event.reason == "user_request" and event.flow == "transfer_money"
    assert chat.state.stack == () and chat.state.handoff


def test_fallback_then_handoff_after_max_fallbacks(chat: Chat) -> None:
    for _ in range(2):  # max_fallbacks = 2 fallbacks in a row are tolerated
        assert chat.send("out_of_scope", "what's the weather", fallback="out_of_scope") == [
            "Sorry, I didn't understand that. Could you say it another way?"
        ]
        assert chat.last.replies[0].reason.policy == "fallback"
    assert chat.send("out_of_scope", fallback="out_of_scope") == ["Connecting you to an agent."]
    assert next(e for e in chat.last.events if e.type == "handoff_requested").reason == "fallback"


def test_an_understood_turn_resets_the_fallback_count(chat: Chat) -> None:
    chat.send("out_of_scope", fallback="out_of_scope")
    chat.send("out_of_scope", fallback="out_of_scope")
    chat.send("greet")
    chat.send("out_of_scope", fallback="out_of_scope")
    assert "handoff_requested" not in chat.types


def test_no_fallback_handoff_without_a_handoff_intent_or_flow(skill: Skill, bank: Bank) -> None:
    data = skill.model_dump(by_alias=True, exclude_unset=True)
    del data["flows"]["handoff"]
    del data["intents"]["human_handoff"]
    chat = Chat(DialogueManager(Skill.model_validate(data), actions=bank.registry()))
    for _ in range(4):
        chat.send("out_of_scope", fallback="out_of_scope")
        assert "handoff_requested" not in chat.types


def test_low_confidence_asks_which_intent_was_meant_and_yes_replays_it(chat: Chat) -> None:
    replies = chat.send(
        "transfer_money", "send fifty to anna", confidence=0.4, fallback="low_confidence", recipient="Anna"
    )
    assert replies == ["Did you mean sending money?"]
    assert chat.last.replies[0].reason.policy == "clarify"
    assert chat.send("affirm") in (["How much would you like to send?"], ["What amount should I send?"])
    assert chat.state.slots["recipient"] == "Anna"  # the entities of the clarified utterance
    assert any(e.type == "flow_started" and e.reason == "clarified" for e in chat.last.events)


def test_ambiguous_parse_names_the_top_two_candidates(chat: Chat) -> None:
    replies = chat.send(
        "check_balance",
        confidence=0.41,
        ranking={"transfer_money": 0.39, "out_of_scope": 0.1, "deny": 0.05},
        fallback="ambiguous",
    )
    assert replies == ["Did you mean checking your balance or sending money?"]
    assert chat.last.replies[0].buttons == ["checking your balance", "sending money"]
    event = next(e for e in chat.last.events if e.type == "fallback")
    assert event.candidates == ["check_balance", "transfer_money"]
    assert chat.send("transfer_money") in (
        ["How much would you like to send?"],
        ["What amount should I send?"],
    )


def test_clarify_below_setting_triggers_clarification(skill: Skill, bank: Bank) -> None:
    data = skill.model_dump(by_alias=True, exclude_unset=True)
    data.setdefault("settings", {})["clarify_below"] = 0.6
    chat = Chat(DialogueManager(Skill.model_validate(data), actions=bank.registry()))
    assert chat.send("faq_fees", confidence=0.5) == ["Did you mean faq fees?"]
    assert chat.send("faq_fees", confidence=0.7) == ["Transfers are free."]


def test_unknown_intent_outside_flows_is_a_fallback(chat: Chat) -> None:
    assert chat.send("affirm") == ["Sorry, I didn't understand that. Could you say it another way?"]
    assert next(e for e in chat.last.events if e.type == "fallback").reason == "no_flow"


def test_every_reply_records_why(chat: Chat) -> None:
    chat.send("transfer_money", amount=usd(50))
    chat.send("faq_fees")
    reasons = [(r.reason.policy, r.reason.flow, r.reason.step) for r in chat.last.replies]
    assert reasons == [("flow", "faq_fees", "0"), ("flow", "transfer_money", "1")]
