"""Fixtures for the reliability tests: a Redis-backed cluster of two tiny-skill servers, and a server
of the faulty test skill. The scenarios themselves live in ``benchmarks/`` (the benchmark runs them
with realistic numbers)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
for helpers in ("tests/runtime", "tests/serving"):
    if str(ROOT / helpers) not in sys.path:
        sys.path.insert(0, str(ROOT / helpers))

from runtime_support import NO_REDIS, REDIS_BINARY, TINY, tiny_model_tags  # noqa: E402

from benchmarks.cluster import Cluster, start_cluster  # noqa: E402
from benchmarks.reliability import FAULTY_SKILL, model_for  # noqa: E402

# a short session lock expiry: a turn in flight on a killed server frees its session sooner
STORE_QUERY = "?lock_timeout_s=10&lock_wait_s=5"


@pytest.fixture(scope="session")
def models_dir() -> Path:
    return Path(os.environ["BENTOML_HOME"]) / "models"


@pytest.fixture
def cluster(running_cluster: Cluster) -> Cluster:
    """The shared cluster with every server up (one killed by an earlier test is started again)."""
    for i, server in enumerate(running_cluster.servers):
        if not server.alive():
            running_cluster.restart(i)
    return running_cluster


@pytest.fixture(scope="session")
def running_cluster(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> Iterator[Cluster]:
    """A redis-server (append-only) and two servers of the tiny skill sharing it."""
    if REDIS_BINARY is None:
        pytest.skip(NO_REDIS)
    tag = tiny_model_tags(1)[0]
    started = start_cluster(
        skill=TINY,
        tag=tag,
        servers=2,
        workdir=tmp_path_factory.mktemp("cluster"),
        models=models_dir,
        store_query=STORE_QUERY,
    )
    try:
        yield started
    finally:
        started.close()


@pytest.fixture(scope="session")
def faulty_cluster(tmp_path_factory: pytest.TempPathFactory, models_dir: Path) -> Iterator[Cluster]:
    """One server of the faulty skill (an action that raises, one that hangs) on its own Redis."""
    if REDIS_BINARY is None:
        pytest.skip(NO_REDIS)
    _, tag = model_for(FAULTY_SKILL, None)  # trains the small skill once (seconds)
    started = start_cluster(
        skill=FAULTY_SKILL,
        tag=tag,
        servers=1,
        workdir=tmp_path_factory.mktemp("faulty"),
        models=models_dir,
        store_query=STORE_QUERY,
    )
    try:
        yield started
    finally:
        started.close()
