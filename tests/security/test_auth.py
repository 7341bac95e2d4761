"""Auth with tokens configured: every route read from the app is refused without a valid token."""

from __future__ import annotations

import hmac
from typing import Any

import pytest
from security_support import concrete, guarded_routes
from serving_support import ADMIN, API
from starlette.testclient import TestClient

pytestmark = pytest.mark.slow

NO_TOKEN: list[dict[str, str]] = [
    {"Authorization": ""},
    {"Authorization": "Bearer"},
    {"Authorization": "Bearer "},
    {"Authorization": f"Basic {API}"},
    {"Authorization": f"Token {API}"},
    {"Authorization": f"Bearer {API}x"},
    {"Authorization": f"Bearer {API[:-1]}"},
    {"Authorization": f"Bearer {API.upper()}"},
    {"Authorization": "Bearer wrong-token-of-any-length"},
]


def call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> Any:
    body = {"json": {"session_id": "s-1", "text": "hi"}} if method == "POST" else {}
    return client.request(method, concrete(path), headers=headers, **body)


def assert_error(response: Any, status: int, kind: str) -> None:
    assert response.status_code == status, (response.status_code, response.text)
    error = response.json()["error"]
    assert error["type"] == kind and error["message"].startswith("expected"), error


def test_the_route_list_covers_the_api(app: Any) -> None:
    routes = set(guarded_routes(app))
    expected = {("POST", "/parse"), ("POST", "/chat"), ("GET", "/sessions/{session_id}")}
    expected |= {
        ("DELETE", "/sessions/{session_id}"),
        ("GET", "/admin/models"),
        ("POST", "/admin/models/swap"),
    }
    assert expected <= routes, routes


@pytest.mark.parametrize("headers", NO_TOKEN, ids=range(len(NO_TOKEN)))
def test_every_route_is_refused_without_a_valid_token(
    app: Any, client: TestClient, headers: dict[str, str]
) -> None:
    for method, path in guarded_routes(app):
        response = call(client, method, path, headers)
        assert_error(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == "Bearer"
        assert API not in response.text and ADMIN not in response.text


def test_admin_routes_are_forbidden_with_the_user_token(app: Any, client: TestClient) -> None:
    admin = [(m, p) for m, p in guarded_routes(app) if p.startswith("/admin")]
    assert len(admin) >= 5
    for method, path in admin:
        assert_error(call(client, method, path, {"Authorization": f"Bearer {API}"}), 403, "forbidden")
    assert client.get("/admin/models", headers={"Authorization": f"Bearer {ADMIN}"}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "//admin/models",
        "/admin//models",
        "/%61dmin/models",
        "/ADMIN/models",
        "/Admin/models",
        "/admin/models/",
        "/sessions/..%2F..%2Fadmin%2Fmodels",
        "/./admin/models",
        "/admin/models%00",
        "/admin/models;x=1",
    ],
)
def test_path_tricks_never_reach_admin_with_the_user_token(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Authorization": f"Bearer {API}"})
    assert response.status_code in (403, 404, 405, 422), (path, response.status_code, response.text)
    assert response.json()["error"]["message"].startswith("expected")
    assert "plan" not in response.json()  # never the admin status document


def test_tokens_are_compared_in_constant_time(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert client.post("/parse", json={"text": "hi"}).status_code == 200
    assert (API.encode(), API.encode()) in calls
    calls.clear()
    wrong = "x" * len(API)
    r = client.post("/parse", json={"text": "hi"}, headers={"Authorization": f"Bearer {wrong}"})
    assert r.status_code == 401 and (wrong.encode(), API.encode()) in calls
    calls.clear()
    r = client.get("/admin/models", headers={"Authorization": f"Bearer {ADMIN}"})
    assert r.status_code == 200 and (ADMIN.encode(), ADMIN.encode()) in calls
