"""One of two servers SIGKILLed under load: its sessions continue on the other with nothing lost,
and its workers do not outlive it.

Runs after the other cluster tests (file order); a later test gets the dead server restarted by the
``cluster`` fixture."""

from __future__ import annotations

import pytest

from benchmarks.cluster import Cluster
from benchmarks.conversations import tiny_conversation
from benchmarks.scenarios import server_kill

pytestmark = [pytest.mark.slow, pytest.mark.redis]


def test_a_killed_server_s_sessions_continue_on_the_other(cluster: Cluster) -> None:
    result = server_kill(
        cluster,
        script=tiny_conversation,
        users=40,
        concurrency=8,
        victim=1,
        restart=False,
        supervisor_only=True,
    )
    assert result["ok"], result["problems"]
    assert result["retries"] > 0  # the clients did meet the dead server
    assert result["failed_turns"] == 0 and result["event_log"]["lost"] == 0
    assert result["event_log"]["duplicated"] == 0
    assert cluster.servers[0].alive() and not cluster.servers[1].alive()
    # only the supervisor was killed: its workers (own sessions) stopped by themselves
    assert (result["killed"], result["orphan_workers"]) == ("supervisor", 0)
