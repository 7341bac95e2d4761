"""Request bodies: every bad input is a 4xx with a message that says what was expected and found."""

from __future__ import annotations

from typing import Any

import pytest

from skills_core.serving.inputs import (
    ApiError,
    ChatCall,
    Limits,
    ParseCall,
    canary_call,
    chat_call,
    parse_call,
    read_json,
)

LIMITS = Limits(max_text_chars=20, max_batch_texts=3, max_session_id_chars=10)


@pytest.mark.parametrize(
    ("body", "content_type", "status", "kind"),
    [
        (b"", "application/json", 400, "invalid_json"),
        (b"{nope", "application/json", 400, "invalid_json"),
        (b"\xff\xfe", "application/json", 400, "invalid_json"),
        (b"[1, 2]", "application/json", 422, "invalid_request"),
        (b'"text"', None, 422, "invalid_request"),
        (b"text=hi", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    ],
)
def test_read_json_rejects(body: bytes, content_type: str | None, status: int, kind: str) -> None:
    with pytest.raises(ApiError) as info:
        read_json(body, content_type=content_type)
    assert (info.value.status, info.value.kind) == (status, kind)
    assert info.value.message.startswith("expected")
    assert info.value.body() == {"error": {"type": kind, "message": info.value.message}}


def test_read_json_accepts_a_charset() -> None:
    assert read_json(b'{"a": 1}', content_type="application/json; charset=utf-8") == {"a": 1}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"text": "hi"}, ParseCall(texts=["hi"], single=True)),
        ({"texts": ["a", "b"]}, ParseCall(texts=["a", "b"], single=False)),
        ({"text": "hi", "session_id": "s-1"}, ParseCall(texts=["hi"], single=True, session_id="s-1")),
        ({"texts": ["a"], "session_id": None}, ParseCall(texts=["a"], single=False)),
    ],
)
def test_parse_call_accepts(data: dict[str, Any], expected: ParseCall) -> None:
    assert parse_call(data, LIMITS) == expected


@pytest.mark.parametrize(
    ("data", "status", "fragment"),
    [
        ({}, 422, "found neither"),
        ({"text": "a", "texts": ["b"]}, 422, "found both"),
        ({"text": 5}, 422, "found a JSON number"),
        ({"text": "   "}, 422, "empty string"),
        ({"text": "x" * 21}, 413, "at most 20 characters; found 21"),
        ({"texts": []}, 422, "an empty array"),
        ({"texts": "hi"}, 422, "a string of 2"),
        ({"texts": ["a", 1]}, 422, "'texts[1]' to be a string"),
        ({"texts": ["a"] * 4}, 413, "at most 3 texts per request; found 4"),
        ({"text": "hi", "lang": "en"}, 422, "found also lang"),
        ({"text": "hi", "session_id": "a b"}, 422, "including others"),
        ({"text": "hi", "session_id": "x" * 11}, 422, "at most 10"),
        ({"text": "hi", "session_id": 7}, 422, "non-empty string"),
    ],
)
def test_parse_call_rejects(data: dict[str, Any], status: int, fragment: str) -> None:
    with pytest.raises(ApiError) as info:
        parse_call(data, LIMITS)
    assert info.value.status == status
    assert fragment in info.value.message and "expected" in info.value.message


def test_chat_call() -> None:
    assert chat_call({"session_id": "u:1", "text": "hello"}, LIMITS) == ChatCall(
        session_id="u:1", text="hello"
    )


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"text": "hi"}, "no 'session_id'"),
        ({}, "no 'session_id' and no 'text'"),
        ({"session_id": "s", "text": ""}, "empty string"),
        ({"session_id": "", "text": "hi"}, "non-empty string"),
        ({"session_id": "s", "text": "hi", "extra": 1}, "found also extra"),
    ],
)
def test_chat_call_rejects(data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ApiError) as info:
        chat_call(data, LIMITS)
    assert info.value.status == 422 and fragment in info.value.message


@pytest.mark.parametrize(
    ("data", "ok"),
    [
        ({"tag": "m:1"}, True),
        ({"tag": "m:1", "percent": 25}, True),
        ({"tag": "m:1", "percent": 0}, False),
        ({"tag": "m:1", "percent": True}, False),
        ({"tag": "m:1", "percent": "10"}, False),
        ({"tag": ""}, False),
        ({"percent": 10}, False),
    ],
)
def test_canary_call(data: dict[str, Any], ok: bool) -> None:
    if ok:
        call = canary_call(data)
        assert call.tag == "m:1" and 0 < call.percent <= 100
    else:
        with pytest.raises(ApiError) as info:
            canary_call(data)
        assert info.value.status == 422
