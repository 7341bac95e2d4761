"""Faults under load: a corrupt model swap, Redis killed and restarted, actions that raise or hang
(a killed server: test_server_kill.py). Each runs the benchmark's scenario with small numbers and
asserts its invariants."""

from __future__ import annotations

import pytest

from benchmarks.cluster import Cluster
from benchmarks.conversations import faulty_conversation, tiny_conversation
from benchmarks.scenarios import action_faults, corrupt_swap, redis_restart

pytestmark = [pytest.mark.slow, pytest.mark.redis]


def test_a_corrupt_model_swap_is_refused_and_nothing_fails(cluster: Cluster) -> None:
    result = corrupt_swap(cluster, script=tiny_conversation, users=40, concurrency=8)
    assert result["ok"], result["problems"]
    assert (result["swap_status"], result["swap_error"]) == (422, "model_refused")
    assert result["model_versions"] == {result["good_model"]: 200}


def test_redis_outage_answers_503_with_retry_after_and_loses_nothing(cluster: Cluster) -> None:
    result = redis_restart(cluster, script=tiny_conversation, users=40, concurrency=8, down_s=3)
    assert result["ok"], result["problems"]
    assert set(result["attempts"]) == {"200", "503"} and result["missing_retry_after"] == 0
    assert result["failed_turns"] == 0 and result["servers_alive"] == [True, True]


def test_actions_that_raise_or_hang_leave_the_session_usable(faulty_cluster: Cluster) -> None:
    result = action_faults(faulty_cluster, script=faulty_conversation, users=24, concurrency=8)
    assert result["ok"], result["problems"]
    hang = result["hanging_turn_latency"]
    assert hang["n"] == 24 and 1000 <= hang["max_ms"] <= 11_000
