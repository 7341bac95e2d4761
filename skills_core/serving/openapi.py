"""The OpenAPI 3.1 document of the public HTTP API, as the gateway really accepts and answers it.

BentoML's own ``/docs.json`` describes the batch form the gateway hands to BentoML
(``{"items": [...]}``) and knows nothing of the mounted session and admin routes; the gateway serves
this document at ``/openapi.json`` and in place of ``/docs.json``. The limits (text length, batch
size, session id length) come from the running configuration, so the document and the checks in
:mod:`skills_core.serving.inputs` agree.
"""

from __future__ import annotations

from typing import Any

from skills_core.serving.inputs import SESSION_ID_PATTERN, TURN_ID_HEADER_PATTERN, Limits
from skills_core.spec.types import Parse

_SCHEMAS = "#/components/schemas/"
_ERROR_CODES = ("400", "401", "403", "404", "409", "413", "415", "422", "503", "504")


def openapi_document(*, limits: Limits, title: str = "Skills") -> dict[str, Any]:
    """The OpenAPI document of ``/parse``, ``/analyze``, ``/chat``, ``/sessions/{id}`` and ``/admin/models...``.

    Args:
        limits: the server's request limits, written into the schemas.
        title: the document title (the skill's name is a good one).
    """
    parse_schema = Parse.model_json_schema(ref_template=_SCHEMAS + "{model}")
    schemas: dict[str, Any] = dict(parse_schema.pop("$defs", {}))
    schemas["Parse"] = parse_schema
    schemas.update(_schemas(limits))
    user = [{"bearer": []}]
    admin = [{"adminBearer": []}]
    session = {
        "name": "session_id",
        "in": "path",
        "required": True,
        "schema": _session_id(limits),
        "description": "The conversation's id.",
    }
    paths = {
        "/parse": {
            "post": _op(
                "Parse one text or a batch of texts.",
                body="ParseRequest",
                ok={"oneOf": [_ref("Parse"), {"type": "array", "items": _ref("Parse")}]},
                security=user,
            )
        },
        "/analyze": {
            "post": _op(
                "Language, PII spans, analyser labels and the parse of one text or a batch.",
                body="ParseRequest",
                ok={"oneOf": [_ref("Analysis"), {"type": "array", "items": _ref("Analysis")}]},
                security=user,
            )
        },
        "/chat": {
            "post": {
                **_op(
                    "Run one user turn of a session; with a turn id, a retry of a stored turn is answered "
                    "from the log (replayed: true) instead of running again.",
                    body="ChatRequest",
                    ok=_ref("Turn"),
                    security=user,
                ),
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {
                            "type": "string",
                            "maxLength": limits.max_session_id_chars,
                            "pattern": TURN_ID_HEADER_PATTERN,
                        },
                        "description": "The turn id, when the body has no 'turn_id' (both given: they must "
                        "be equal, else 422).",
                    }
                ],
            }
        },
        "/sessions/{session_id}": {
            "parameters": [session],
            "get": _op(
                "The stored conversation: events and derived state.", ok=_ref("Session"), security=user
            ),
            "delete": _op("Forget a conversation.", ok=_ref("Deleted"), security=user),
        },
        "/admin/models": {
            "get": _op("The model plan and what each worker serves.", ok=_OBJECT, security=admin)
        },
        "/admin/models/swap": {
            "post": _op("Make a stored model the active one.", body="TagRequest", ok=_OBJECT, security=admin)
        },
        "/admin/models/canary": {
            "post": _op(
                "Route a share of sessions to a candidate model.",
                body="CanaryRequest",
                ok=_OBJECT,
                security=admin,
            )
        },
        "/admin/models/promote": {
            "post": _op("Make the canary the active model.", ok=_OBJECT, security=admin)
        },
        "/admin/models/rollback": {
            "post": _op("Go back to the previous active model.", ok=_OBJECT, security=admin)
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": "1",
            "description": "Task-oriented dialogue: parse texts, run conversations, manage models. "
            'Every error answers {"error": {"type": ..., "message": ...}}.',
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "SKILLS_API_TOKEN, when set."},
                "adminBearer": {"type": "http", "scheme": "bearer", "description": "SKILLS_ADMIN_TOKEN."},
            },
        },
    }


_OBJECT: dict[str, Any] = {"type": "object"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _SCHEMAS + name}


