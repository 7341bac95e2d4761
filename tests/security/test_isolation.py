"""Session isolation: a request naming one session id never reads or changes another session."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

pytestmark = pytest.mark.slow

OWNER = "alice-1"
# ids that look like, normalise to, case-fold to or traverse to the owner's id
LOOKALIKES = [
    "ALICE-1",
    "Alice-1",
    "alice-1.",
    "alice-1-",
    "ａｌｉｃｅ-1",  # fullwidth: NFKC gives alice-1
    "alic\u0435-1",  # Cyrillic e
    "ali\u0307ce-1",  # combining dot
    "alice\u200b-1",  # zero-width space
    "alice-1\n",
    "alice-1 ",
    " alice-1",
    "alice-1\x00",
    "../alice-1",
    "./alice-1",
    "x/../alice-1",
    "alice-1/..",
    "alice-1%2F..",
    "alice-1;",
    "*",
    "alice-*",
    "alice-1:lock",
    "session:alice-1",
]


def state(client: TestClient, sid: str) -> dict[str, Any]:
    response = client.get(f"/sessions/{quote(sid, safe='')}")
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="module")
def owner(client: TestClient) -> dict[str, Any]:
    """The owner's session half-way through a transfer (a slot filled)."""
    for text in ("send money to anna", "20 dollars"):
        assert client.post("/chat", json={"session_id": OWNER, "text": text}).status_code == 200
    before = state(client, OWNER)
    assert before["state"]["slots"] and before["state"]["turn"] == 2
    return before


@pytest.mark.parametrize("sid", LOOKALIKES, ids=range(len(LOOKALIKES)))
def test_lookalike_ids_never_touch_the_owner(client: TestClient, owner: dict[str, Any], sid: str) -> None:
    path = f"/sessions/{quote(sid, safe='')}"
    read = client.get(path)
    assert read.status_code in (404, 422), (sid, read.status_code, read.text)
    assert "slots" not in read.text
    deleted = client.delete(path)
    assert deleted.status_code in (404, 422), (sid, deleted.text)
    turn = client.post("/chat", json={"session_id": sid, "text": "hi"})
    if turn.status_code == 200:  # a distinct, valid id: a fresh conversation, none of the owner's state
        assert turn.json()["state"]["turn"] == 1 and turn.json()["session_id"] == sid
        assert not set(turn.json()["state"]["slots"]) & set(owner["state"]["slots"])
        client.delete(path)
    else:
        assert turn.status_code == 422, turn.text
    assert state(client, OWNER) == owner


def test_parse_with_a_session_id_never_creates_or_changes_state(
    client: TestClient, owner: dict[str, Any]
) -> None:
    assert client.post("/parse", json={"text": "hi", "session_id": OWNER}).status_code == 200
    assert client.post("/analyze", json={"texts": ["bye"], "session_id": OWNER}).status_code == 200
    assert client.post("/parse", json={"text": "hi", "session_id": "parse-only"}).status_code == 200
    assert client.get("/sessions/parse-only").status_code == 404
    assert state(client, OWNER) == owner


def test_a_body_cannot_smuggle_another_session(client: TestClient, owner: dict[str, Any]) -> None:
    for body in (
        {"session_id": "mallory", "text": "hi", "session": OWNER},
        {"session_id": ["mallory", OWNER], "text": "hi"},
        {"session_id": {"id": OWNER}, "text": "hi"},
    ):
        assert client.post("/chat", json=body).status_code == 422
    # the last of duplicate keys wins, as in json.loads: still one session, named in the body
    raw = b'{"session_id": "' + OWNER.encode() + b'", "session_id": "mallory", "text": "hi"}'
    r = client.post("/chat", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 200 and r.json()["session_id"] == "mallory"
    assert state(client, OWNER) == owner
    client.delete("/sessions/mallory")


def test_deleting_another_session_leaves_the_owner(client: TestClient, owner: dict[str, Any]) -> None:
    assert client.post("/chat", json={"session_id": "bob-1", "text": "hi"}).status_code == 200
    assert client.delete("/sessions/bob-1").status_code == 200
    assert state(client, OWNER) == owner
