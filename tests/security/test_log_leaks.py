"""No token and no user PII in anything a real server logs (``bentoml serve`` on loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from serving_support import Server, server_env

pytestmark = pytest.mark.slow

API_TOKEN = "tok-user-7f3a9c1e5b"
ADMIN_TOKEN = "tok-admin-2d8e4f6a0c"
WRONG_TOKEN = "tok-wrong-9b1c3e5d7f"
EMAIL = "jane.roe@example.com"
PHONE = "+44 20 7946 0958"
CARD = "4111 1111 1111 1111"
IBAN = "DE89 3704 0044 0532 0130 00"
SECRETS = [
    API_TOKEN,
    ADMIN_TOKEN,
    WRONG_TOKEN,
    EMAIL,
    "jane.roe",
    "7946 0958",
    CARD,
    "4111111111111111",
    IBAN,
]


@pytest.fixture(scope="module")
def server(
    tiny_tags: list[str], models_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    env = server_env(
        tiny_tags[0], SKILLS_API_TOKEN=API_TOKEN, SKILLS_ADMIN_TOKEN=ADMIN_TOKEN, SKILLS_DEVICE="cpu"
    )
    server = Server(env, tmp_path_factory.mktemp("logs-server"), models=models_dir).start()
    try:
        yield server
    finally:
        server.stop()


def test_tokens_and_pii_never_reach_the_logs(server: Server) -> None:
    user = {"Authorization": f"Bearer {API_TOKEN}"}
    texts = [f"my email is {EMAIL}", f"call me on {PHONE}", f"my card is {CARD}", f"send it to {IBAN}"]
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for text in texts:
            assert http.post("/parse", json={"text": text}, headers=user).status_code == 200
            assert http.post("/analyze", json={"text": text}, headers=user).status_code == 200
            assert (
                http.post("/chat", json={"session_id": EMAIL, "text": text}, headers=user).status_code == 200
            )
        assert http.get(f"/sessions/{quote(EMAIL)}", headers=user).status_code == 200
        assert http.post("/parse", json={"texts": texts}, headers=user).status_code == 200
        # refused requests carry tokens and PII too
        wrong = {"Authorization": f"Bearer {WRONG_TOKEN}"}
        assert (
            http.post("/chat", json={"session_id": EMAIL, "text": texts[2]}, headers=wrong).status_code == 401
        )
        assert http.get("/admin/models", headers=user).status_code == 403
        assert (
            http.get("/admin/models", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).status_code == 200
        )
        bad = http.post("/chat", json={"session_id": EMAIL, "text": texts[0] * 50}, headers=user)
        assert bad.status_code == 413 and EMAIL not in bad.text
        assert http.post("/parse", content=f'{{"text": "{CARD}"', headers=user).status_code == 400
        assert http.delete(f"/sessions/{quote(EMAIL)}", headers=user).status_code == 200
    server.stop()  # flush: the shutdown lines are logs too
    logs = server.logs()
    lines = [line for line in logs.splitlines() if '"skills_core.serving.access"' in line]
    assert len(lines) >= 18, logs[-2000:]  # every request was logged ...
    assert "[EMAIL]" in logs and "[CARD]" in logs  # ... with its PII masked
    leaks = [s for s in SECRETS if s in logs or s.replace(" ", "") in logs]
    assert not leaks, f"found {leaks} in the server log:\n{logs[-3000:]}"
