"""Helpers of the security tests: the server limits, and every route read from the app itself."""

from __future__ import annotations

import re
from typing import Any

from skills_core.serving.gateway import DOC_PATHS, OPEN_PATHS
from skills_core.serving.ui import is_ui_path

# small limits keep generated bodies cheap; the OpenAPI document carries the same numbers
LIMITS = {
    "SKILLS_MAX_BODY_BYTES": "4096",
    "SKILLS_MAX_TEXT_CHARS": "200",
    "SKILLS_MAX_BATCH_TEXTS": "4",
    "SKILLS_MAX_SESSION_ID_CHARS": "64",
}
MAX_SESSIONS = 50

# BentoML's own pages (its index, its schema, its static files): not part of the documented API
BENTOML_OWN = frozenset({"/", "/schema.json", "/static_content"})


def all_routes(app: Any) -> list[tuple[str, str]]:
    """``(METHOD, path template)`` of every route and mount, mounted apps included (HEAD left out)."""
    found: list[tuple[str, str]] = []

    def walk(node: Any, prefix: str) -> None:
        for route in getattr(node, "routes", []):
            path = prefix + getattr(route, "path", "")
            inner = getattr(route, "app", None)
            if getattr(route, "methods", None):
                found.extend((m, path) for m in sorted(route.methods) if m != "HEAD")
            elif inner is not None and getattr(inner, "routes", None):
                walk(inner, path)
            else:
                found.append(("GET", path + "/x"))  # a mount of files

    walk(app, "")
    return found


def guarded_routes(app: Any) -> list[tuple[str, str]]:
    """Routes that need a token when one is configured (all but probes, the API document, the web page)."""
    return [
        (m, p)
        for m, p in all_routes(app)
        if p not in OPEN_PATHS and p not in DOC_PATHS and not is_ui_path(concrete(p))
    ]


def api_routes(app: Any) -> list[tuple[str, str]]:
    """The public API: the guarded routes less BentoML's own pages."""
    return [
        (m, p) for m, p in guarded_routes(app) if p not in BENTOML_OWN and not p.startswith("/static_content")
    ]


def concrete(path: str) -> str:
    """A path template with each ``{param}`` filled in with a valid value."""
    return re.sub(r"\{[^}]+\}", "s-1", path)
