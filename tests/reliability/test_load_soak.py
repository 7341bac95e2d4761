"""Load and soak through two real servers sharing a real Redis (small numbers; the benchmark runs
``benchmarks/reliability.py --scenario load|soak`` with 1,000 users and 10 minutes)."""

from __future__ import annotations

import pytest

from benchmarks.cluster import Cluster
from benchmarks.conversations import tiny_conversation
from benchmarks.scenarios import load
from benchmarks.soak import soak

pytestmark = [pytest.mark.slow, pytest.mark.redis]


def test_interleaved_conversations_lose_and_duplicate_nothing(cluster: Cluster) -> None:
    result = load(cluster, script=tiny_conversation, users=100, concurrency=16)
    assert result["ok"], result["problems"]
    assert result["turns"] == 500 and result["failed_turns"] == 0
    assert result["event_log"] == {
        "sessions": 100,
        "lost": 0,
        "duplicated": 0,
        "wrong_state": 0,
        "examples": [],
    }
    assert result["server_tracebacks"] == 0 and result["latency"]["p99_ms"] is not None


def test_soak_with_swaps_keeps_serving_and_memory_bounded(cluster: Cluster) -> None:
    result = soak(
        cluster, script=tiny_conversation, duration_s=30, concurrency=4, window_s=10, swaps=4, sample_s=1
    )
    assert result["ok"], result["problems"]
    assert [s["status"] for s in result["swaps"]] == [200] * 4
    assert len(set(result["model_versions"])) == 2  # both models answered turns
    assert len(result["windows"]) >= 2 and result["drift"]["rss_mb_last_window"] is not None
    assert result["swap_rss"]["growth_mb"] <= result["swap_rss"]["limit_mb"]
