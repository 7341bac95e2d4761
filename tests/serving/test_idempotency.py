"""Safe retries of ``POST /chat``: a ``turn_id`` (body) or ``Idempotency-Key`` (header) applies a turn once."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from skills_core.serving.inputs import ApiError, Limits, chat_call
from skills_core.serving.openapi import openapi_document

LIMITS = Limits(max_session_id_chars=16)
BODY = {"session_id": "s", "text": "hi"}


@pytest.mark.parametrize(
    ("data", "header", "expected"),
    [
        (BODY, None, None),
        ({**BODY, "turn_id": None}, None, None),
        ({**BODY, "turn_id": "t-1"}, None, "t-1"),
        (BODY, "k:1", "k:1"),
        ({**BODY, "turn_id": "same"}, "same", "same"),
        ({**BODY, "turn_id": "ünï"}, None, "ünï"),  # the body takes what a session id takes
    ],
)
def test_chat_call_takes_the_turn_id_from_the_body_or_the_header(
    data: dict[str, Any], header: str | None, expected: str | None
) -> None:
    assert chat_call(data, LIMITS, idempotency_key=header).turn_id == expected


@pytest.mark.parametrize(
    ("data", "header", "found"),
    [
        ({**BODY, "turn_id": "a"}, "b", "two different ones"),
        ({**BODY, "turn_id": ""}, None, "'turn_id' to be a non-empty string"),
        ({**BODY, "turn_id": 7}, None, "'turn_id' to be a non-empty string; found a JSON number"),
        ({**BODY, "turn_id": "a b"}, None, "including others"),
        ({**BODY, "turn_id": "x" * 17}, None, "at most 16"),
        (BODY, "", "the Idempotency-Key header to be a non-empty string"),
        (BODY, "é", "ASCII letters"),
        (BODY, "x" * 17, "found 17 characters"),
    ],
)
def test_bad_turn_ids_are_refused_with_422(data: dict[str, Any], header: str | None, found: str) -> None:
    with pytest.raises(ApiError) as caught:
        chat_call(data, LIMITS, idempotency_key=header)
    assert caught.value.status == 422 and found in caught.value.message
    assert caught.value.message.startswith("expected") and "Fix:" in caught.value.message


def test_the_document_describes_the_turn_id_and_the_header() -> None:
    doc = openapi_document(limits=LIMITS)
    chat = doc["paths"]["/chat"]["post"]
    (header,) = chat["parameters"]
    assert header["in"] == "header" and header["name"] == "Idempotency-Key" and not header["required"]
    assert header["schema"]["maxLength"] == 16
    assert "turn_id" in doc["components"]["schemas"]["ChatRequest"]["properties"]
    assert {"turn_id", "replayed"} <= set(doc["components"]["schemas"]["Turn"]["properties"])


def user_turns(client: TestClient, session_id: str) -> int:
    events = client.get(f"/sessions/{session_id}").json()["events"]
    return sum(e["type"] == "user_uttered" for e in events)


def same_answer(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("session_id", "text", "turn_id", "replies", "parse", "state", "events")
    return all(a[k] == b[k] for k in keys)


@pytest.mark.slow
def test_a_retry_with_the_body_turn_id_is_answered_from_the_log(client: TestClient) -> None:
    body = {"session_id": "idem-1", "text": "send money to anna", "turn_id": "turn-1"}
    first = client.post("/chat", json=body)
    assert first.status_code == 200, first.text
    again = client.post("/chat", json=body)
    assert again.status_code == 200, again.text
    assert first.json()["replayed"] is False and again.json()["replayed"] is True
    assert same_answer(first.json(), again.json())
    assert user_turns(client, "idem-1") == 1


@pytest.mark.slow
def test_the_header_names_the_turn_like_the_body_field(client: TestClient) -> None:
    body = {"session_id": "idem-2", "text": "hello"}
    first = client.post("/chat", json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 200 and first.json()["turn_id"] == "k-1"
    again = client.post("/chat", json={**body, "turn_id": "k-1"}, headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 200 and again.json()["replayed"] is True
    plain = client.post("/chat", json=body)  # no id: a new turn
    assert plain.status_code == 200 and plain.json()["replayed"] is False
    assert user_turns(client, "idem-2") == 2


@pytest.mark.slow
def test_a_header_that_disagrees_with_the_body_is_refused(client: TestClient) -> None:
    body = {"session_id": "idem-3", "text": "hello", "turn_id": "a"}
    r = client.post("/chat", json=body, headers={"Idempotency-Key": "b"})
    assert r.status_code == 422, r.text
    assert (
        r.json()["error"]["type"] == "invalid_request" and "Idempotency-Key" in r.json()["error"]["message"]
    )
    assert client.get("/sessions/idem-3").status_code == 404  # nothing ran


@pytest.mark.slow
def test_the_same_turn_id_with_another_text_is_a_409(client: TestClient) -> None:
    first = client.post("/chat", json={"session_id": "idem-4", "text": "hello", "turn_id": "t"})
    assert first.status_code == 200
    r = client.post("/chat", json={"session_id": "idem-4", "text": "what is my balance", "turn_id": "t"})
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error == {"type": "turn_conflict", "message": error["message"]}
    assert error["message"].startswith("expected a new turn_id or the same text")
    assert user_turns(client, "idem-4") == 1
