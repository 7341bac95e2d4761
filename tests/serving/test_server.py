"""A real ``bentoml serve`` with two workers and the memory store: the API, logs, metrics, and model
swap / canary / promote / rollback under a running load with zero failed requests."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from runtime_support import wait_for
from serving_support import ADMIN, API, LoadResult, Server, load, server_env

pytestmark = pytest.mark.slow

AUTH = {"Authorization": f"Bearer {API}"}
ADMIN_AUTH = {"Authorization": f"Bearer {ADMIN}"}
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$")


@pytest.fixture(scope="module")
def server(
    tiny_tags: list[str], models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    env = server_env(
        tiny_tags[0],
        SKILLS_WORKERS="2",
        SKILLS_API_TOKEN=API,
        SKILLS_ADMIN_TOKEN=ADMIN,
        SKILLS_TORCH_THREADS="1",
        SKILLS_MODEL_CHECK_S="0.5",
    )
    server = Server(env, tmp_path_factory.mktemp("server"), models=models_dir).start()
    try:
        yield server
    finally:
        server.stop()


def post(server: Server, path: str, body: dict[str, Any], **kw: Any) -> httpx.Response:
    return httpx.post(server.url + path, json=body, headers=kw.pop("headers", AUTH), timeout=60, **kw)


def models(server: Server) -> dict[str, Any]:
    return httpx.get(f"{server.url}/admin/models", headers=ADMIN_AUTH, timeout=30).json()


def admin(server: Server, action: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.post(f"{server.url}/admin/models/{action}", json=body or {}, headers=ADMIN_AUTH, timeout=120)


def all_workers_at(server: Server, generation: int) -> bool:
    workers = models(server)["workers"]
    return len(workers) == 2 and all(w["generation"] == generation for w in workers.values())


def test_parse_chat_sessions_and_probes(server: Server, tiny_tags: list[str]) -> None:
    assert httpx.get(f"{server.url}/livez").status_code == 200
    one = post(server, "/parse", {"text": "what is my balance"})
    assert one.status_code == 200 and one.json()["intent"] == "check_balance"
    assert one.json()["model_version"] == tiny_tags[0]
    batch = post(server, "/parse", {"texts": ["hi", "bye", "send 5 dollars to bob"]}).json()
    assert [p["intent"] for p in batch] == ["greet", "goodbye", "transfer_money"]
    turn = post(server, "/chat", {"session_id": "real-1", "text": "send 20 dollars to anna"}).json()
    assert turn["replies"] and turn["state"]["active_flow"] == "transfer_money"
    assert post(server, "/parse", {"text": "hi"}, headers={}).status_code == 401
    bad = post(server, "/parse", {"texts": "nope"})
    assert bad.status_code == 422 and bad.json()["error"]["message"].startswith("expected")


def test_metrics_and_json_logs(server: Server) -> None:
    post(server, "/chat", {"session_id": "log-1", "text": "mail me at jane@example.com"})
    metrics = httpx.get(f"{server.url}/metrics").text
    assert "skills_request_duration_seconds_bucket" in metrics and 'skills_intents_total{intent="' in metrics
    assert re.search(r"skills_model_info\{role=\"active\",version=\"[^\"]+\"\} 1\.0", metrics)
    wait_for(lambda: "log-1" in server.logs(), timeout_s=10, what="the request log line")
    lines = [json.loads(x) for x in server.logs().splitlines() if x.startswith("{") and '"log-1"' in x]
    (line,) = lines
    assert TIMESTAMP.match(line["timestamp"]) and line["request_id"] and line["latency_ms"] > 0
    assert line["text"] == "mail me at [EMAIL]" and line["model_version"]
    assert "jane@example.com" not in server.logs()


def test_swap_canary_promote_rollback_under_load(server: Server, tiny_tags: list[str]) -> None:
    a, b = tiny_tags
    results: list[LoadResult] = []

    def body(client: int, i: int) -> tuple[str, dict[str, Any]]:
        session = f"load-{client}-{i % 5}"
        if i % 2:
            return "/chat", {"session_id": session, "text": "hi"}
        return "/parse", {"text": "what is my balance", "session_id": session}

    def run_load() -> None:
        results.append(
            asyncio.run(load(server.url, clients=6, requests_per_client=60, body=body, headers=AUTH))
        )

    loader = threading.Thread(target=run_load)
    loader.start()
    try:
        generation = models(server)["plan"]["generation"]
        for action, payload in (("canary", {"tag": b, "percent": 30}), ("promote", None), ("rollback", None)):
            r = admin(server, action, payload)
            assert r.status_code == 200, r.text
            generation += 1
            wait_for(
                lambda g=generation: all_workers_at(server, g), timeout_s=60, what=f"both workers at {action}"
            )
        bad = admin(server, "swap", {"tag": "skills-tiny_bank:missing"})
        assert bad.status_code == 422
    finally:
        loader.join(timeout=300)
    (result,) = results
    assert result.failures == [] and result.statuses == {200: result.total}
    assert result.total == 360 and set(result.versions) <= {a, b}


def test_a_swap_reaches_every_worker_and_canary_shares_are_sticky(
    server: Server, tiny_tags: list[str]
) -> None:
    a, b = tiny_tags
    start = models(server)["plan"]["generation"]
    assert admin(server, "swap", {"tag": b}).status_code == 200
    wait_for(lambda: all_workers_at(server, start + 1), timeout_s=60, what="both workers to swap")
    seen = asyncio.run(
        load(
            server.url,
            clients=4,
            requests_per_client=10,
            body=lambda c, i: ("/parse", {"text": "hi"}),
            headers=AUTH,
        )
    )
    assert seen.versions == {b: 40}  # requests land on both workers; every one answers with the new model

    assert admin(server, "canary", {"tag": a, "percent": 40}).status_code == 200
    wait_for(lambda: all_workers_at(server, start + 2), timeout_s=60, what="both workers to start the canary")

    def body(client: int, i: int) -> tuple[str, dict[str, Any]]:
        return "/parse", {"text": "hello", "session_id": f"share-{client * 100 + i % 50}"}

    shares = asyncio.run(load(server.url, clients=8, requests_per_client=100, body=body, headers=AUTH))
    assert shares.failures == []
    assert all(len(v) == 1 for v in shares.by_session.values())  # sticky per session
    canary_sessions = sum(1 for v in shares.by_session.values() if v == {a})
    assert abs(canary_sessions / len(shares.by_session) - 0.40) < 0.1
    assert admin(server, "rollback").status_code == 200
