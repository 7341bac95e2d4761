"""POST /analyze through the service's ASGI app: one text, a batch, and bad bodies as JSON 4xx."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from serving_support import API, drop_bentoml_metrics, server_env
from starlette.testclient import TestClient

from skills_core.serving.service import SkillsService

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(tiny_tags: list[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    values = server_env(
        tiny_tags[0],
        SKILLS_API_TOKEN=API,
        SKILLS_PLAN_DIR=str(tmp_path_factory.mktemp("plans")),
        SKILLS_DEVICE="cpu",
    )
    with pytest.MonkeyPatch.context() as mp:
        for key, value in values.items():
            mp.setenv(key, value)
        # the service configures the package's JSON logging: undo it for the tests that run later
        package = logging.getLogger("skills_core")
        saved = list(package.handlers), package.propagate, package.level
        drop_bentoml_metrics()  # another module may have built an app in this process before
        try:
            with TestClient(SkillsService.to_asgi(), raise_server_exceptions=False) as c:
                c.headers["Authorization"] = f"Bearer {API}"
                yield c
        finally:
            drop_bentoml_metrics()
            package.handlers[:], package.propagate = saved[0], saved[1]
            package.setLevel(saved[2])


def test_one_text(client: TestClient, tiny_tags: list[str]) -> None:
    r = client.post("/analyze", json={"text": "hello there, mail me at anna@example.com"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"text", "language", "pii", "masked", "analysers", "parse"}
    assert body["language"]["code"] == "en"
    assert [(p["type"], p["text"]) for p in body["pii"]] == [("email", "anna@example.com")]
    assert body["masked"] == "hello there, mail me at [EMAIL]"
    assert body["analysers"] == {}  # the tiny skill declares none
    assert body["parse"]["intent"] == "greet" and body["parse"]["model_version"] == tiny_tags[0]


def test_a_batch_answers_in_order(client: TestClient) -> None:
    r = client.post("/analyze", json={"texts": ["hello there", "bye", "Wie spät ist es bitte heute Abend?"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [b["text"] for b in body] == ["hello there", "bye", "Wie spät ist es bitte heute Abend?"]
    assert body[2]["language"]["code"] == "de"
    assert [b["parse"]["intent"] for b in body[:2]] == ["greet", "goodbye"]


@pytest.mark.parametrize(
    ("body", "status", "kind"),
    [
        ({}, 422, "invalid_request"),
        ({"text": ""}, 422, "invalid_request"),
        ({"texts": []}, 422, "invalid_request"),
        ({"text": "hi", "texts": ["hi"]}, 422, "invalid_request"),
        ({"text": "hi", "extra": 1}, 422, "invalid_request"),
        ({"texts": ["hi"] * 1000}, 413, "too_many_texts"),
    ],
)
def test_bad_bodies_are_json_errors(client: TestClient, body: dict, status: int, kind: str) -> None:
    r = client.post("/analyze", json=body)
    assert r.status_code == status
    assert r.json()["error"]["type"] == kind
    assert "expected" in r.json()["error"]["message"]


def test_the_token_is_required(client: TestClient) -> None:
    r = client.post("/analyze", json={"text": "hi"}, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401 and r.json()["error"]["type"] == "unauthorized"


def test_chat_turns_record_the_analysis(client: TestClient) -> None:
    r = client.post("/chat", json={"session_id": "analysed-1", "text": "hello there"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["analysis"]["language"]["code"] == "en"
    assert "text_analysed" in [e["type"] for e in body["events"]]