def _op(
    summary: str, *, ok: dict[str, Any], security: list[dict[str, list[str]]], body: str | None = None
) -> dict[str, Any]:
    error = {
        "description": "What was wrong, and how to fix it.",
        "content": {"application/json": {"schema": _ref("Error")}},
    }
    op: dict[str, Any] = {
        "summary": summary,
        "security": security,
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ok}}}}
        | {code: error for code in _ERROR_CODES},
    }
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(body)}}}
    return op


def _text(limits: Limits) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": limits.max_text_chars, "pattern": r"\S"}


def _session_id(limits: Limits) -> dict[str, Any]:
    return {"type": "string", "maxLength": limits.max_session_id_chars, "pattern": SESSION_ID_PATTERN}


def _schemas(limits: Limits) -> dict[str, Any]:
    text, sid = _text(limits), _session_id(limits)
    optional_sid = {"anyOf": [sid, {"type": "null"}]}  # /parse: null is the same as no session id
    return {
        "ParseRequest": {
            "oneOf": [
                {
                    "type": "object",
                    "properties": {"text": text, "session_id": optional_sid},
                    "required": ["text"],
                    "additionalProperties": False,
                },
                {
                    "type": "object",
                    "properties": {
                        "texts": {
                            "type": "array",
                            "items": text,
                            "minItems": 1,
                            "maxItems": limits.max_batch_texts,
                        },
                        "session_id": optional_sid,
                    },
                    "required": ["texts"],
                    "additionalProperties": False,
                },
            ]
        },
        "ChatRequest": {
            "type": "object",
            "properties": {
                "session_id": sid,
                "text": text,
                "turn_id": {
                    "anyOf": [sid, {"type": "null"}],
                    "description": "The client's id of this turn, unique in the session; resend it with "
                    "the same text to get the stored answer of a turn whose answer was lost (another text: "
                    "409). Null is the same as none.",
                },
            },
            "required": ["session_id", "text"],
            "additionalProperties": False,
        },
        "TagRequest": {
            "type": "object",
            "properties": {"tag": {"type": "string", "maxLength": 200, "pattern": r"\S"}},
            "required": ["tag"],
            "additionalProperties": False,
        },
        "CanaryRequest": {
            "type": "object",
            "properties": {
                "tag": {"type": "string", "maxLength": 200, "pattern": r"\S"},
                "percent": {"type": "number", "exclusiveMinimum": 0, "maximum": 100},
            },
            "required": ["tag"],
            "additionalProperties": False,
        },
        "Analysis": {
            "type": "object",
            "properties": {"text": {"type": "string"}, "parse": _ref("Parse")},
            "required": ["text", "parse"],
        },
        "Reply": {
            "type": "object",
            "properties": {
                "text": {"type": "string"},
                "buttons": {"type": "array", "items": {"type": "string"}},
                "reason": _OBJECT,
            },
            "required": ["text"],
        },
        "State": {
            "type": "object",
            "properties": {
                "slots": _OBJECT,
                "active_flow": {"type": ["string", "null"]},
                "flow_stack": {"type": "array", "items": {"type": "string"}},
                "turn": {"type": "integer", "minimum": 0},
            },
            "required": ["slots", "active_flow", "flow_stack", "turn"],
        },
        "Turn": {
            "type": "object",
            "properties": {
                "session_id": {"type": "string"},
                "text": {"type": "string"},
                "turn_id": {"type": ["string", "null"]},
                "replayed": {
                    "type": "boolean",
                    "description": "True when the turn was already stored under turn_id: its stored "
                    "outcome, nothing ran or was stored again.",
                },
                "replies": {"type": "array", "items": _ref("Reply")},
                "parse": _ref("Parse"),
                "state": _ref("State"),
                "events": {"type": "array", "items": _OBJECT},
            },
            "required": ["session_id", "text", "replies", "parse", "state", "events"],
        },
        "Session": {
            "type": "object",
            "properties": {"state": _ref("State"), "events": {"type": "array", "items": _OBJECT}},
            "required": ["state"],
        },
        "Deleted": {
            "type": "object",
            "properties": {"session_id": {"type": "string"}, "deleted": {"const": True}},
            "required": ["session_id", "deleted"],
        },
        "Error": {
            "type": "object",
            "properties": {
                "error": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string", "minLength": 1},
                        "message": {"type": "string", "pattern": "^expected"},
                    },
                    "required": ["type", "message"],
                    "additionalProperties": False,
                }
            },
            "required": ["error"],
            "additionalProperties": False,
        },
    }
