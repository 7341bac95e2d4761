"""Routes BentoML's ``@api`` cannot express (GET, DELETE): sessions, the admin model endpoints and
the web chat page (:mod:`skills_core.serving.ui`, at ``/ui/``).

A Starlette app mounted on the service; each handler calls the running service's Agent in a thread
and answers JSON. Auth and size limits are already enforced by the gateway in front.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from skills_core.errors import ConfigError, SkillsError
from skills_core.runtime.redis_store import StoreUnavailable
from skills_core.runtime.registry import ModelRefused, PlanConflict
from skills_core.serving import ui
from skills_core.serving.inputs import ApiError, Limits, canary_call, check_session_id, read_json, tag_of

Handler = Callable[[Request], Awaitable[JSONResponse]]


def _service() -> Any:
    import bentoml

    service = bentoml.get_current_service()
    if getattr(service, "agent", None) is None:
        raise ApiError(503, "not_ready", "expected a started service; it is still starting. Retry shortly")
    return service


def _agent() -> Any:
    """The running service's :class:`~skills_core.runtime.agent.Agent`."""
    return _service().agent


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


def as_api_error(error: SkillsError) -> ApiError:
    """A library error as an HTTP answer: 503 store down, 422 refused model, 409 wrong state.

    The gateway adds ``Retry-After`` to every 503.
    """
    if isinstance(error, ApiError):
        return error
    if isinstance(error, StoreUnavailable):
        return ApiError(503, "store_unavailable", str(error))
    if isinstance(error, ModelRefused):
        return ApiError(422, "model_refused", str(error))
    if isinstance(error, PlanConflict | ConfigError):
        return ApiError(409, "conflict", str(error))
    return ApiError(500, "internal", f"expected to answer; {type(error).__name__}: {error}")


def _json(handler: Callable[[Request], Awaitable[Any]]) -> Handler:
    async def wrapped(request: Request) -> JSONResponse:
        try:
            result = await handler(request)
        except SkillsError as e:
            return error_response(as_api_error(e))
        return result if isinstance(result, JSONResponse) else JSONResponse(result)

    return wrapped


def _session_id(request: Request) -> str:
    limits: Limits = _service().limits
    return check_session_id(request.path_params["session_id"], limits)


def _missing(session_id: str) -> ApiError:
    return ApiError(
        404,
        "not_found",
        f"expected a stored session {session_id!r}; found none (never started, expired or deleted)",
    )


@_json
async def get_session(request: Request) -> Any:
    session_id = _session_id(request)
    data = await run_in_threadpool(_agent().session, session_id)
    if data is None:
        raise _missing(session_id)
    return data


@_json
async def delete_session(request: Request) -> Any:
    session_id = _session_id(request)
    if not await run_in_threadpool(_agent().reset, session_id):
        raise _missing(session_id)
    return {"session_id": session_id, "deleted": True}


async def _body(request: Request, *, required: bool) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip() and not required:
        return {}
    return read_json(raw, content_type=request.headers.get("content-type"))


@_json
async def models_status(request: Request) -> Any:
    return await run_in_threadpool(_agent().registry.status)


@_json
async def swap(request: Request) -> Any:
    tag = tag_of(await _body(request, required=True))
    return await run_in_threadpool(_agent().registry.swap, tag)


@_json
async def canary(request: Request) -> Any:
    call = canary_call(await _body(request, required=True))
    return await run_in_threadpool(_agent().registry.set_canary, call.tag, call.percent)


@_json
async def promote(request: Request) -> Any:
    await _body(request, required=False)
    return await run_in_threadpool(_agent().registry.promote)


@_json
async def rollback(request: Request) -> Any:
    await _body(request, required=False)
    return await run_in_threadpool(_agent().registry.rollback)


app = Starlette(
    routes=[
        Route("/sessions/{session_id}", get_session, methods=["GET"]),
        Route("/sessions/{session_id}", delete_session, methods=["DELETE"]),
        Route("/admin/models", models_status, methods=["GET"]),
        Route("/admin/models/swap", swap, methods=["POST"]),
        Route("/admin/models/canary", canary, methods=["POST"]),
        Route("/admin/models/promote", promote, methods=["POST"]),
        Route("/admin/models/rollback", rollback, methods=["POST"]),
        *ui.ROUTES,
    ]
)
