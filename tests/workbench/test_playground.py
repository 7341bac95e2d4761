"""The dialogue playground's state: chat turns and conversation-test replays."""

from __future__ import annotations

from pathlib import Path

from wb_support import CONVERSATIONS

from skills_core.runtime.agent import Agent
from skills_core.workbench import ChatSession, conversation_cases, find_conversation_files, replay
from skills_core.workbench.playground import event_summary
from skills_core.workbench.render_dialogue import events_html, replay_html, state_html, transcript_html


def test_chat_session_keeps_turn_views_and_the_event_log(agent: Agent) -> None:
    chat = ChatSession(agent, session_id="t1")
    first = chat.send("send 50 dollars to Anna")
    assert (first.index, first.user) == (0, "send 50 dollars to Anna")
    assert first.replies and first.events
    assert first.events[0]["type"] in {"session_started", "user_uttered"}
    second = chat.send("bye")
    assert second.index == 1 and [t.user for t in chat.turns] == ["send 50 dollars to Anna", "bye"]
    log = chat.event_log()
    assert [e["type"] for e in log].count("user_uttered") == 2
    assert len(log) >= len(first.events) + len(second.events)
    chat.reset()
    assert chat.turns == [] and chat.event_log() == []


def test_turn_view_state_and_html(agent: Agent) -> None:
    view = ChatSession(agent, session_id="t2").send("send 50 dollars to Anna")
    if view.active_flow is not None:
        assert view.flow_stack[-1] == view.active_flow
        assert view.active_flow in state_html(view)
    assert "send 50 dollars to Anna" in transcript_html([view])
    assert "no turn yet" in state_html(None)
    assert events_html(view.events).count("<tr>") == len(view.events) + 1


def test_replay_finds_the_first_divergence(agent: Agent) -> None:
    passing, diverging = conversation_cases([CONVERSATIONS])
    ok = replay(agent, passing, use_nlu=False)
    assert ok.passed and ok.first_divergence is None and [r.ok for r in ok.rows] == [True, True]
    bad = replay(agent, diverging, use_nlu=False)
    assert not bad.passed and bad.first_divergence == 1
    assert [r.ok for r in bad.rows] == [True, False]
    assert any("Send 50 euros to Anna?" in p for p in bad.rows[1].problems)
    assert bad.rows[1].line == 22
    assert "diverges at turn 2" in replay_html(bad) and "passed" in replay_html(ok)


def test_replay_end_to_end_runs_every_turn(agent: Agent) -> None:
    passing, _ = conversation_cases([CONVERSATIONS])
    view = replay(agent, passing, use_nlu=True)
    assert len(view.rows) == 2, "keep_going: every turn is played even after a divergence"
    assert view.rows[0].said == "'hello there'"


def test_find_conversation_files(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "b.yml").write_text("conversations: []\n")
    (tmp_path / "tests" / "a.yaml").write_text("conversations: []\n")
    (tmp_path / "skill.yml").write_text("")
    assert [p.name for p in find_conversation_files(tmp_path)] == ["a.yaml", "b.yml"]
    assert [p.name for p in find_conversation_files(tmp_path / "skill.yml")] == ["a.yaml", "b.yml"]


def test_event_summary() -> None:
    uttered = {"type": "user_uttered", "parse": {"text": "hi", "intent": "greet", "confidence": 0.9}}
    assert event_summary(uttered) == "user_uttered text='hi', intent='greet'"
    assert (
        event_summary({"type": "slot_set", "slot": "amount", "value": 5}) == "slot_set slot='amount', value=5"
    )
    assert event_summary({"type": "flow_completed"}) == "flow_completed"
    assert event_summary({"type": "bot_uttered", "text": "Hi", "buttons": [], "response": None}) == (
        "bot_uttered text='Hi'"
    )
