"""Session stores chosen by URL; the in-memory LRU store with TTL and per-session locks."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from skills_core.errors import ConfigError
from skills_core.runtime import stores as stores_module
from skills_core.runtime.plans import FilePlanStore
from skills_core.runtime.redis_store import RedisPlanStore, RedisStore
from skills_core.runtime.stores import MemoryStore, SessionStore, plan_store_for, store_from_url


@pytest.mark.parametrize(
    ("url", "kind", "attrs"),
    [
        ("memory://", MemoryStore, {"max_sessions": 10_000, "ttl_s": 86_400}),
        ("memory://?max_sessions=5&ttl_s=60", MemoryStore, {"max_sessions": 5, "ttl_s": 60}),
        (
            "redis://localhost:6379/0",
            RedisStore,
            {"ttl_s": 86_400, "prefix": "skills:", "lock_timeout_s": 30},
        ),
        (
            "redis://:pw@localhost:6379/2?ttl_s=10&prefix=bot:&lock_timeout_s=5&lock_wait_s=1",
            RedisStore,
            {"ttl_s": 10, "prefix": "bot:", "lock_timeout_s": 5, "lock_wait_s": 1},
        ),
    ],
)
def test_store_from_url(url: str, kind: type, attrs: dict[str, object]) -> None:
    store = store_from_url(url)
    assert isinstance(store, kind) and isinstance(store, SessionStore)
    assert {k: getattr(store, k) for k in attrs} == attrs


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("postgres://x", "memory:// or redis://"),
        ("memory://?max_sessions=lots", "numeric"),
        ("memory://?max_sessions=0", "max_sessions >= 1"),
        ("redis://h:1/0?ttl_s=soon", "numeric"),
    ],
)
def test_bad_store_urls_say_how_to_fix(url: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        store_from_url(url)


def test_plan_store_follows_the_session_store(tmp_path: Path) -> None:
    memory = plan_store_for(store_from_url("memory://"), namespace="bank", directory=tmp_path)
    assert isinstance(memory, FilePlanStore) and memory.path == tmp_path / "bank.plan.json"
    redis = plan_store_for(
        store_from_url("redis://localhost:1/0?prefix=x:"), namespace="bank", directory=tmp_path
    )
    assert isinstance(redis, RedisPlanStore) and redis.key == "x:models:bank"


def test_memory_store_round_trip_and_delete() -> None:
    store = MemoryStore()
    assert store.load("s") is None
    store.save("s", {"events": [1, "ü"]})
    assert store.load("s") == {"events": [1, "ü"]} and len(store) == 1
    assert store.delete("s") is True and store.delete("s") is False


def test_memory_store_evicts_the_least_recently_used() -> None:
    store = MemoryStore(max_sessions=2)
    store.save("a", {})
    store.save("b", {})
    store.load("a")  # a is now more recent than b
    store.save("c", {})
    assert (store.load("a"), store.load("b"), store.load("c")) == ({}, None, {})


def test_memory_store_expires_after_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    now = [1000.0]
    monkeypatch.setattr(stores_module.time, "monotonic", lambda: now[0])
    store = MemoryStore(ttl_s=10)
    store.save("s", {"x": 1})
    now[0] += 9
    assert store.load("s") == {"x": 1}
    now[0] += 2
    assert store.load("s") is None


def test_memory_store_lock_serialises_turns_of_one_session() -> None:
    store = MemoryStore()
    store.save("s", {"n": 0})

    def turns() -> None:
        for _ in range(200):
            with store.lock("s"):
                state = store.load("s")
                assert state is not None
                store.save("s", {"n": state["n"] + 1})

    threads = [threading.Thread(target=turns) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert store.load("s") == {"n": 800}
