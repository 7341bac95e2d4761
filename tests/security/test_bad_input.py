"""Bad bodies through the whole in-process app: every one a JSON 4xx that says what was wrong."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from security_support import MAX_SESSIONS
from starlette.testclient import TestClient

from skills_core.runtime.stores import MemoryStore

pytestmark = pytest.mark.slow

ENDPOINTS = ["/parse", "/analyze", "/chat"]


def body_for(path: str, text: Any) -> dict[str, Any]:
    return {"session_id": "bad-input", "text": text} if path == "/chat" else {"text": text}


def assert_refused(response: Any, status: int, kind: str) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    error = response.json()["error"]
    assert error["type"] == kind and error["message"].startswith("expected"), error
    assert "Traceback" not in response.text


RAW_BODIES: list[tuple[str, bytes, dict[str, str], int, str]] = [
    ("oversized body", b'{"text": "' + b"a" * 5000 + b'"}', {}, 413, "payload_too_large"),
    ("invalid UTF-8", b'{"text": "\xff\xfe\xfd"}', {}, 400, "invalid_json"),
    ("truncated JSON", b'{"text": "hi', {}, 400, "invalid_json"),
    ("empty body", b"", {}, 400, "invalid_json"),
    ("deeply nested JSON", b"[" * 2000 + b"]" * 2000, {}, 400, "invalid_json"),
    ("JSON array", b'["hi"]', {}, 422, "invalid_request"),
    ("JSON string", b'"hi"', {}, 422, "invalid_request"),
    ("JSON null", b"null", {}, 422, "invalid_request"),
    ("NaN text", b'{"text": NaN}', {}, 422, "invalid_request"),
    ("lone surrogate", b'{"text": "\\ud800 hi"}', {}, 422, "invalid_request"),
    ("text/plain", b'{"text": "hi"}', {"content-type": "text/plain"}, 415, "unsupported_media_type"),
    (
        "form",
        b"text=hi",
        {"content-type": "application/x-www-form-urlencoded"},
        415,
        "unsupported_media_type",
    ),
    (
        "multipart",
        b"--x\r\n\r\nhi\r\n--x--",
        {"content-type": "multipart/form-data; boundary=x"},
        415,
        "unsupported_media_type",
    ),
    ("xml", b"<text>hi</text>", {"content-type": "application/xml"}, 415, "unsupported_media_type"),
]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(
    ("name", "raw", "headers", "status", "kind"), RAW_BODIES, ids=[r[0] for r in RAW_BODIES]
)
def test_raw_bodies_are_refused(
    client: TestClient, path: str, name: str, raw: bytes, headers: dict[str, str], status: int, kind: str
) -> None:
    if path == "/chat" and raw.startswith(b'{"text"'):  # the same problem inside a chat body
        raw = raw.replace(b'{"text"', b'{"session_id": "bad-input", "text"', 1)
    headers = {"content-type": "application/json", **headers}
    assert_refused(client.post(path, content=raw, headers=headers), status, kind)


def test_an_oversized_chunked_body_is_cut_off(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the gateway counts as it reads
        yield b'{"text": "'
        for _ in range(100):
            yield b"a" * 1000
        yield b'"}'

    response = client.post("/parse", content=chunks(), headers={"content-type": "application/json"})
    assert_refused(response, 413, "payload_too_large")


WRONG_VALUES: list[tuple[str, Any, int, str]] = [
    ("empty", "", 422, "invalid_request"),
    ("blank", " \n\t\u3000", 422, "invalid_request"),
    ("huge", "a" * 201, 413, "text_too_long"),
    ("number", 5, 422, "invalid_request"),
    ("list", ["hi"], 422, "invalid_request"),
    ("object", {"text": "hi"}, 422, "invalid_request"),
    ("null", None, 422, "invalid_request"),
    ("bool", True, 422, "invalid_request"),
]


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize(("name", "text", "status", "kind"), WRONG_VALUES, ids=[w[0] for w in WRONG_VALUES])
def test_wrong_texts_are_refused(
    client: TestClient, path: str, name: str, text: Any, status: int, kind: str
) -> None:
    assert_refused(client.post(path, json=body_for(path, text)), status, kind)


@pytest.mark.parametrize(
    "body",
    [
        {"texts": "hi"},
        {"texts": []},
        {"texts": [1]},
        {"texts": ["hi"] * 5},
        {"text": "hi", "texts": ["hi"]},
        {},
        {"text": "hi", "extra": 1},
        {"text": "hi", "session_id": 7},
        {"text": "hi", "session_id": "a b"},
        {"text": "hi", "session_id": "x" * 65},
    ],
)
def test_wrong_parse_bodies_are_refused(client: TestClient, body: dict[str, Any]) -> None:
    response = client.post("/parse", json=body)
    assert 400 <= response.status_code < 500 and response.json()["error"]["message"].startswith("expected")


@pytest.mark.parametrize(
    "body",
    [
        {"text": "hi"},
        {"session_id": "s"},
        {"session_id": None, "text": "hi"},
        {"session_id": "", "text": "hi"},
        {"session_id": ["s"], "text": "hi"},
        {"session_id": "s\n", "text": "hi"},
        {"session_id": "../s", "text": "hi"},
        {"session_id": "s", "text": "hi", "state": {"slots": {"amount": 1}}},
    ],
)
def test_wrong_chat_bodies_are_refused(client: TestClient, body: dict[str, Any]) -> None:
    assert_refused(client.post("/chat", json=body), 422, "invalid_request")


ODD_TEXTS = [
    "send 50 dollars to anna \U0001f4b8\U0001f642",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467 \U0001f1e9\U0001f1ea",  # ZWJ family, flag
    "send 50 € to Анна и 小明 والسلام",  # Latin, Cyrillic, CJK, Arabic
    "\u202eyenom dnes\u202c",  # right-to-left override
    "hel\u0000lo\u0007 \x1b[31mred\x1b[0m",  # NUL, bell, terminal escapes
    "e\u0301\u0301\u0301\u0301 zalgo\u0336\u0336",  # stacked combining marks
    "\ufeffhello\u200b\u200b",  # BOM, zero-width spaces
    "𝓼𝓮𝓷𝓭 𝓶𝓸𝓷𝓮𝔂",  # mathematical letters
    "a" * 200,  # exactly the limit
    "1" * 200,
]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_odd_but_valid_texts_are_answered(client: TestClient, path: str) -> None:
    for i, text in enumerate(ODD_TEXTS):
        body = {"session_id": f"odd-{i}", "text": text} if path == "/chat" else {"text": text}
        response = client.post(path, json=body)
        assert response.status_code == 200, (text, response.text)
        data = response.json()
        parse = data if path == "/parse" else data["parse"]
        assert parse["text"] == text and parse["intent"]


def test_a_batch_of_odd_texts_matches_one_by_one(client: TestClient) -> None:
    texts = ODD_TEXTS[:4]
    batch = client.post("/parse", json={"texts": texts}).json()
    single = [client.post("/parse", json={"text": t}).json() for t in texts]
    assert [p["intent"] for p in batch] == [p["intent"] for p in single]


def test_distinct_session_ids_stay_within_the_store_bound(client: TestClient) -> None:
    ids = [f"many-{i}" for i in range(3 * MAX_SESSIONS)]
    for sid in ids:
        assert client.post("/chat", json={"session_id": sid, "text": "hi"}).status_code == 200
    metrics = client.get("/metrics").text
    live = [line for line in metrics.splitlines() if line.startswith("skills_active_sessions")]
    assert live and all(float(line.split()[-1]) <= MAX_SESSIONS for line in live), live
    assert client.get(f"/sessions/{ids[-1]}").status_code == 200  # the newest is kept
    assert client.get(f"/sessions/{ids[0]}").status_code == 404  # the oldest was evicted


def test_ten_thousand_session_ids_against_the_memory_store() -> None:
    store = MemoryStore(max_sessions=1_000)
    for i in range(10_000):
        with store.lock(f"user-{i}"):
            store.save(f"user-{i}", {"events": [{"n": i}]})
    assert len(store) == 1_000 and not store._locks  # locks live only while a turn runs
    assert store.load("user-9999") == {"events": [{"n": 9999}]} and store.load("user-0") is None
    for i in range(10_000):  # turns that fail before saving leave nothing behind either
        with pytest.raises(RuntimeError), store.lock(f"failed-{i}"):
            raise RuntimeError("turn failed")
    assert len(store) == 1_000 and not store._locks
