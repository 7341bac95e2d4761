"""The web chat page through the gateway and the mounted routes: open files, content types, CSP, auth."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from skills_core.serving import routes, ui
from skills_core.serving.config import ServeConfig
from skills_core.serving.gateway import Gateway

API = "page-token"
WEBCHAT = Path(ui.__file__).with_name("webchat")


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("SKILLS_API_TOKEN", API)  # config.json reads the environment without a service
    config = ServeConfig.model_validate({"api_token": API, "admin_token": "admin"})
    return TestClient(Gateway(routes.app, config=config), raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("path", "content_type", "marker"),
    [
        ("/ui/", "text/html; charset=utf-8", b'<script src="chat.js"'),
        ("/ui/index.html", "text/html; charset=utf-8", b'<link rel="stylesheet" href="chat.css">'),
        ("/ui/chat.css", "text/css; charset=utf-8", b".messages"),
        ("/ui/chat.js", "text/javascript; charset=utf-8", b"textContent"),
    ],
)
def test_page_files_are_served_without_a_token_with_a_strict_csp(
    client: TestClient, path: str, content_type: str, marker: bytes
) -> None:
    r = client.get(path)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == content_type
    assert r.headers["content-security-policy"] == ui.CSP
    assert r.headers["content-security-policy"].startswith("default-src 'self';")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-request-id"]  # went through the gateway, only without the token check
    assert marker in r.content


def test_ui_redirects_to_the_page(client: TestClient) -> None:
    r = client.get("/ui", follow_redirects=False)
    assert r.status_code == 308 and r.headers["location"] == "/ui/"


@pytest.mark.parametrize("name", ["service.py", "ui.py", "..%2Fui.py", "chat.js.map", "config.yml"])
def test_only_the_page_files_are_served(client: TestClient, name: str) -> None:
    r = client.get(f"/ui/{name}")
    assert r.status_code == 404 and r.json()["error"]["type"] == "not_found"
    assert "import" not in r.text


@pytest.mark.parametrize(("token", "required"), [(API, True), ("", False)])
def test_config_tells_the_page_whether_to_ask_for_a_token(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, token: str, required: bool
) -> None:
    monkeypatch.setenv("SKILLS_API_TOKEN", token)
    monkeypatch.setenv("SKILLS_MAX_TEXT_CHARS", "321")
    r = client.get("/ui/config.json")
    assert r.status_code == 200 and r.headers["content-security-policy"] == ui.CSP
    assert r.json() == {"token_required": required, "max_text_chars": 321, "max_session_id_chars": 128}
    assert API not in r.text


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/chat", {"session_id": "s1", "text": "hi"}),
        ("POST", "/parse", {"text": "hi"}),
        ("GET", "/sessions/s1", None),
        ("DELETE", "/sessions/s1", None),
        ("GET", "/uix", None),  # only /ui and /ui/... are open, not every path starting with "ui"
    ],
)
def test_the_api_still_needs_the_token(client: TestClient, method: str, path: str, body: object) -> None:
    r = client.request(method, path, json=body)
    assert r.status_code == 401, r.text
    assert r.json()["error"]["type"] == "unauthorized"
    assert r.headers["www-authenticate"] == "Bearer"
    wrong = client.request(method, path, json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_every_shipped_file_is_served_and_nothing_else_is_shipped() -> None:
    assert sorted(p.name for p in WEBCHAT.iterdir()) == sorted(ui.ASSETS)


@pytest.mark.parametrize("name", sorted(ui.ASSETS))
def test_the_page_makes_no_external_requests(name: str) -> None:
    text = (WEBCHAT / name).read_text()
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text, flags=re.IGNORECASE), name
    assert "@import" not in text and "url(" not in text


def test_the_page_has_no_inline_script_or_style_and_never_writes_markup() -> None:
    html = (WEBCHAT / "index.html").read_text()
    assert re.findall(r"<script[^>]*>", html) == ['<script src="chat.js" defer>']
    assert "<style" not in html and " style=" not in html and not re.search(r"\son\w+=", html)
    js = (WEBCHAT / "chat.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in js, sink
