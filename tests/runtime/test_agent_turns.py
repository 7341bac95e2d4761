"""Idempotent turns: a turn resent with its turn_id is answered from the log and applied once."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from runtime_support import TINY, FakeModel, RedisServer

from skills_core.dm.events import UserUttered, dump_events
from skills_core.dm.state import Tracker
from skills_core.errors import ConfigError
from skills_core.runtime.actions import load_actions
from skills_core.runtime.agent import Agent, Turn
from skills_core.runtime.plans import MemoryPlanStore
from skills_core.runtime.redis_store import RedisStore
from skills_core.runtime.registry import ModelRegistry
from skills_core.runtime.stores import MemoryStore
from skills_core.runtime.turns import TurnConflict, find_turn
from skills_core.spec.loader import load_skill
from skills_core.spec.types import Parse

EMAIL = "anna.smith@example.com"


@pytest.fixture(scope="module")
def skill() -> Any:
    return load_skill(TINY)


def make_agent(skill: Any, store: Any = None, **options: Any) -> Agent:
    registry = ModelRegistry(loader=FakeModel, plans=MemoryPlanStore())
    registry.start("fake:a", watch=False)
    return Agent(
        skill=skill,
        registry=registry,
        actions=load_actions(TINY),
        store=store if store is not None else MemoryStore(),
        **options,
    )


def stored_events(agent: Agent, session_id: str) -> list[dict[str, Any]]:
    data = agent.session(session_id)
    assert data is not None
    return data["events"]


class SlowLoadStore(MemoryStore):
    """A memory store whose loads take a while, so unlocked check-then-write races would show."""

    def load(self, session_id: str) -> dict[str, Any] | None:
        time.sleep(0.02)
        return super().load(session_id)


def answer(turn: Turn) -> dict[str, Any]:
    return {k: v for k, v in turn.to_dict().items() if k != "replayed"}


TEXTS = [("t1", "send money please"), ("t2", "hi"), ("t3", "what is my balance")]


@pytest.mark.parametrize("retried", [0, 1, 2])
def test_a_retried_turn_answers_as_the_first_time_and_stores_nothing(skill: Any, retried: int) -> None:
    agent = make_agent(skill)
    originals = [agent.handle("s", text, turn_id=tid) for tid, text in TEXTS]
    before = stored_events(agent, "s")
    tid, text = TEXTS[retried]
    again = agent.handle("s", text, turn_id=tid)
    assert again.replayed is True and originals[retried].replayed is False
    assert answer(again) == answer(originals[retried])  # replies, parse, state, events, turn id
    assert stored_events(agent, "s") == before


def test_the_turn_id_is_stored_in_the_user_event_only_when_given(skill: Any) -> None:
    agent = make_agent(skill)
    agent.handle("s", "hi", turn_id="a-1")
    agent.handle("s", "bye")
    users = [e for e in stored_events(agent, "s") if e["type"] == "user_uttered"]
    assert [u.get("turn_id") for u in users] == ["a-1", None]
    assert "turn_id" not in users[1]  # logs without turn ids read and write as before


def test_a_log_written_before_turn_ids_still_loads_and_takes_them(skill: Any) -> None:
    agent = make_agent(skill)
    parse = Parse(text="hi", intent="greet", confidence=0.99)
    old = {
        "schema_version": 1,
        "session_id": "old",
        "events": [{"type": "user_uttered", "parse": parse.model_dump()}],
    }
    assert Tracker.from_dict(old).events == (UserUttered(parse=parse),)
    agent.store.save("old", old)
    first = agent.handle("old", "bye", turn_id="n1")
    assert agent.handle("old", "bye", turn_id="n1").replayed and not first.replayed
    assert len(stored_events(agent, "old")) == 1 + len(first.events)


def test_the_same_turn_id_with_another_text_is_a_conflict(skill: Any) -> None:
    agent = make_agent(skill)
    agent.handle("s", "send money please", turn_id="t1")
    before = stored_events(agent, "s")
    with pytest.raises(TurnConflict, match=r"^expected a new turn_id or the same text") as caught:
        agent.handle("s", "bye", turn_id="t1")
    assert "Fix:" in str(caught.value)
    assert stored_events(agent, "s") == before


def test_turn_ids_belong_to_their_session(skill: Any) -> None:
    agent = make_agent(skill)
    agent.handle("a", "hi", turn_id="t1")
    other = agent.handle("b", "bye", turn_id="t1")
    assert other.replayed is False and other.parse.intent == "goodbye"
    agent.reset("a")
    assert agent.handle("a", "bye", turn_id="t1").replayed is False  # a deleted session forgets them


def test_turns_without_an_id_always_run(skill: Any) -> None:
    agent = make_agent(skill)
    agent.handle("s", "hi")
    agent.handle("s", "hi")
    assert agent.session("s")["state"]["turn"] == 2  # type: ignore[index]


def test_a_masked_turn_is_recognised_by_its_original_text(skill: Any) -> None:
    agent = make_agent(skill, mask_pii=True)
    text = f"hello, my email is {EMAIL}"
    first = agent.handle("s", text, turn_id="m1")
    again = agent.handle("s", text, turn_id="m1")
    assert again.replayed and again.replies == first.replies and again.state == first.state
    assert again.text == text and EMAIL not in again.parse.text  # the parse as stored: masked
    with pytest.raises(TurnConflict):
        agent.handle("s", f"bye, my email is {EMAIL}", turn_id="m1")
    # only the masked text is stored: a retry that differs inside the personal data is the same turn
    assert agent.handle("s", "hello, my email is other@example.com", turn_id="m1").replayed


def test_a_batch_with_a_turn_twice_applies_it_once(skill: Any) -> None:
    agent = make_agent(skill)
    turns = [("s", "send money please"), ("s", "send money please"), ("s", "bye")]
    results = agent.handle_batch(turns, turn_ids=["x", "x", None])
    assert [r.replayed for r in results if isinstance(r, Turn)] == [False, True, False]
    users = [e for e in stored_events(agent, "s") if e["type"] == "user_uttered"]
    assert len(users) == 2
    conflict = agent.handle_batch([("s", "hi")], turn_ids=["x"])
    assert isinstance(conflict[0], TurnConflict)
    with pytest.raises(ConfigError, match="one turn id"):
        agent.handle_batch(turns, turn_ids=["x"])


def test_find_turn_spans_a_turn_from_its_user_event_to_the_next(skill: Any) -> None:
    agent = make_agent(skill)
    first = agent.handle("s", "send money please", turn_id="t1")
    second = agent.handle("s", "hi", turn_id="t2")
    log = Tracker.from_dict(agent.store.load("s") or {}).events
    one, two = find_turn(log, "t1"), find_turn(log, "t2")
    assert one is not None and two is not None and find_turn(log, "t3") is None
    assert dump_events(one.events(log)) == first.events and one.start == 0
    assert dump_events(two.events(log)) == second.events and two.end == len(log)


def run_concurrently(agents: list[Agent], text: str, turn_id: str, copies: int) -> list[Turn | Exception]:
    results: list[Turn | Exception] = []
    start = threading.Barrier(copies)

    def send(agent: Agent) -> None:
        start.wait()
        try:
            results.append(agent.handle("shared", text, turn_id=turn_id))
        except Exception as e:
            results.append(e)

    threads = [threading.Thread(target=send, args=(agents[i % len(agents)],)) for i in range(copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_concurrent_retries_of_one_turn_apply_it_once_memory(skill: Any) -> None:
    agent = make_agent(skill, store=SlowLoadStore())
    results = run_concurrently([agent], "send money please", "c1", copies=6)
    assert all(isinstance(r, Turn) for r in results), results
    assert sorted(r.replayed for r in results if isinstance(r, Turn)) == [False] + [True] * 5
    assert sum(e["type"] == "user_uttered" for e in stored_events(agent, "shared")) == 1


def test_concurrent_retries_of_one_turn_apply_it_once_redis(skill: Any, redis_server: RedisServer) -> None:
    agents = [make_agent(skill, store=RedisStore(redis_server.url)) for _ in range(2)]
    results = run_concurrently(agents, "send money please", "c1", copies=6)
    assert all(isinstance(r, Turn) for r in results), results
    assert sorted(r.replayed for r in results if isinstance(r, Turn)) == [False] + [True] * 5
    assert sum(e["type"] == "user_uttered" for e in stored_events(agents[1], "shared")) == 1
    replies = {tuple(x.text for x in r.replies) for r in results if isinstance(r, Turn)}
    assert len(replies) == 1
