"""Request bodies of the HTTP API, checked before anything runs; every problem becomes an :class:`ApiError`.

An error answer is always ``{"error": {"type": ..., "message": "expected ..., found ... Fix: ..."}}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from skills_core.errors import SkillsError

SESSION_ID_PATTERN = r"^[\w.:@-]+$"
"""A session id (also the OpenAPI ``pattern``); checked with ``fullmatch``: ``$`` alone admits a final newline."""
SESSION_ID = re.compile(SESSION_ID_PATTERN)
TURN_ID_HEADER_PATTERN = r"^[A-Za-z0-9_.:@-]+$"
"""An ``Idempotency-Key`` header: the characters of a session id, ASCII only (HTTP header values)."""
TURN_ID_HEADER = re.compile(TURN_ID_HEADER_PATTERN)


class ApiError(SkillsError):
    """An answer other than 2xx, with its status, kind and a message that says what to fix."""

    def __init__(
        self, status: int, kind: str, message: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"error": {"type": self.kind, "message": self.message}}


@dataclass(frozen=True)
class Limits:
    """Size limits of requests."""

    max_body_bytes: int = 65_536
    max_text_chars: int = 1_000
    max_batch_texts: int = 64
    max_session_id_chars: int = 128


@dataclass(frozen=True)
class ParseCall:
    """A checked ``POST /parse``: one text or a batch, with an optional session id for canary routing."""

    texts: list[str]
    single: bool
    session_id: str | None = None


@dataclass(frozen=True)
class ChatCall:
    """A checked ``POST /chat``; ``turn_id`` (body field or ``Idempotency-Key`` header) makes retries safe."""

    session_id: str
    text: str
    turn_id: str | None = None


@dataclass(frozen=True)
class CanaryCall:
    tag: str
    percent: float = field(default=10.0)


def read_json(body: bytes, *, content_type: str | None) -> dict[str, Any]:
    """The JSON object in ``body``; 415 for another media type, 400 for bad JSON, 422 for a non-object."""
    media = (content_type or "application/json").split(";")[0].strip().lower()
    if media != "application/json":
        raise ApiError(
            415,
            "unsupported_media_type",
            f"expected Content-Type application/json; found {media!r}. Fix: send a JSON body",
        )
    if not body.strip():
        raise ApiError(
            400, "invalid_json", "expected a JSON object in the body; found an empty body. Fix: send one"
        )
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as e:
        raise ApiError(
            400, "invalid_json", f"expected a JSON body; it does not parse ({e}). Fix the JSON"
        ) from None
    except RecursionError:  # e.g. a few thousand nested brackets, well within the size limit
        raise ApiError(
            400,
            "invalid_json",
            "expected a JSON object; found arrays or objects nested too deep. Fix the JSON",
        ) from None
    if not isinstance(data, dict):
        raise ApiError(
            422, "invalid_request", f"expected a JSON object; found a JSON {_kind(data)}. Fix: send {{...}}"
        )
    return data


def parse_call(data: dict[str, Any], limits: Limits) -> ParseCall:
    """``{"text": "..."}`` or ``{"texts": ["...", ...]}``, optionally with ``"session_id"``."""
    _only(data, {"text", "texts", "session_id"})
    session_id = check_session_id(data["session_id"], limits) if data.get("session_id") is not None else None
    if ("text" in data) == ("texts" in data):
        raise ApiError(
            422,
            "invalid_request",
            "expected exactly one of 'text' (a string) or 'texts' (a list of strings); found "
            f'{"both" if "text" in data else "neither"}. Fix: send {{"text": "hello"}}',
        )
    if "text" in data:
        return ParseCall(texts=[check_text(data["text"], limits)], single=True, session_id=session_id)
    texts = data["texts"]
    if not isinstance(texts, list) or not texts:
        raise ApiError(
            422,
            "invalid_request",
            f"expected 'texts' to be a non-empty list of strings; found {_describe(texts)}. Fix the list",
        )
    if len(texts) > limits.max_batch_texts:
        raise ApiError(
            413,
            "too_many_texts",
            f"expected at most {limits.max_batch_texts} texts per request; found {len(texts)}. "
            "Fix: split the batch",
        )
    return ParseCall(
        texts=[check_text(t, limits, where=f"texts[{i}]") for i, t in enumerate(texts)],
        single=False,
        session_id=session_id,
    )


def chat_call(data: dict[str, Any], limits: Limits, *, idempotency_key: str | None = None) -> ChatCall:
    """``{"session_id": "...", "text": "...", "turn_id": "..."}`` (``turn_id`` optional, null = absent).

    Args:
        idempotency_key: the ``Idempotency-Key`` header, when sent: the turn id when the body has none;
            the body's ``turn_id`` and the header must agree when both are given (else 422).
    """
    _only(data, {"session_id", "text", "turn_id"})
    missing = [k for k in ("session_id", "text") if k not in data]
    if missing:
        raise ApiError(
            422,
            "invalid_request",
            f"expected 'session_id' and 'text'; found no {' and no '.join(repr(m) for m in missing)}. "
            'Fix: send {"session_id": "abc", "text": "hello"}',
        )
    session_id = check_session_id(data["session_id"], limits)
    text = check_text(data["text"], limits)
    body_id = data.get("turn_id")
    turn_id = None if body_id is None else _check_id(body_id, limits, what="'turn_id'", pattern=SESSION_ID)
    if idempotency_key is not None:
        header_id = _check_id(
            idempotency_key, limits, what="the Idempotency-Key header", pattern=TURN_ID_HEADER
        )
        if turn_id is not None and turn_id != header_id:
            raise ApiError(
                422,
                "invalid_request",
                "expected the same turn id in the body's 'turn_id' and the Idempotency-Key header; found "
                "two different ones (the body's would win). Fix: send one of them, or the same value in both",
            )
        turn_id = header_id
    return ChatCall(session_id=session_id, text=text, turn_id=turn_id)


def canary_call(data: dict[str, Any]) -> CanaryCall:
    """``{"tag": "...", "percent": 10}``."""
    _only(data, {"tag", "percent"})
    percent = data.get("percent", 10.0)
    if isinstance(percent, bool) or not isinstance(percent, int | float) or not 0 < percent <= 100:
        raise ApiError(
            422,
            "invalid_request",
            f"expected 'percent' in (0, 100]; found {_describe(percent)}. Fix: e.g. 10",
        )
    return CanaryCall(tag=tag_of(data), percent=float(percent))


def tag_of(data: dict[str, Any]) -> str:
    """The model ``tag`` of an admin request."""
    tag = data.get("tag")
    if not isinstance(tag, str) or not tag.strip() or len(tag) > 200:
        raise ApiError(
            422,
            "invalid_request",
            f"expected 'tag', a model tag like 'skills-bank_en:abc123'; found {_describe(tag)}. "
            "Fix: see `bentoml models list`",
        )
    return tag.strip()


def check_text(value: Any, limits: Limits, *, where: str = "text") -> str:
    if not isinstance(value, str):
        raise ApiError(422, "invalid_request", f"expected '{where}' to be a string; found {_describe(value)}")
    if not value.strip():
        raise ApiError(
            422,
            "invalid_request",
            f"expected '{where}' to contain text; found an empty string. Fix: send words",
        )
    if not value.isprintable() and _has_surrogate(value):
        raise ApiError(
            422,
            "invalid_request",
            f"expected '{where}' to be valid Unicode; found an unpaired surrogate (like \\ud800). "
            "Fix: send UTF-8 text",
        )
    if len(value) > limits.max_text_chars:
        raise ApiError(
            413,
            "text_too_long",
            f"expected '{where}' of at most {limits.max_text_chars} characters; found {len(value)}. "
            "Fix: shorten it",
        )
    return value


def check_session_id(value: Any, limits: Limits) -> str:
    if not isinstance(value, str) or not value:
        raise ApiError(
            422,
            "invalid_request",
            f"expected 'session_id' to be a non-empty string; found {_describe(value)}",
        )
    if len(value) > limits.max_session_id_chars or not SESSION_ID.fullmatch(value):
        raise ApiError(
            422,
            "invalid_request",
            f"expected a session id of at most {limits.max_session_id_chars} letters, digits or . _ : @ -; "
            f"found {len(value)} characters{'' if SESSION_ID.fullmatch(value) else ' including others'}. "
            "Fix: use e.g. a UUID",
        )
    return value


def _check_id(value: Any, limits: Limits, *, what: str, pattern: re.Pattern[str]) -> str:
    """A turn id: the rules of a session id (``pattern``: ASCII only for a header)."""
    if not isinstance(value, str) or not value:
        raise ApiError(
            422,
            "invalid_request",
            f"expected {what} to be a non-empty string; found {_describe(value)}. "
            "Fix: send e.g. a UUID per turn, or leave it out",
        )
    if len(value) > limits.max_session_id_chars or not pattern.fullmatch(value):
        kind = "ASCII letters" if pattern is TURN_ID_HEADER else "letters"
        raise ApiError(
            422,
            "invalid_request",
            f"expected {what} of at most {limits.max_session_id_chars} {kind}, digits or . _ : @ -; "
            f"found {len(value)} characters{'' if pattern.fullmatch(value) else ' including others'}. "
            "Fix: use e.g. a UUID per turn, the same one when retrying that turn",
        )
    return value


def _has_surrogate(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _only(data: dict[str, Any], allowed: set[str]) -> None:
    extra = sorted(set(data) - allowed)
    if extra:
        raise ApiError(
            422,
            "invalid_request",
            f"expected only the fields {', '.join(sorted(allowed))}; found also {', '.join(extra)}. "
            "Fix: remove them",
        )


def _kind(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), "number"
    )


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return f"an array of {len(value)}" if value else "an empty array"
    if isinstance(value, str):
        return f"a string of {len(value)} characters"
    return f"a JSON {_kind(value)}"
