"""POST /analyze through the service's ASGI app: one text, a batch, and bad bodies as JSON 4xx."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

pytestmark = pytest.mark.slow


def test_one_text(client: TestClient, tiny_tags: list[str]) -> None:
    r = client.post("/analyze", json={"text": "hello there, mail me at anna@example.com"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"text", "language", "pii", "masked", "analysers", "parse"}
    assert body["language"]["code"] == "en"
    assert [(p["type"], p["text"]) for p in body["pii"]] == [("email", "anna@example.com")]
    assert body["masked"] == "hello there, mail me at [EMAIL]"
    assert body["analysers"] == {}  # the tiny skill declares none
    assert body["parse"]["intent"] == "greet" and body["parse"]["model_version"] == tiny_tags[0]


def test_a_batch_answers_in_order(client: TestClient) -> None:
    r = client.post("/analyze", json={"texts": ["hello there", "bye", "Wie spät ist es bitte heute Abend?"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [b["text"] for b in body] == ["hello there", "bye", "Wie spät ist es bitte heute Abend?"]
    assert body[2]["language"]["code"] == "de"
    assert [b["parse"]["intent"] for b in body[:2]] == ["greet", "goodbye"]


@pytest.mark.parametrize(
    ("body", "status", "kind"),
    [
        ({}, 422, "invalid_request"),
        ({"text": ""}, 422, "invalid_request"),
        ({"texts": []}, 422, "invalid_request"),
        ({"text": "hi", "texts": ["hi"]}, 422, "invalid_request"),
        ({"text": "hi", "extra": 1}, 422, "invalid_request"),
        ({"texts": ["hi"] * 1000}, 413, "too_many_texts"),
    ],
)
def test_bad_bodies_are_json_errors(client: TestClient, body: dict, status: int, kind: str) -> None:
    r = client.post("/analyze", json=body)
    assert r.status_code == status
    assert r.json()["error"]["type"] == kind
    assert "expected" in r.json()["error"]["message"]


def test_the_token_is_required(client: TestClient) -> None:
    r = client.post("/analyze", json={"text": "hi"}, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.json()["error"]["type"] == "unauthorized"


def test_chat_turns_record_the_analysis(client: TestClient) -> None:
    r = client.post("/chat", json={"session_id": "analysed-1", "text": "hello there"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["analysis"]["language"]["code"] == "en"
    assert "text_analysed" in [e["type"] for e in body["events"]]
