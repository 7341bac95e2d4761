"""The event log, the pure reducer and the tracker's save/restore."""

from __future__ import annotations

import json

import pytest
from dm_support import Chat, make_parse, usd

from skills_core.dm import (
    SCHEMA_VERSION,
    ActionExecuted,
    BotUttered,
    DialogueManager,
    DialogueState,
    FallbackTriggered,
    FlowCancelled,
    FlowCompleted,
    FlowResumed,
    FlowStarted,
    HandoffRequested,
    Reason,
    SessionStarted,
    SlotSet,
    StepCompleted,
    StepStarted,
    Tracker,
    UserUttered,
    ValidationFailed,
    apply,
    dump_events,
    parse_events,
    reduce,
)
from skills_core.dm.events import EVENT_TYPES, Event
from skills_core.errors import DialogueError

START = [SessionStarted(session_id="s1"), FlowStarted(flow="transfer_money")]


@pytest.mark.parametrize(
    ("events", "check"),
    [
        ([SessionStarted(session_id="abc")], lambda s: s.session_id == "abc"),
        (
            [UserUttered(parse=make_parse("greet"))],
            lambda s: s.turn == 1 and s.latest_parse.intent == "greet",
        ),
        ([SlotSet(slot="a", value=1), SlotSet(slot="a", value=2)], lambda s: s.slots["a"] == 2),
        (
            [SlotSet(slot="a", value=1), SlotSet(slot="a", value=None)],
            lambda s: s.slot("a", "none") == "none",
        ),
        (START, lambda s: s.active_flow == "transfer_money" and s.frame.step == -1),
        ([*START, FlowStarted(flow="faq_fees")], lambda s: [f.interrupted for f in s.stack] == [True, False]),
        (
            [
                *START,
                FlowStarted(flow="faq_fees"),
                FlowCompleted(flow="faq_fees"),
                FlowResumed(flow="transfer_money"),
            ],
            lambda s: len(s.stack) == 1 and not s.frame.interrupted,
        ),
        ([*START, FlowCancelled(flow="transfer_money")], lambda s: s.stack == ()),
        ([*START, StepStarted(flow="transfer_money", step=2, kind="branch")], lambda s: s.frame.waiting),
        (
            [
                *START,
                StepStarted(flow="transfer_money", step=0, kind="collect"),
                StepCompleted(flow="transfer_money", step=0),
            ],
            lambda s: s.frame.step == 0 and not s.frame.waiting,
        ),
        (
            [
                *START,
                StepStarted(flow="transfer_money", step=0, kind="collect"),
                ValidationFailed(flow="transfer_money", step=0, reason="x"),
                ValidationFailed(flow="transfer_money", step=0, reason="x"),
            ],
            lambda s: s.frame.retries == 2,
        ),
        (  # a failure of a slot that is not being asked (prefill) is no retry
            [
                *START,
                StepStarted(flow="transfer_money", step=1, kind="collect"),
                ValidationFailed(reason="x"),
            ],
            lambda s: s.frame.retries == 0,
        ),
        (
            [*START, ActionExecuted(action="do_transfer", flow="transfer_money", step=5)],
            lambda s: s.frame.barrier == 6,
        ),
        ([HandoffRequested(reason="user_request")], lambda s: s.handoff),
        (
            [FallbackTriggered(reason="low_confidence", candidates=["a"])],
            lambda s: s.fallback_streak == 1 and s.clarification == ("a",),
        ),
    ],
)
def test_reducer_applies_each_event(events: list[Event], check) -> None:
    assert check(reduce(events))


def test_fallback_streak_counts_consecutive_turns_only() -> None:
    user = UserUttered(parse=make_parse("out_of_scope"))
    fb = FallbackTriggered(reason="out_of_scope")
    assert reduce([user, fb, user, fb]).fallback_streak == 2
    assert reduce([user, fb, user, fb, user]).fallback_streak == 2  # still counting during the turn
    assert reduce([user, fb, user, user]).fallback_streak == 0  # a turn without a fallback resets it
    assert reduce([user, fb, user, fb, HandoffRequested(reason="fallback")]).fallback_streak == 0


