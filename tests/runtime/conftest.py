"""Fixtures for the runtime tests: fake models, a real redis-server, tiny trained models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from runtime_support import NO_REDIS, REDIS_BINARY, RedisServer, tiny_model_tags


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh redis-server (append-only file, so a restart keeps the data), killed afterwards."""
    if REDIS_BINARY is None:
        pytest.skip(NO_REDIS)
    server = RedisServer(tmp_path / "redis").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def tiny_tags() -> list[str]:
    """Two models of the tiny skill (seeds 0 and 1) in the test BentoML store."""
    return tiny_model_tags(2)
