"""Fixtures for the serving tests: tiny trained models, a real redis-server, servers' environments."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# the runtime tests' helpers (redis-server, tiny models) serve here too
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "runtime"))
# BentoML's /metrics reads prometheus_client's multiprocess files; the in-process tests need a folder
# for them before prometheus_client is first imported (it is imported lazily by the service).
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="skills-test-prometheus-"))

from runtime_support import NO_REDIS, REDIS_BINARY, RedisServer, tiny_model_tags
from serving_support import API, in_process_client, server_env
from starlette.testclient import TestClient


@pytest.fixture(scope="session")
def tiny_tags() -> list[str]:
    """Two models of the tiny skill (seeds 0 and 1) in the test BentoML store."""
    return tiny_model_tags(2)


@pytest.fixture(scope="session")
def models_dir(tiny_tags: list[str]) -> Path:
    return Path(os.environ["BENTOML_HOME"]) / "models"


@pytest.fixture(scope="module")
def redis_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One redis-server for a test module (append-only, so a restart keeps the data)."""
    if REDIS_BINARY is None:
        pytest.skip(NO_REDIS)
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def client(tiny_tags: list[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The whole service in-process on the first tiny model, carrying the user token (modules may override)."""
    values = server_env(
        tiny_tags[0],
        SKILLS_API_TOKEN=API,
        SKILLS_PLAN_DIR=str(tmp_path_factory.mktemp("plans")),
        SKILLS_DEVICE="cpu",
    )
    with in_process_client(values) as c:
        yield c
