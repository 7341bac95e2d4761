"""Fixtures of the security tests: the service in-process (tiny model, tokens, small limits)."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# the serving and runtime tests' helpers (a real `bentoml serve`, tiny models) serve here too
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "runtime"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "serving"))
# prometheus_client's multiprocess folder must exist before it is first imported (see tests/serving)
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="skills-test-prometheus-"))

from runtime_support import tiny_model_tags
from security_support import LIMITS, MAX_SESSIONS
from serving_support import ADMIN, API, drop_bentoml_metrics, server_env
from starlette.testclient import TestClient


@pytest.fixture(scope="module")
def tiny_tags() -> list[str]:
    """One model of the tiny skill (seed 0) in the test BentoML store."""
    return tiny_model_tags(1)


@pytest.fixture(scope="module")
def models_dir(tiny_tags: list[str]) -> Path:
    return Path(os.environ["BENTOML_HOME"]) / "models"


@pytest.fixture(scope="module")
def env(tiny_tags: list[str], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """SKILLS_* of an in-process service with both tokens and a small memory store."""
    values = server_env(
        tiny_tags[0],
        SKILLS_API_TOKEN=API,
        SKILLS_ADMIN_TOKEN=ADMIN,
        SKILLS_PLAN_DIR=str(tmp_path_factory.mktemp("plans")),
        SKILLS_DEVICE="cpu",
        SKILLS_STORE_URL=f"memory://?max_sessions={MAX_SESSIONS}",
        **LIMITS,
    )
    with pytest.MonkeyPatch.context() as mp:
        for key, value in values.items():
            mp.setenv(key, value)
        yield values


@pytest.fixture(scope="module")
def app(env: dict[str, str]) -> Iterator[object]:
    """The service's whole ASGI app, built once (another test module's app may have been built before)."""
    from skills_core.serving.service import SkillsService

    drop_bentoml_metrics()
    yield SkillsService.to_asgi()
    drop_bentoml_metrics()


@pytest.fixture(scope="module")
def client(app: object) -> Iterator[TestClient]:
    """A test client of the whole app (lifespan started) carrying the user token."""
    with TestClient(app, raise_server_exceptions=False) as c:  # type: ignore[arg-type]
        c.headers["Authorization"] = f"Bearer {API}"
        yield c
