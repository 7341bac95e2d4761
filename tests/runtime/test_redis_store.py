"""RedisStore and RedisPlanStore against a real redis-server started by the test."""

from __future__ import annotations

import threading
import time

import pytest
from runtime_support import RedisServer

from skills_core.runtime.plans import Plan
from skills_core.runtime.redis_store import LockLost, RedisStore, StoreUnavailable

pytestmark = pytest.mark.redis


def test_state_round_trips_with_ttl_and_is_counted(redis_server: RedisServer) -> None:
    store = RedisStore(redis_server.url, ttl_s=60, prefix="t:")
    store.save("s1", {"events": ["ü"]})
    store.save("s2", {})
    assert store.load("s1") == {"events": ["ü"]} and store.load("nope") is None
    assert 0 < store.client.pttl("t:session:s1") <= 60_000
    assert len(store) == 2
    assert store.delete("s1") is True and store.delete("s1") is False
    assert len(store) == 1 and store.ping()


def test_expired_sessions_leave_the_count(redis_server: RedisServer) -> None:
    store = RedisStore(redis_server.url, ttl_s=0.2)
    store.save("s", {})
    assert len(store) == 1
    time.sleep(0.4)
    assert store.load("s") is None and len(store) == 0


def test_lock_serialises_turns_across_clients_without_lost_updates(redis_server: RedisServer) -> None:
    # each thread has its own client, like separate replicas
    stores = [RedisStore(redis_server.url) for _ in range(4)]
    stores[0].save("s", {"n": 0})

    def turns(store: RedisStore) -> None:
        for _ in range(25):
            with store.lock("s"):
                state = store.load("s")
                assert state is not None
                store.save("s", {"n": state["n"] + 1})

    threads = [threading.Thread(target=turns, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert stores[0].load("s") == {"n": 100}
    assert stores[0].client.get("skills:lock:s") is None


def test_an_expired_lock_frees_the_session_and_fences_the_late_holder(redis_server: RedisServer) -> None:
    slow = RedisStore(redis_server.url, lock_timeout_s=0.2)
    fast = RedisStore(redis_server.url, lock_wait_s=5)
    with slow.lock("s"):
        time.sleep(0.35)  # the holder outlives its lock (a crash would look the same to others)
        with fast.lock("s"):
            fast.save("s", {"by": "fast"})
        with pytest.raises(LockLost, match="not saved"):
            slow.save("s", {"by": "slow"})
    assert fast.load("s") == {"by": "fast"}


def test_waiting_too_long_for_a_lock_is_a_retryable_error(redis_server: RedisServer) -> None:
    holder = RedisStore(redis_server.url)
    waiter = RedisStore(redis_server.url, lock_wait_s=0.2)
    with holder.lock("s"), pytest.raises(StoreUnavailable, match="another turn holds it"), waiter.lock("s"):
        pass


def test_redis_down_is_a_fast_clear_error_and_the_client_recovers(redis_server: RedisServer) -> None:
    store = RedisStore(redis_server.url)
    store.save("s", {"n": 1})
    redis_server.stop()
    with pytest.raises(StoreUnavailable, match=r"expected Redis at redis://127\.0\.0\.1"):
        store.load("s")
    assert store.ping() is False
    with pytest.raises(StoreUnavailable), store.lock("s"):
        pass
    redis_server.start()  # same port, same append-only file
    assert store.ping() is True
    assert store.load("s") == {"n": 1}


def test_plan_store_compare_and_set_and_reports(redis_server: RedisServer) -> None:
    plans = RedisStore(redis_server.url, prefix="p:").plans("bank")
    other = RedisStore(redis_server.url, prefix="p:").plans("bank")
    plan = Plan(generation=1, base="a", active="a")
    assert plans.read() is None
    assert plans.write(plan, expected=0) is True
    assert plans.write(plan.next(active="b"), expected=0) is False
    assert other.write(plan.next(active="b"), expected=1) is True
    assert plans.read() == Plan(generation=2, base="a", active="b")
    plans.report("w1", {"generation": 2})
    assert other.workers()["w1"]["generation"] == 2
