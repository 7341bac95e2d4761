"""The reliability benchmark's client logic against fake servers (httpx.MockTransport): retries go to
the other server, a failed attempt that was applied anyway is not sent twice, 503s wait Retry-After."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from benchmarks.conversations import (
    Client,
    Conversation,
    Tally,
    drive,
    latency_summary,
    state_problem,
    tiny_conversation,
    verify,
)


class FakeServers:
    """Two 'servers' over one session store; ``faults`` scripts what the next POSTs do."""

    def __init__(self, faults: list[str]) -> None:
        self.sessions: dict[str, list[str]] = {}
        self.faults = faults
        self.posts: list[str] = []

    def state(self, sid: str) -> dict[str, Any]:
        said = self.sessions.get(sid, [])
        return {"turn": len(said), "active_flow": "transfer_money", "slots": {"amount": {"amount": 20.0}}}

    def handler(self, request: httpx.Request) -> httpx.Response:
        sid = request.url.path.rsplit("/", 1)[-1]
        if request.method == "GET":
            if sid not in self.sessions:
                return httpx.Response(404, json={})
            events = [{"type": "user_uttered", "parse": {"text": t}} for t in self.sessions[sid]]
            return httpx.Response(200, json={"events": events, "state": self.state(sid)})
        body = json.loads(request.content)
        self.posts.append(f"{request.url.host}:{body['text']}")
        fault = self.faults.pop(0) if self.faults else "ok"
        if fault == "503":
            return httpx.Response(503, headers={"Retry-After": "0"}, json={})
        if fault == "503-bare":
            return httpx.Response(503, json={})
        if fault != "down":
            self.sessions.setdefault(body["session_id"], []).append(body["text"])
        if fault in ("down", "lost-answer"):  # the server dies before (down) or after (lost) saving
            raise httpx.ConnectError("connection refused", request=request)
        state = self.state(body["session_id"])
        return httpx.Response(200, json={"state": state, "parse": {"model_version": "m:1"}, "events": []})


def run(faults: list[str]) -> tuple[FakeServers, Tally, dict[str, Any]]:
    fake = FakeServers(faults)

    async def go() -> dict[str, Any]:
        transport = httpx.MockTransport(fake.handler)
        async with httpx.AsyncClient(transport=transport) as http:
            client = Client(http, ["http://a", "http://b"], tally=tally, retry_for_s=10)
            conv = Conversation("s-1", ("one", "two", "three"), "transfer_money", {"amount": 20})
            done = await drive(client, [conv], concurrency=1)
            return await verify(client, done)

    tally = Tally()
    return fake, tally, asyncio.run(go())


@pytest.mark.parametrize(
    ("faults", "posts", "applied", "bare_503"),
    [
        ([], ["a:one", "b:two", "a:three"], 0, 0),
        (["down"], ["a:one", "b:one", "b:two", "a:three"], 0, 0),
        (["lost-answer"], ["a:one", "b:two", "a:three"], 1, 0),
        (["ok", "503"], ["a:one", "b:two", "a:two", "a:three"], 0, 0),
        (["ok", "503-bare"], ["a:one", "b:two", "a:two", "a:three"], 0, 1),
    ],
)
def test_each_turn_is_applied_exactly_once(
    faults: list[str], posts: list[str], applied: int, bare_503: int
) -> None:
    fake, tally, checked = run(faults)
    assert fake.posts == posts
    assert fake.sessions["s-1"] == ["one", "two", "three"]
    assert (tally.already_applied, tally.missing_retry_after, tally.failed) == (applied, bare_503, [])
    assert checked["lost"] == checked["duplicated"] == checked["wrong_state"] == 0


@pytest.mark.parametrize(
    ("state", "problem"),
    [
        (
            {
                "active_flow": "transfer_money",
                "turn": 5,
                "slots": {"amount": {"amount": 20}, "recipient": "Anna"},
            },
            None,
        ),
        ({"active_flow": None, "turn": 5, "slots": {}}, "active flow None"),
        ({"active_flow": "transfer_money", "turn": 6, "slots": {}}, "turn 6, expected 5"),
        ({"active_flow": "transfer_money", "turn": 5, "slots": {"amount": {"amount": 50}}}, "slot amount=50"),
    ],
)
def test_state_problem(state: dict[str, Any], problem: str | None) -> None:
    found = state_problem(tiny_conversation(0, prefix="x"), state)
    assert found == problem if problem is None else problem in (found or "")


def test_latency_summary() -> None:
    assert latency_summary([]) == {"n": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}
    summary = latency_summary([i / 1000 for i in range(1, 101)])
    assert (summary["p50_ms"], summary["p99_ms"], summary["max_ms"]) == (51.0, 100.0, 100.0)
