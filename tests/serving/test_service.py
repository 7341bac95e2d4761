"""The service two ways in-process: calling the class directly, and its ASGI app with a test client."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from serving_support import ADMIN, API, drop_bentoml_metrics, server_env
from starlette.testclient import TestClient

from skills_core.serving.service import ChatTurn, ParseItem, SkillsService

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(tiny_tags: list[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    values = server_env(
        tiny_tags[0],
        SKILLS_API_TOKEN=API,
        SKILLS_ADMIN_TOKEN=ADMIN,
        SKILLS_PLAN_DIR=str(tmp_path_factory.mktemp("plans")),
        SKILLS_DEVICE="cpu",
    )
    with pytest.MonkeyPatch.context() as mp:
        for key, value in values.items():
            mp.setenv(key, value)
        yield values


@pytest.fixture(scope="module")
def client(env: dict[str, str]) -> Iterator[TestClient]:
    drop_bentoml_metrics()  # another module may have built an app in this process before
    with TestClient(SkillsService.to_asgi(), raise_server_exceptions=False) as c:
        c.headers["Authorization"] = f"Bearer {API}"
        yield c
    drop_bentoml_metrics()


def admin(c: TestClient, action: str, body: dict[str, object] | None = None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {ADMIN}"}
    r = (
        c.post(f"/admin/models/{action}", json=body, headers=headers)
        if body
        else c.post(f"/admin/models/{action}", headers=headers)
    )
    return r.status_code, r.json()


def test_direct_calls(env: dict[str, str], tiny_tags: list[str]) -> None:
    service = SkillsService()
    try:
        parses = asyncio.run(
            service.parse([ParseItem(text="hello there", key="a"), ParseItem(text="bye", key="b")])
        )
        assert [p["intent"] for p in parses] == ["greet", "goodbye"]
        assert {p["model_version"] for p in parses} == {tiny_tags[0]}
        turns = asyncio.run(
            service.chat([ChatTurn(session_id="d1", text="hi"), ChatTurn(session_id="d1", text="bye")])
        )
        assert [t["text"] for t in turns] == ["hi", "bye"] and all(t["replies"] for t in turns)
        assert turns[1]["state"]["turn"] == 2
        assert service.__is_ready__() is True
    finally:
        service.close()


def test_parse_single_and_batch(client: TestClient, tiny_tags: list[str]) -> None:
    one = client.post("/parse", json={"text": "send 50 dollars to anna"})
    assert one.status_code == 200, one.text
    assert one.json()["intent"] == "transfer_money" and one.json()["model_version"] == tiny_tags[0]
    assert {e["entity"] for e in one.json()["entities"]} >= {"amount", "recipient"}
    many = client.post("/parse", json={"texts": ["hi", "what is my balance"]})
    assert [p["intent"] for p in many.json()] == ["greet", "check_balance"]


def test_chat_sessions_get_and_delete(client: TestClient) -> None:
    first = client.post("/chat", json={"session_id": "asgi-1", "text": "send money to anna"}).json()
    assert first["state"]["active_flow"] == "transfer_money" and first["replies"][0]["text"]
    second = client.post("/chat", json={"session_id": "asgi-1", "text": "20 dollars"}).json()
    assert second["state"]["slots"]["recipient"] == "Anna"
    stored = client.get("/sessions/asgi-1")
    assert stored.status_code == 200 and stored.json()["state"]["turn"] == 2
    assert client.delete("/sessions/asgi-1").json() == {"session_id": "asgi-1", "deleted": True}
    assert client.get("/sessions/asgi-1").status_code == 404
    assert client.delete("/sessions/asgi-1").json()["error"]["type"] == "not_found"
    assert client.get("/sessions/bad%20id").status_code == 422


def test_api_token_is_required(client: TestClient) -> None:
    r = client.post("/parse", json={"text": "hi"}, headers={"Authorization": ""})
    assert r.status_code == 401 and r.json()["error"]["type"] == "unauthorized"
    assert client.get("/readyz", headers={"Authorization": ""}).status_code == 200


def test_bad_input_never_shows_a_stack_trace(client: TestClient) -> None:
    for r in (
        client.post("/parse", content=b"{"),
        client.post("/chat", json={"session_id": "x"}),
        client.post("/parse", json={"text": "x" * 5000}),
        client.post("/parse", content=b"x" * 100_000),
        client.get("/nope"),
    ):
        assert 400 <= r.status_code < 500 and "Traceback" not in r.text
        assert r.json()["error"]["message"].startswith("expected")


def test_metrics(client: TestClient) -> None:
    client.post("/parse", json={"text": "tell me a joke about the weather in paris"})
    text = client.get("/metrics").text
    for name in (
        "skills_request_duration_seconds_bucket",
        "skills_errors_total",
        "skills_intents_total",
        "skills_model_info",
        "skills_process_resident_memory_bytes",
        "skills_active_sessions",
    ):
        assert name in text, name


def test_admin_swap_canary_promote_rollback(client: TestClient, tiny_tags: list[str]) -> None:
    a, b = tiny_tags
    assert client.get("/admin/models").status_code == 403  # the API token is not the admin token
    status = client.get("/admin/models", headers={"Authorization": f"Bearer {ADMIN}"}).json()
    assert status["serving"] == [{"version": a, "role": "active", "share": 1.0}]

    code, body = admin(client, "swap", {"tag": "skills-tiny_bank:doesnotexist"})
    assert (code, body["error"]["type"]) == (422, "model_refused")
    assert client.post("/parse", json={"text": "hi"}).json()["model_version"] == a

    code, body = admin(client, "canary", {"tag": b, "percent": 50})
    assert code == 200 and body["serving"][1] == {"version": b, "role": "canary", "share": 0.5}
    chats = [client.post("/chat", json={"session_id": f"c{i}", "text": "hi"}).json() for i in range(30)]
    seen = {c["parse"]["model_version"] for c in chats}
    assert seen == {a, b}

    code, body = admin(client, "promote")
    assert code == 200 and body["serving"] == [{"version": b, "role": "active", "share": 1.0}]
    code, body = admin(client, "promote")
    assert (code, body["error"]["type"]) == (409, "conflict")
    code, body = admin(client, "rollback")
    assert code == 200 and body["plan"]["active"] == a
    assert client.post("/parse", json={"text": "hi"}).json()["model_version"] == a


def test_readiness_follows_the_model_and_store(client: TestClient) -> None:
    assert client.get("/readyz").status_code == 200
    assert client.get("/livez").status_code == 200 and client.get("/healthz").status_code == 200


def test_plan_file_is_under_the_plan_dir(env: dict[str, str], client: TestClient) -> None:
    assert (Path(env["SKILLS_PLAN_DIR"]) / "tiny_bank.plan.json").is_file()
