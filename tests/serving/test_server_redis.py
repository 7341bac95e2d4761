"""Two real servers sharing one redis-server: one conversation across both, concurrent turns of one
session, Redis going away and coming back, and a model swap reaching the other server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from runtime_support import RedisServer, wait_for
from serving_support import ADMIN, Server, server_env

pytestmark = [pytest.mark.slow, pytest.mark.redis]


@pytest.fixture(scope="module")
def servers(
    redis_module: RedisServer,
    tiny_tags: list[str],
    models_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Server, Server]]:
    env = server_env(
        tiny_tags[0],
        SKILLS_STORE_URL=redis_module.url,
        SKILLS_ADMIN_TOKEN=ADMIN,
        SKILLS_TORCH_THREADS="1",
        SKILLS_MODEL_CHECK_S="0.5",
        SKILLS_RETRY_AFTER_S="3",
    )
    started: list[Server] = []
    try:
        for name in ("a", "b"):
            started.append(Server(env, tmp_path_factory.mktemp(f"server-{name}"), models=models_dir).start())
        yield started[0], started[1]
    finally:
        for server in started:
            server.stop()


def chat(server: Server, session: str, text: str) -> httpx.Response:
    return httpx.post(f"{server.url}/chat", json={"session_id": session, "text": text}, timeout=60)


def user_turns(server: Server, session: str) -> list[str]:
    events = httpx.get(f"{server.url}/sessions/{session}", timeout=30).json()["events"]
    return [e["parse"]["text"] for e in events if e["type"] == "user_uttered"]


def test_one_conversation_continues_across_both_servers(servers: tuple[Server, Server]) -> None:
    a, b = servers
    first = chat(a, "shared-1", "send money to anna").json()
    assert first["state"]["active_flow"] == "transfer_money"
    second = chat(b, "shared-1", "20 dollars").json()
    assert second["state"]["slots"]["recipient"] == "Anna" and second["state"]["turn"] == 2
    assert user_turns(a, "shared-1") == user_turns(b, "shared-1") == ["send money to anna", "20 dollars"]


def test_fifty_concurrent_turns_on_one_session_lose_nothing(servers: tuple[Server, Server]) -> None:
    async def run() -> list[int]:
        async with httpx.AsyncClient(timeout=120) as http:

            async def turn(i: int) -> int:
                server = servers[i % 2]
                r = await http.post(
                    f"{server.url}/chat", json={"session_id": "burst", "text": f"hi number {i}"}
                )
                return r.status_code

            return await asyncio.gather(*(turn(i) for i in range(50)))

    assert asyncio.run(run()) == [200] * 50
    said = user_turns(servers[0], "burst")
    assert sorted(said) == sorted(f"hi number {i}" for i in range(50))


def test_redis_down_gives_503_then_the_conversation_continues(
    servers: tuple[Server, Server], redis_module: RedisServer
) -> None:
    a, b = servers
    assert chat(a, "outage", "send money to bob").status_code == 200
    redis_module.stop()
    try:
        down = chat(b, "outage", "30 dollars")
        assert down.status_code == 503 and down.headers["retry-after"] == "3"
        assert down.json()["error"]["type"] == "store_unavailable" and "Traceback" not in down.text
        assert httpx.get(f"{a.url}/readyz").status_code == 503
        assert httpx.get(f"{a.url}/livez").status_code == 200
        assert httpx.post(f"{a.url}/parse", json={"text": "hi"}).status_code == 200  # parsing needs no store
        assert httpx.get(f"{a.url}/sessions/outage").status_code == 503
    finally:
        redis_module.start()
    for server in servers:
        wait_for(
            lambda s=server: httpx.get(f"{s.url}/readyz").status_code == 200, timeout_s=30, what="ready again"
        )
        assert server.alive()
    after = chat(b, "outage", "30 dollars").json()
    assert after["state"]["slots"]["recipient"] == "Bob" and after["state"]["turn"] == 2


def test_a_swap_on_one_server_reaches_the_other(servers: tuple[Server, Server], tiny_tags: list[str]) -> None:
    a, b = servers
    headers = {"Authorization": f"Bearer {ADMIN}"}
    r = httpx.post(f"{a.url}/admin/models/swap", json={"tag": tiny_tags[1]}, headers=headers, timeout=120)
    assert r.status_code == 200, r.text

    def b_serves(tag: str) -> bool:
        parse: dict[str, Any] = httpx.post(f"{b.url}/parse", json={"text": "hi"}, timeout=30).json()
        return parse["model_version"] == tag

    wait_for(lambda: b_serves(tiny_tags[1]), timeout_s=60, what="server b to swap")
    status = httpx.get(f"{b.url}/admin/models", headers=headers, timeout=30).json()
    assert len(status["workers"]) == 2 and {w["active"] for w in status["workers"].values()} == {tiny_tags[1]}
    assert httpx.post(f"{a.url}/admin/models/rollback", headers=headers, timeout=120).status_code == 200
    wait_for(lambda: b_serves(tiny_tags[0]), timeout_s=60, what="server b to roll back")
