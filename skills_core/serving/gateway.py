"""The HTTP edge of the server: an ASGI middleware in front of BentoML's app.

For every request except the probes and ``/metrics`` it: names the request (``X-Request-ID``),
checks the bearer token (not for the web chat page's own files under ``/ui/``), enforces the body
size limit, and for ``/parse``, ``/analyze`` and ``/chat`` checks the body and turns it into the batchable form
BentoML batches (``{"items": [...]}`` / ``{"turns": [...]}``),
then turns the batch answer back into the single answer. Any error answer, its own or BentoML's,
leaves as ``{"error": {"type", "message"}}`` without a stack trace. Each request ends with one JSON
log line and its metrics.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from skills_core.serving.config import ServeConfig
from skills_core.serving.inputs import ApiError, Limits, chat_call, parse_call, read_json
from skills_core.serving.logs import mask_pii
from skills_core.serving.metrics import get_metrics
from skills_core.serving.openapi import openapi_document
from skills_core.serving.ui import is_ui_path

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

logger = logging.getLogger("skills_core.serving.access")

OPEN_PATHS = frozenset({"/livez", "/healthz", "/readyz", "/metrics"})
# BentoML's /docs.json describes the internal batch bodies; both answer the public API's document
DOC_PATHS = frozenset({"/openapi.json", "/docs.json"})
ENDPOINTS = (
    "POST /parse, POST /analyze, POST /chat, GET|DELETE /sessions/{id}, GET /admin/models, "
    "POST /admin/models/{action}"
)
_REQUEST_ID = re.compile(r"^[\w.-]{1,64}$")


@dataclass
class Exchange:
    """What is known about one request, for its log line and metrics."""

    request_id: str
    method: str
    path: str
    started_ns: int = field(default_factory=time.perf_counter_ns)
    status: int = 0
    error: str | None = None
    session_id: str | None = None
    model_version: str | None = None
    texts: list[str] = field(default_factory=list)


class Gateway:
    """Auth, limits, request checks, JSON errors, request logs and metrics around BentoML's app."""

    def __init__(self, app: ASGIApp, *, config: ServeConfig | None = None) -> None:
        self.app = app
        self.config = config or ServeConfig.load()
        c = self.config
        self.limits = Limits(
            max_body_bytes=c.max_body_bytes,
            max_text_chars=c.max_text_chars,
            max_batch_texts=c.max_batch_texts,
            max_session_id_chars=c.max_session_id_chars,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        ex = Exchange(request_id=_request_id(scope), method=scope["method"], path=scope["path"])
        if ex.path.startswith("/sessions/"):
            ex.session_id = ex.path.removeprefix("/sessions/")[:200]
        try:
            if ex.method == "GET" and ex.path in DOC_PATHS:  # the API's description is public
                await self._respond(ex, send, 200, _dumps(openapi_document(limits=self.limits)))
                return
            self._authorize(scope)
            body = await self._read_body(scope, receive)
            if ex.method == "POST" and ex.path == "/parse":
                await self._parse(ex, scope, receive, body, send)
            elif ex.method == "POST" and ex.path == "/analyze":
                await self._analyze(ex, scope, receive, body, send)
            elif ex.method == "POST" and ex.path == "/chat":
                await self._chat(ex, scope, receive, body, send)
            else:
                status, headers, payload = await self._inner(scope, receive, body)
                if status >= 400:
                    raise _from_inner(ex, status, payload)
                await self._respond(ex, send, status, payload, headers=headers)
        except ApiError as e:
            await self._fail(ex, send, e)
        except Exception:
            logger.exception("request %s failed", ex.request_id, extra={"request_id": ex.request_id})
            await self._fail(ex, send, _internal(ex))
        finally:
            self._record(ex)

    # -- the two batched APIs ----------------------------------------------------------------------
    async def _parse(self, ex: Exchange, scope: Scope, receive: Receive, body: bytes, send: Send) -> None:
        call = parse_call(read_json(body, content_type=_header(scope, b"content-type")), self.limits)
        ex.session_id, ex.texts = call.session_id, call.texts
        key = call.session_id or ex.request_id
        items = [{"text": t, "key": key} for t in call.texts]
        results = await self._batched(ex, scope, receive, {"items": items})
        get_metrics().observe_parses(results)
        ex.model_version = ",".join(sorted({str(r.get("model_version")) for r in results}))
        await self._respond(ex, send, 200, _dumps(results[0] if call.single else results))

    async def _analyze(self, ex: Exchange, scope: Scope, receive: Receive, body: bytes, send: Send) -> None:
        # the same bodies as /parse: {"text"} or {"texts": [...]}, optional session_id for the canary
        call = parse_call(read_json(body, content_type=_header(scope, b"content-type")), self.limits)
        ex.session_id, ex.texts = call.session_id, call.texts
        key = call.session_id or ex.request_id
        items = [{"text": t, "key": key} for t in call.texts]
        results = await self._batched(ex, scope, receive, {"items": items})
        parses = [r.get("parse") or {} for r in results]
        ex.model_version = ",".join(sorted({str(p.get("model_version")) for p in parses}))
        await self._respond(ex, send, 200, _dumps(results[0] if call.single else results))

    async def _chat(self, ex: Exchange, scope: Scope, receive: Receive, body: bytes, send: Send) -> None:
        call = chat_call(
            read_json(body, content_type=_header(scope, b"content-type")),
            self.limits,
            idempotency_key=_header(scope, b"idempotency-key"),
        )
        ex.session_id, ex.texts = call.session_id, [call.text]
        turn = {"session_id": call.session_id, "text": call.text, "turn_id": call.turn_id}
        (result,) = await self._batched(ex, scope, receive, {"turns": [turn]})
        error = result.get("error")
        if isinstance(error, dict):
            status = int(error.pop("status", 500))
            retry = error.pop("retry_after", None)
            headers = {"Retry-After": str(retry)} if retry else None
            raise ApiError(status, str(error.get("type")), str(error.get("message")), headers=headers)
        parse = result.get("parse") or {}
        get_metrics().observe_parses([parse])
        ex.model_version = parse.get("model_version")
        await self._respond(ex, send, 200, _dumps(result))

    async def _batched(
        self, ex: Exchange, scope: Scope, receive: Receive, payload: dict[str, Any]
    ) -> list[dict[str, Any]]:
        status, _, body = await self._inner(scope, receive, _dumps(payload))
        if status != 200:
            raise _from_inner(ex, status, body)
        return json.loads(body)

    # -- plumbing ----------------------------------------------------------------------------------
    def _authorize(self, scope: Scope) -> None:
        if is_ui_path(scope["path"]):
            return  # the web chat page's files are open; every API call it makes carries the token
        if scope["path"].startswith("/admin"):
            if self.config.admin_token is None:
                raise ApiError(
                    403,
                    "forbidden",
                    "expected the admin endpoints to be enabled; found no admin token configured. "
                    "Fix: set SKILLS_ADMIN_TOKEN and send it as 'Authorization: Bearer <token>'",
                )
            api = self.config.api_token
            if api is not None and _bearer_matches(scope, api.get_secret_value()):
                raise ApiError(
                    403,
                    "forbidden",
                    "expected the admin token (SKILLS_ADMIN_TOKEN); found the API token, which may not "
                    "manage models. Fix: send SKILLS_ADMIN_TOKEN as the bearer token",
                )
            _check_bearer(scope, self.config.admin_token.get_secret_value(), "SKILLS_ADMIN_TOKEN")
        elif self.config.api_token is not None:
            _check_bearer(scope, self.config.api_token.get_secret_value(), "SKILLS_API_TOKEN")

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes:
        limit = self.limits.max_body_bytes
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.isdigit():
                raise ApiError(
                    400, "invalid_request", f"expected a numeric Content-Length; found {declared[:20]!r}"
                )
            if int(declared) > limit:
                raise _too_large(int(declared), limit)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ApiError(
                    400, "client_disconnected", "expected the whole request body; the client went away"
                )
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _too_large(size, limit)
            chunks.append(chunk)
            if not message.get("more_body"):
                return b"".join(chunks)

    async def _inner(
        self, scope: Scope, receive: Receive, body: bytes
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """Run BentoML's app on ``body`` (already read from ``receive``); returns status, headers, body."""
        headers = [
            (k, v) for k, v in scope.get("headers", []) if k not in (b"content-length", b"content-type")
        ]
        headers += [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: wait for the client to go, as ASGI says

        status, out_headers, chunks = 500, [], []

        async def capture(message: Message) -> None:
            nonlocal status, out_headers
            if message["type"] == "http.response.start":
                status, out_headers = message["status"], list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await asyncio.wait_for(
                self.app({**scope, "headers": headers}, replay, capture), self.config.timeout_s
            )
        except TimeoutError:
            raise ApiError(
                504,
                "timeout",
                f"expected an answer within {self.config.timeout_s:g}s (SKILLS_TIMEOUT_S); none came. "
                "Fix: retry later, or send fewer texts per request",
            ) from None
        return status, out_headers, b"".join(chunks)

    async def _respond(
        self,
        ex: Exchange,
        send: Send,
        status: int,
        body: bytes,
        *,
        headers: list[tuple[bytes, bytes]] | None = None,
        extra: dict[str, str] | None = None,
    ) -> None:
        ex.status = status
        keep = [(k, v) for k, v in headers or [] if k.lower() not in (b"content-length", b"x-request-id")]
        if headers is None:
            keep.append((b"content-type", b"application/json"))
        keep += [(b"content-length", str(len(body)).encode()), (b"x-request-id", ex.request_id.encode())]
        keep += [(k.lower().encode(), v.encode()) for k, v in (extra or {}).items()]
        await send({"type": "http.response.start", "status": status, "headers": keep})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _fail(self, ex: Exchange, send: Send, error: ApiError) -> None:
        ex.error = error.kind
        extra = dict(error.headers)
        if error.status == 503 and "Retry-After" not in extra:
            extra["Retry-After"] = str(self.config.retry_after_s)
        if error.status == 401:
            extra.setdefault("WWW-Authenticate", "Bearer")
        await self._respond(ex, send, error.status, _dumps(error.body()), extra=extra)

    def _record(self, ex: Exchange) -> None:
        seconds = (time.perf_counter_ns() - ex.started_ns) / 1e9
        endpoint = _endpoint(ex.path)
        metrics = get_metrics()
        metrics.latency.labels(endpoint=endpoint, status=str(ex.status)).observe(seconds)
        if ex.error:
            metrics.errors.labels(endpoint=endpoint, kind=ex.error).inc()
        # a client may use an email or a phone number as its session id: mask it, in the path too
        hide = (lambda s: s) if self.config.log_text == "raw" else mask_pii
        fields: dict[str, Any] = {
            "time_ns": time.time_ns(),
            "request_id": ex.request_id,
            "method": ex.method,
            "path": hide(ex.path),
            "status": ex.status,
            "latency_ms": round(seconds * 1000, 3),
            "session_id": None if ex.session_id is None else hide(ex.session_id),
            "model_version": ex.model_version,
        }
        if ex.error:
            fields["error"] = ex.error
        if ex.texts and self.config.log_text != "off":
            shown = ex.texts if self.config.log_text == "raw" else [mask_pii(t) for t in ex.texts]
            fields["text"] = shown[0] if len(shown) == 1 else shown
        logger.info("request", extra=fields)


def _bearer_matches(scope: Scope, token: str) -> bool:
    """Whether the request's bearer token is ``token`` (compared in constant time)."""
    scheme, _, value = (_header(scope, b"authorization") or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), token.encode())


def _check_bearer(scope: Scope, token: str, setting: str) -> None:
    given = _header(scope, b"authorization") or ""
    scheme, _, value = given.partition(" ")
    if scheme.lower() != "bearer" or not value:
        raise ApiError(
            401,
            "unauthorized",
            f"expected 'Authorization: Bearer <token>' (the {setting} value); found "
            f"{'no Authorization header' if not given else 'another scheme'}. Fix: send the bearer token",
        )
    if not hmac.compare_digest(value.strip().encode(), token.encode()):
        raise ApiError(401, "unauthorized", f"expected the {setting} bearer token; found another token")


def _from_inner(ex: Exchange, status: int, body: bytes) -> ApiError:
    """BentoML's (or a mounted route's) error answer as an ApiError."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict) and "type" in error and "message" in error:
        return ApiError(status, str(error["type"]), str(error["message"]))
    if status == 404:
        return ApiError(404, "not_found", f"expected one of {ENDPOINTS}; found {ex.method} {ex.path}")
    if status == 405:
        return ApiError(
            405, "method_not_allowed", f"expected one of {ENDPOINTS}; found {ex.method} {ex.path}"
        )
    if status == 503:
        return ApiError(
            503,
            "overloaded",
            "expected capacity for this request; found the batching queue over its latency budget "
            "(SKILLS_MAX_LATENCY_MS). Fix: retry after the Retry-After seconds, or add workers/replicas",
        )
    if status in (408, 504):
        return ApiError(
            504, "timeout", "expected an answer within the server timeout (SKILLS_TIMEOUT_S); none came"
        )
    if status < 500:
        return ApiError(status, "invalid_request", f"expected a valid request to {ex.path}; it was refused")
    return _internal(ex)


def _internal(ex: Exchange) -> ApiError:
    return ApiError(
        500,
        "internal",
        f"expected to answer; the server failed (request id {ex.request_id}). Fix: report it with the request id",
    )


def _too_large(size: int, limit: int) -> ApiError:
    return ApiError(
        413,
        "payload_too_large",
        f"expected a body of at most {limit} bytes (SKILLS_MAX_BODY_BYTES); found {size}. Fix: send less",
    )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _request_id(scope: Scope) -> str:
    given = _header(scope, b"x-request-id")
    return given if given and _REQUEST_ID.match(given) else uuid.uuid4().hex


def _endpoint(path: str) -> str:
    if path in ("/parse", "/analyze", "/chat"):
        return path
    for prefix in ("/sessions/", "/admin/"):
        if path.startswith(prefix):
            return prefix + "*"
    return "other"


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