def test_reducer_is_pure() -> None:
    state = DialogueState()
    after = apply(state, SlotSet(slot="a", value=1))
    assert dict(state.slots) == {} and after.slots["a"] == 1
    with pytest.raises(TypeError):
        after.slots["a"] = 2  # type: ignore[index]


def test_every_event_type_round_trips_through_json() -> None:
    events: list[Event] = [
        SessionStarted(session_id="s"),
        UserUttered(parse=make_parse("transfer_money", amount=usd(5))),
        SlotSet(slot="amount", value=usd(5), source="entity"),
        FlowStarted(flow="f", inherit_slots=["x"]),
        FlowResumed(flow="f"),
        StepStarted(flow="f", step=0, step_id="a", kind="collect"),
        StepCompleted(flow="f", step=0),
        ValidationFailed(flow="f", step=0, slot="amount", value="x", reason="expected a number"),
        BotUttered(
            text="hi", buttons=["a"], response="utter_greet", reason=Reason(policy="flow", flow="f", step="a")
        ),
        ActionExecuted(action="a", flow="f", step=1),
        FlowCompleted(flow="f"),
        FlowCancelled(flow="f", reason="user"),
        HandoffRequested(reason="fallback", detail="3"),
        FallbackTriggered(reason="ambiguous", candidates=["x", "y"]),
    ]
    from skills_core.dm import ActionFailed, AnalyserLabel, PIIMark, TextAnalysed

    events.append(ActionFailed(action="a", error_type="ValueError", message="boom", timed_out=False))
    labels = {"sentiment": AnalyserLabel(label="negative", confidence=0.9)}
    events.append(TextAnalysed(language="en", pii=[PIIMark(type="email", start=0, end=5)], labels=labels))
    assert {e.type for e in events} == set(EVENT_TYPES)
    text = json.dumps(dump_events(events))
    assert parse_events(json.loads(text)) == events


def test_parse_events_rejects_unknown_types_clearly() -> None:
    with pytest.raises(
        DialogueError, match=r"expected a list of dialogue events.*found an invalid item at 0"
    ):
        parse_events([{"type": "teleported"}])


def test_tracker_restore_reproduces_behaviour(dm: DialogueManager) -> None:
    chat = Chat(dm, session_id="restore")
    chat.send("transfer_money", amount=usd(50))
    saved = chat.tracker.to_json()
    restored = Tracker.from_json(saved)
    assert restored.state == chat.state
    assert restored.events == chat.tracker.events
    nxt = make_parse("inform", "Anna")
    assert dm.handle(restored, nxt).events == dm.handle(chat.tracker, nxt).events


def test_handle_is_pure_and_accepts_a_bare_event_list(dm: DialogueManager) -> None:
    tracker = Tracker("pure")
    first = dm.handle(tracker, make_parse("greet"))
    assert tracker.events == ()  # handle never mutates
    again = dm.handle(list(first.events), make_parse("check_balance"))
    assert again.texts == ["Your balance is $1,234.50."]
    assert again.state.session_id == "pure"


def test_first_turn_starts_the_session_with_initial_slots(dm: DialogueManager) -> None:
    result = dm.handle(Tracker("s9"), make_parse("greet"))
    assert [e.type for e in result.events[:3]] == ["session_started", "slot_set", "user_uttered"]
    assert result.state.slots["currency"] == "USD"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"schema_version": 99, "session_id": "s", "events": []}, r"schema_version 1; found 99"),
        ({"schema_version": SCHEMA_VERSION, "session_id": 3, "events": []}, r"'session_id' to be a string"),
        (
            {"schema_version": SCHEMA_VERSION, "session_id": "s", "events": [{"type": "x"}]},
            r"dialogue events",
        ),
    ],
)
def test_from_dict_errors_say_what_was_found(data: dict, message: str) -> None:
    with pytest.raises(DialogueError, match=message):
        Tracker.from_dict(data)


@pytest.mark.parametrize("text", ["not json", "[1, 2]"])
def test_from_json_rejects_non_objects(text: str) -> None:
    with pytest.raises(DialogueError, match="expected"):
        Tracker.from_json(text)
