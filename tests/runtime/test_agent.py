"""The Agent over a registry: turns, batches of turns, canary routing, readiness, serving set-up."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from runtime_support import TINY, FakeModel, RedisServer

from skills_core.errors import ConfigError
from skills_core.runtime.actions import load_actions
from skills_core.runtime.agent import Agent, Turn, model_loader
from skills_core.runtime.plans import MemoryPlanStore
from skills_core.runtime.redis_store import RedisStore, StoreUnavailable
from skills_core.runtime.registry import ModelRegistry
from skills_core.runtime.stores import MemoryStore
from skills_core.spec.loader import load_skill


@pytest.fixture(scope="module")
def skill() -> Any:
    return load_skill(TINY)


def fake_agent(skill: Any, store: Any = None, canary: str | None = None) -> Agent:
    registry = ModelRegistry(loader=FakeModel, plans=MemoryPlanStore())
    registry.start("fake:a", watch=False)
    if canary:
        registry.set_canary(canary, 50)
    return Agent(
        skill=skill,
        registry=registry,
        actions=load_actions(TINY),
        store=store if store is not None else MemoryStore(),
    )


def test_handle_runs_a_flow_across_turns(skill: Any) -> None:
    agent = fake_agent(skill)
    first = agent.handle("s", "send money please")
    assert isinstance(first, Turn) and first.parse.intent == "transfer_money"
    assert first.state["active_flow"] == "transfer_money"
    assert agent.session("s")["state"]["active_flow"] == "transfer_money"  # type: ignore[index]
    assert agent.reset("s") is True and agent.session("s") is None


def test_handle_batch_parses_once_and_keeps_each_sessions_order(skill: Any) -> None:
    agent = fake_agent(skill)
    model = agent.registry.active
    turns = [("a", "hi"), ("b", "balance"), ("a", "bye"), ("b", "hello")]
    results = agent.handle_batch(turns)
    assert model.batches == [[t for _, t in turns]]  # type: ignore[attr-defined]
    assert [r.text for r in results if isinstance(r, Turn)] == ["hi", "balance", "bye", "hello"]
    said = [e["parse"]["text"] for e in agent.session("a")["events"] if e["type"] == "user_uttered"]  # type: ignore[index]
    assert said == ["hi", "bye"]
    assert agent.handle_batch([]) == []


class BrokenFor(MemoryStore):
    """A store that is down for one session only."""

    def __init__(self, bad: str) -> None:
        super().__init__()
        self.bad = bad

    def save(self, session_id: str, state: dict[str, Any]) -> None:
        if session_id == self.bad:
            raise StoreUnavailable("expected Redis to answer; it did not")
        super().save(session_id, state)


def test_a_failing_turn_does_not_fail_the_rest_of_the_batch(skill: Any) -> None:
    agent = fake_agent(skill, store=BrokenFor("bad"))
    results = agent.handle_batch([("ok", "hi"), ("bad", "hi"), ("ok2", "hi")])
    assert isinstance(results[0], Turn) and isinstance(results[2], Turn)
    assert isinstance(results[1], StoreUnavailable)


def test_canary_routing_is_by_session(skill: Any) -> None:
    agent = fake_agent(skill, canary="fake:c")
    sessions = [f"s{i}" for i in range(60)]
    turns = agent.handle_batch([(s, "hi") for s in sessions])
    for s, turn in zip(sessions, turns, strict=True):
        assert isinstance(turn, Turn)
        assert turn.parse.model_version == agent.registry.route(s)[0]
    assert {t.parse.model_version for t in turns if isinstance(t, Turn)} == {"fake:a", "fake:c"}


def test_agent_needs_a_model(skill: Any) -> None:
    with pytest.raises(ConfigError, match="NLU model or a model registry"):
        Agent(skill=skill)
    agent = Agent(skill=skill, nlu=FakeModel("m:1"), actions=load_actions(TINY))  # type: ignore[arg-type]
    assert agent.nlu.version == "m:1" and agent.ready()


@pytest.mark.redis
def test_concurrent_batches_on_one_session_lose_no_turn(skill: Any, redis_server: RedisServer) -> None:
    agents = [fake_agent(skill, store=RedisStore(redis_server.url)) for _ in range(2)]

    def run(agent: Agent, n: int) -> None:
        for i in range(10):
            results = agent.handle_batch([("shared", f"hi {n}-{i}"), (f"own-{n}", "hi")])
            assert all(isinstance(r, Turn) for r in results)

    threads = [threading.Thread(target=run, args=(a, n)) for n, a in enumerate(agents) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    events = agents[0].session("shared")["events"]  # type: ignore[index]
    assert sum(e["type"] == "user_uttered" for e in events) == 40


@pytest.mark.slow
def test_serving_agent_loads_the_stored_model_and_refuses_foreign_ones(
    skill: Any, tiny_tags: list[str], tmp_path: Path
) -> None:
    agent = Agent.serving(TINY, model=tiny_tags[0], plan_dir=tmp_path, device="cpu")
    try:
        assert agent.registry.routing.active_tag == tiny_tags[0]
        assert agent.handle("s", "hello there").parse.model_version == tiny_tags[0]
        assert (tmp_path / f"{skill.name}.plan.json").is_file()
        other = skill.model_copy(update={"name": "another_skill"})
        with pytest.raises(ConfigError, match="trained for"):
            model_loader(other)(tiny_tags[0])
    finally:
        agent.close()
    with pytest.raises(ConfigError, match=r"device|CUDA"):
        Agent.serving(
            TINY, model=tiny_tags[0], plan_dir=tmp_path, device="cuda:0" if not _cuda() else "bogus"
        )


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()
