"""The web chat page: plain HTML/CSS/JS shipped in the package, served at ``/ui/``.

The page and its assets are open (the gateway lets ``/ui`` through without a token); every API
call the page makes carries the API token the user types in. Each answer has a strict
Content-Security-Policy: the page loads nothing but its own files and talks only to this server.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from skills_core.serving.config import ServeConfig

PREFIX = "/ui"
"""Where the page lives: ``GET /ui/`` (``/ui`` redirects there)."""

ASSETS = {
    "index.html": "text/html; charset=utf-8",
    "chat.css": "text/css; charset=utf-8",
    "chat.js": "text/javascript; charset=utf-8",
}
"""Every file the page is made of, with its content type; nothing else is served."""

CSP = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'"
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-cache",
}


def is_ui_path(path: str) -> bool:
    """Whether ``path`` is the page or one of its files (served without a token)."""
    return path == PREFIX or path.startswith(PREFIX + "/")


@cache
def asset(name: str) -> bytes:
    """The bytes of one of the page's files (read once from the installed package)."""
    return files("skills_core.serving").joinpath("webchat", name).read_bytes()


def _config() -> ServeConfig:
    """The running service's configuration (the environment's when no service runs)."""
    import bentoml
    from bentoml.exceptions import BentoMLException

    try:
        config = getattr(bentoml.get_current_service(), "config", None)
    except BentoMLException:  # no service instantiated: an ASGI test, or before start-up
        config = None
    return config if isinstance(config, ServeConfig) else ServeConfig.load()


async def index(request: Request) -> Response:
    return _file("index.html")


async def redirect(request: Request) -> Response:
    return RedirectResponse(PREFIX + "/", status_code=308, headers=SECURITY_HEADERS)


async def static(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ASSETS:
        body = {
            "error": {
                "type": "not_found",
                "message": f"expected one of the page's files ({', '.join(ASSETS)}) under {PREFIX}/; "
                f"found {name[:100]!r}",
            }
        }
        return JSONResponse(body, status_code=404, headers=SECURITY_HEADERS)
    return _file(name)


async def page_config(request: Request) -> Response:
    """What the page needs to know before the first message: whether to ask for a token, limits."""
    config = _config()
    body = {
        "token_required": config.api_token is not None,
        "max_text_chars": config.max_text_chars,
        "max_session_id_chars": config.max_session_id_chars,
    }
    return JSONResponse(body, headers=SECURITY_HEADERS)


def _file(name: str) -> Response:
    return Response(asset(name), media_type=ASSETS[name], headers=SECURITY_HEADERS)


ROUTES = [
    Route(PREFIX, redirect, methods=["GET", "HEAD"]),
    Route(PREFIX + "/", index, methods=["GET", "HEAD"]),
    Route(PREFIX + "/config.json", page_config, methods=["GET"]),
    Route(PREFIX + "/{name}", static, methods=["GET", "HEAD"]),
]
