"""Reliability scenarios over a running :class:`~benchmarks.cluster.Cluster`; each returns a JSON result.

Every result has ``ok`` (all invariants held) and ``problems`` (what did not). The same functions run
in the benchmark (``benchmarks/reliability.py``, realistic numbers) and in the slow tests
(``tests/reliability``, small numbers).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx

from benchmarks.cluster import ADMIN, Cluster, copy_model, remove_model
from benchmarks.conversations import (
    Client,
    Conversation,
    Tally,
    TurnCheck,
    drive,
    http_client,
    latency_summary,
    verify,
)

Script = Callable[..., Conversation]
ADMIN_HEADERS = {"Authorization": f"Bearer {ADMIN}"}


def common_result(tally: Tally, checked: dict[str, Any], wall_s: float, cluster: Cluster) -> dict[str, Any]:
    return {
        "turns": tally.turns,
        "failed_turns": len(tally.failed),
        "wall_s": round(wall_s, 1),
        "throughput_turns_per_s": round(tally.turns / wall_s, 1) if wall_s else None,
        "latency": latency_summary([s for _, s in tally.latencies]),
        "attempts": dict(tally.attempts),
        "retries": tally.retries,
        "retried_turns_found_applied": tally.already_applied,
        "model_versions": dict(tally.versions),
        "event_log": checked,
        "server_tracebacks": cluster.tracebacks(),
        "servers_alive": [s.alive() for s in cluster.servers],
    }


def invariant_problems(tally: Tally, checked: dict[str, Any]) -> list[str]:
    problems = [f"failed turn: {f}" for f in tally.failed[:10]] + tally.problems[:10]
    for key in ("lost", "duplicated", "wrong_state"):
        if checked[key]:
            problems.append(f"{checked[key]} sessions {key.replace('_', ' ')}: {checked['examples'][:3]}")
    return problems


async def _run(
    cluster: Cluster,
    convs: list[Conversation],
    *,
    concurrency: int,
    urls: list[str] | None = None,
    during: Callable[[Tally], Any] | None = None,
    check: TurnCheck | None = None,
    retry_for_s: float = 90.0,
) -> tuple[Tally, dict[str, Any], float, Any]:
    """Drive ``convs`` (with ``during(tally)`` running alongside), then read every session back."""
    tally = Tally()
    async with http_client(concurrency) as http:
        client = Client(http, urls or cluster.urls, tally=tally, retry_for_s=retry_for_s, check=check)
        t0 = time.perf_counter()
        side = asyncio.ensure_future(during(tally)) if during else None
        done = await drive(client, convs, concurrency=concurrency)
        wall = time.perf_counter() - t0
        side_result = await side if side else None
        client.urls = [s.url for s in cluster.servers if s.alive()]
        checked = await verify(client, done)
    return tally, checked, wall, side_result


async def _when(tally: Tally, turns: int, *, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while tally.turns < turns and time.monotonic() < deadline:
        await asyncio.sleep(0.05)


def load(cluster: Cluster, *, script: Script, users: int, concurrency: int) -> dict[str, Any]:
    """``users`` scripted conversations interleaved across all servers: nothing fails, lost or doubled."""
    convs = [script(u, prefix=f"load-{time.time_ns()}") for u in range(users)]
    tally, checked, wall, _ = asyncio.run(_run(cluster, convs, concurrency=concurrency))
    result = {"users": users, "concurrency": concurrency, "servers": len(cluster.servers)}
    result |= common_result(tally, checked, wall, cluster)
    problems = invariant_problems(tally, checked)
    if set(tally.attempts) != {"200"}:
        problems.append(f"expected only 200 answers; found {dict(tally.attempts)}")
    return {"ok": not problems, "problems": problems, **result}


def redis_restart(
    cluster: Cluster, *, script: Script, users: int, concurrency: int, down_s: float = 5.0
) -> dict[str, Any]:
    """Redis killed (SIGKILL) a third of the way into the load and restarted ``down_s`` later."""
    assert cluster.redis is not None, "the redis-restart scenario needs a Redis-backed cluster"
    redis = cluster.redis
    convs = [script(u, prefix=f"redis-{time.time_ns()}") for u in range(users)]
    total = users * len(convs[0].texts)

    async def outage(tally: Tally) -> dict[str, Any]:
        await _when(tally, total // 3)
        before = dict(tally.attempts)
        await asyncio.to_thread(redis.stop)
        await asyncio.sleep(down_s)
        await asyncio.to_thread(redis.start)
        return {"killed_after_turns": sum(before.values()), "down_s": down_s}

    tally, checked, wall, side = asyncio.run(_run(cluster, convs, concurrency=concurrency, during=outage))
    result = {
        "users": users,
        "concurrency": concurrency,
        **side,
        **common_result(tally, checked, wall, cluster),
    }
    result["missing_retry_after"] = tally.missing_retry_after
    problems = invariant_problems(tally, checked)
    unexpected = {k: v for k, v in tally.attempts.items() if k not in {"200", "503"}}
    if unexpected:
        problems.append(f"expected only 200 and 503 while Redis was down; found {unexpected}")
    if tally.missing_retry_after:
        problems.append(f"{tally.missing_retry_after} answers 503 without Retry-After")
    if not tally.attempts.get("503"):
        problems.append("no 503 seen: the outage did not hit the load (raise --users)")
    if not all(s.alive() for s in cluster.servers):
        problems.append("a server process died")
    return {"ok": not problems, "problems": problems, **result}


def server_kill(
    cluster: Cluster,
    *,
    script: Script,
    users: int,
    concurrency: int,
    victim: int = 1,
    restart: bool = True,
    supervisor_only: bool = False,
) -> dict[str, Any]:
    """One server SIGKILLed a third of the way in; clients go on against the other one.

    With ``supervisor_only`` only the ``bentoml serve`` process is killed and its workers must stop
    by themselves (none may be left serving as an orphan).
    """
    convs = [script(u, prefix=f"kill-{time.time_ns()}") for u in range(users)]
    total = users * len(convs[0].texts)

    async def kill(tally: Tally) -> dict[str, Any]:
        await _when(tally, total // 3)
        at = tally.turns
        left = await asyncio.to_thread(cluster.kill, victim, supervisor_only=supervisor_only)
        return {
            "killed_after_turns": at,
            "victim": victim,
            "killed": "supervisor" if supervisor_only else "all processes",
            "orphan_workers": left,
        }

    tally, checked, wall, side = asyncio.run(_run(cluster, convs, concurrency=concurrency, during=kill))
    result = {
        "users": users,
        "concurrency": concurrency,
        **side,
        **common_result(tally, checked, wall, cluster),
    }
    problems = invariant_problems(tally, checked)
    survivors = [s for i, s in enumerate(cluster.servers) if i != victim]
    if not all(s.alive() for s in survivors):
        problems.append("a surviving server died")
    if side["orphan_workers"]:
        problems.append(f"{side['orphan_workers']} workers of the killed server kept running")
    if restart:
        cluster.restart(victim)
        result["victim_restarted"] = True
    return {"ok": not problems, "problems": problems, **result}


def corrupt_swap(cluster: Cluster, *, script: Script, users: int, concurrency: int) -> dict[str, Any]:
    """A swap to a corrupt model artifact half-way through the load: refused, nothing fails."""
    status = httpx.get(f"{cluster.urls[0]}/admin/models", headers=ADMIN_HEADERS, timeout=30).json()
    good = status["plan"]["active"]
    bad = copy_model(good, corrupt=True)
    convs = [script(u, prefix=f"corrupt-{time.time_ns()}") for u in range(users)]
    total = users * len(convs[0].texts)

    async def swap(tally: Tally) -> dict[str, Any]:
        await _when(tally, total // 2)
        async with httpx.AsyncClient(timeout=120, headers=ADMIN_HEADERS) as http:
            r = await http.post(f"{cluster.urls[0]}/admin/models/swap", json={"tag": bad})
        return {"swap_status": r.status_code, "swap_error": r.json().get("error", {}).get("type")}

    try:
        tally, checked, wall, side = asyncio.run(_run(cluster, convs, concurrency=concurrency, during=swap))
    finally:
        remove_model(bad)
    result = {"users": users, "concurrency": concurrency, "good_model": good, "corrupt_model": bad}
    result |= side | common_result(tally, checked, wall, cluster)
    problems = invariant_problems(tally, checked)
    if side["swap_status"] != 422:
        problems.append(f"expected the corrupt swap to be refused with 422; got {side['swap_status']}")
    if set(tally.versions) != {good}:
        problems.append(f"expected every turn served by {good}; found {dict(tally.versions)}")
    if set(tally.attempts) != {"200"}:
        problems.append(f"expected only 200 answers; found {dict(tally.attempts)}")
    for url in cluster.urls:
        after = httpx.get(f"{url}/admin/models", headers=ADMIN_HEADERS, timeout=30).json()
        if after["plan"]["active"] != good or after["serving"][0]["version"] != good:
            problems.append(f"{url} no longer serves {good}: {after['serving']}")
    return {"ok": not problems, "problems": problems, **result}


def action_faults(
    cluster: Cluster,
    *,
    script: Script,
    users: int,
    concurrency: int,
    bound_s: float = 1.0,
    slack_s: float = 10.0,
) -> dict[str, Any]:
    """The faulty skill: turn 2's action raises, turn 3's hangs past its ``bound_s`` timeout.

    A hanging turn must answer after ``bound_s`` (the action's timeout) and well before the action
    would have finished (30 s): within ``bound_s + slack_s`` (queueing behind other turns included).
    """
    slow: list[float] = []

    def check(conv: Conversation, k: int, body: dict[str, Any], seconds: float) -> str | None:
        if body.get("reconciled"):
            return None
        kinds = [e["type"] for e in body.get("events", [])]
        failed = [e for e in body.get("events", []) if e["type"] == "action_failed"]
        if k == 1 and (not failed or failed[0]["timed_out"]):
            return f"{conv.session_id}: expected the raising action to fail; events {kinds}"
        if k == 2:
            slow.append(seconds)
            if not failed or not failed[0]["timed_out"]:
                return f"{conv.session_id}: expected the hanging action to time out; events {kinds}"
        if k == 3 and body["state"]["slots"].get("balance") != "100.00 EUR":
            return f"{conv.session_id}: the session is not usable after the failures: {body['state']}"
        return None

    convs = [script(u, prefix=f"actions-{time.time_ns()}") for u in range(users)]
    tally, checked, wall, _ = asyncio.run(_run(cluster, convs, concurrency=concurrency, check=check))
    result = {"users": users, "concurrency": concurrency, "action_timeout_s": bound_s}
    result |= common_result(tally, checked, wall, cluster)
    result["hanging_turn_latency"] = latency_summary(slow)
    problems = invariant_problems(tally, checked)
    if set(tally.attempts) != {"200"}:
        problems.append(f"expected only 200 answers; found {dict(tally.attempts)}")
    if slow and min(slow) < bound_s:
        problems.append(f"a hanging turn answered in {min(slow):.2f}s, before its {bound_s}s timeout")
    if slow and max(slow) > bound_s + slack_s:
        problems.append(
            f"a hanging turn took {max(slow):.1f}s: more than its {bound_s}s timeout + {slack_s}s"
        )
    return {"ok": not problems, "problems": problems, **result}
