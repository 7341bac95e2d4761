"""The gateway middleware around a stand-in for BentoML's app: auth, limits, batch shaping, errors, logs."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from skills_core.serving.config import ServeConfig
from skills_core.serving.gateway import Gateway

API, ADMIN = "api-token", "admin-token"


async def parse(request: Request) -> JSONResponse:
    items = (await request.json())["items"]
    return JSONResponse(
        [
            {"text": i["text"], "intent": "greet", "model_version": f"m:{i['key'][:1]}", "fallback": None}
            for i in items
        ]
    )


async def chat(request: Request) -> JSONResponse:
    (turn,) = (await request.json())["turns"]
    if turn["session_id"] == "down":
        return JSONResponse(
            [{"error": {"type": "store_unavailable", "message": "expected Redis", "status": 503}}]
        )
    parse = {"text": turn["text"], "intent": "greet", "model_version": "m:1", "fallback": None}
    return JSONResponse([{"session_id": turn["session_id"], "replies": [{"text": "hi"}], "parse": parse}])


async def boom(request: Request) -> PlainTextResponse:
    raise RuntimeError("secret internals")


async def busy(request: Request) -> JSONResponse:
    return JSONResponse(
        {"error": "An unexpected error has occurred, please check the server log."}, status_code=503
    )


async def slow(request: Request) -> JSONResponse:
    await asyncio.sleep(5)
    return JSONResponse({})


async def echo(request: Request) -> JSONResponse:
    return JSONResponse({"body": (await request.body()).decode()})


inner = Starlette(
    routes=[
        Route("/parse", parse, methods=["POST"]),
        Route("/chat", chat, methods=["POST"]),
        Route("/boom", boom),
        Route("/busy", busy),
        Route("/slow", slow),
        Route("/admin/models", echo, methods=["GET", "POST"]),
        Route("/sessions/{sid}", echo, methods=["GET"]),
        Route("/readyz", lambda r: PlainTextResponse("\n")),
    ]
)


def client(**settings: Any) -> TestClient:
    config = ServeConfig.model_validate({"max_body_bytes": 1024, "max_text_chars": 50, **settings})
    return TestClient(Gateway(inner, config=config), raise_server_exceptions=False)


def error_of(response: Any) -> tuple[int, str]:
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"type", "message"}
    assert "Traceback" not in response.text and "secret internals" not in response.text
    return response.status_code, body["error"]["type"]


def test_parse_single_and_batch_are_unwrapped() -> None:
    c = client()
    one = c.post("/parse", json={"text": "hello"})
    assert one.status_code == 200 and one.json()["text"] == "hello"
    many = c.post("/parse", json={"texts": ["a", "b"], "session_id": "s1"})
    assert [p["text"] for p in many.json()] == ["a", "b"]
    assert {p["model_version"] for p in many.json()} == {"m:s"}  # routed by the session id
    assert one.headers["x-request-id"] and one.headers["content-type"] == "application/json"


def test_chat_is_unwrapped_and_a_failed_turn_becomes_a_503_with_retry_after() -> None:
    c = client(retry_after_s=7)
    ok = c.post("/chat", json={"session_id": "s", "text": "hi"})
    assert ok.status_code == 200 and ok.json()["replies"] == [{"text": "hi"}]
    down = c.post("/chat", json={"session_id": "down", "text": "hi"})
    assert error_of(down) == (503, "store_unavailable") and down.headers["retry-after"] == "7"


@pytest.mark.parametrize(
    ("settings", "path", "headers", "status"),
    [
        ({}, "/parse", {}, 200),
        ({"api_token": API}, "/parse", {}, 401),
        ({"api_token": API}, "/parse", {"Authorization": "Basic abc"}, 401),
        ({"api_token": API}, "/parse", {"Authorization": "Bearer wrong"}, 401),
        ({"api_token": API}, "/parse", {"Authorization": f"Bearer {API}"}, 200),
        ({}, "/admin/models", {}, 403),  # no admin token configured: admin is off
        ({"admin_token": ADMIN}, "/admin/models", {"Authorization": f"Bearer {API}"}, 401),
        (
            {"admin_token": ADMIN, "api_token": API},
            "/admin/models",
            {"Authorization": f"Bearer {ADMIN}"},
            200,
        ),
        ({"api_token": API}, "/readyz", {}, 200),  # probes stay open
    ],
)
def test_auth(settings: dict[str, str], path: str, headers: dict[str, str], status: int) -> None:
    c = client(**settings)
    r = (
        c.get(path, headers=headers)
        if path != "/parse"
        else c.post(path, json={"text": "x"}, headers=headers)
    )
    assert r.status_code == status
    if status == 401:
        assert r.headers["www-authenticate"] == "Bearer" and error_of(r)[1] == "unauthorized"


@pytest.mark.parametrize(
    ("kwargs", "status", "kind"),
    [
        ({"content": b"x" * 2000}, 413, "payload_too_large"),
        ({"content": iter([b"{", b" " * 1500, b"}"])}, 413, "payload_too_large"),  # chunked, no length
        ({"json": {"text": "x" * 51}}, 413, "text_too_long"),
        ({"content": b"{oops"}, 400, "invalid_json"),
        ({"json": {"txt": "x"}}, 422, "invalid_request"),
        ({"content": b"text=hi", "headers": {"content-type": "text/plain"}}, 415, "unsupported_media_type"),
    ],
)
def test_bad_requests_get_json_errors(kwargs: dict[str, Any], status: int, kind: str) -> None:
    assert error_of(client().post("/parse", **kwargs)) == (status, kind)


@pytest.mark.parametrize(
    ("method", "path", "status", "kind"),
    [
        ("GET", "/nowhere", 404, "not_found"),
        ("GET", "/parse", 405, "method_not_allowed"),
        ("GET", "/boom", 500, "internal"),
        ("GET", "/busy", 503, "overloaded"),
    ],
)
def test_inner_errors_are_reshaped(method: str, path: str, status: int, kind: str) -> None:
    r = client().request(method, path)
    assert error_of(r) == (status, kind)
    if status == 503:
        assert r.headers["retry-after"] == "2"
    if status == 500:
        assert r.headers["x-request-id"] in r.json()["error"]["message"]


def test_a_request_that_takes_too_long_gets_a_json_504() -> None:
    assert error_of(client(timeout_s=0.1).get("/slow")) == (504, "timeout")


def test_passthrough_keeps_the_body_and_the_request_id() -> None:
    r = client().post("/admin/models", content=b"{}", headers={"X-Request-ID": "abc-123"})
    assert r.status_code == 403  # admin off
    r = client(admin_token=ADMIN).get("/sessions/s1", headers={"Authorization": f"Bearer {ADMIN}"})
    assert r.status_code == 200 and r.json() == {"body": ""}
    r = client().get("/sessions/s1", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"
    r = client().get("/sessions/s1", headers={"X-Request-ID": "bad id with spaces"})
    assert r.headers["x-request-id"] != "bad id with spaces"


@pytest.mark.parametrize(
    ("log_text", "expected"),
    [("masked", "call [PHONE]"), ("raw", "call +1 415 555 0100"), ("off", None)],
)
def test_one_log_line_per_request(
    caplog: pytest.LogCaptureFixture, log_text: str, expected: str | None
) -> None:
    with caplog.at_level(logging.INFO, logger="skills_core.serving.access"):
        client(log_text=log_text).post(
            "/chat",
            json={"session_id": "s9", "text": "call +1 415 555 0100"},
            headers={"X-Request-ID": "r-1"},
        )
    (record,) = [r for r in caplog.records if r.name == "skills_core.serving.access"]
    fields = vars(record)
    assert (fields["request_id"], fields["session_id"], fields["status"], fields["model_version"]) == (
        "r-1",
        "s9",
        200,
        "m:1",
    )
    assert fields["latency_ms"] > 0 and fields.get("text") == expected
    json.dumps({k: fields[k] for k in ("request_id", "session_id", "latency_ms")})
