"""A real ``bentoml serve`` process on a free loopback port, and a bounded load generator."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from runtime_support import TINY, free_port, wait_for

if TYPE_CHECKING:
    from starlette.testclient import TestClient

ADMIN = "admin-secret"
API = "api-secret"
ROOT = Path(__file__).resolve().parents[2]
BENTOML = Path(sys.executable).with_name("bentoml")


def server_env(tag: str, **extra: str) -> dict[str, str]:
    """SKILLS_* variables for a server of the tiny skill starting from ``tag``."""
    return {"SKILLS_SKILL": str(TINY), "SKILLS_MODEL": tag, "SKILLS_LOG_LEVEL": "INFO", **extra}


class Server:
    """``bentoml serve service:SkillsService`` with ``env``; its own BentoML home sharing the model store."""

    def __init__(self, env: dict[str, str], workdir: Path, *, models: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        home = workdir / "bentoml"
        home.mkdir(parents=True, exist_ok=True)
        if not (home / "models").exists():
            (home / "models").symlink_to(models, target_is_directory=True)
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("SKILLS_", "PROMETHEUS_"))}
        self.env = {
            **keep,
            "BENTOML_HOME": str(home),
            "HF_HUB_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
        }
        self.env.update(env)
        self.log = workdir / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, timeout_s: float = 240) -> Server:
        cmd = [
            str(BENTOML),
            "serve",
            "service:SkillsService",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            wait_for(
                self._ready, timeout_s=timeout_s, interval_s=0.5, what=f"the server on {self.url} to be ready"
            )
        except AssertionError:
            self.stop()
            raise AssertionError(
                f"server did not become ready; its log:\n{self.log.read_text()[-4000:]}"
            ) from None
        return self

    def _ready(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(
                f"server exited with {self.proc.returncode}:\n{self.log.read_text()[-4000:]}"
            )
        return httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        """SIGTERM the server's process group (the server and its workers), SIGKILL if it lingers."""
        if self.proc is None:
            return
        pgid = self.proc.pid  # start_new_session: the group id is the server's pid
        if self.proc.poll() is None:
            os.killpg(pgid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(pgid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):  # workers that outlived the supervisor
            os.killpg(pgid, signal.SIGKILL)
        self.proc = None

    def logs(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class LoadResult:
    statuses: Counter[int] = field(default_factory=Counter)
    versions: Counter[str] = field(default_factory=Counter)
    by_session: dict[str, set[str]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.statuses.values())


async def load(
    url: str,
    *,
    clients: int,
    requests_per_client: int,
    body: Callable[[int, int], tuple[str, dict[str, Any]]],
    headers: dict[str, str] | None = None,
    deadline_s: float = 120,
) -> LoadResult:
    """``clients`` concurrent loops of ``requests_per_client`` requests (bounded in count and time)."""
    result = LoadResult()
    stop_at = time.monotonic() + deadline_s

    async def client(c: int, http: httpx.AsyncClient) -> None:
        for i in range(requests_per_client):
            if time.monotonic() > stop_at:
                result.failures.append("deadline reached")
                return
            path, payload = body(c, i)
            try:
                r = await http.post(url + path, json=payload, headers=headers)
            except httpx.HTTPError as e:
                result.failures.append(f"{type(e).__name__}: {e}")
                continue
            result.statuses[r.status_code] += 1
            if r.status_code != 200:
                result.failures.append(f"{r.status_code}: {r.text[:200]}")
                continue
            data = r.json()
            parse = data.get("parse", data) if isinstance(data, dict) else data[0]
            version = str(parse.get("model_version"))
            result.versions[version] += 1
            session = payload.get("session_id")
            if session:
                result.by_session.setdefault(session, set()).add(version)

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=60, limits=limits) as http:
        await asyncio.gather(*(client(c, http) for c in range(clients)))
    return result


def drop_bentoml_metrics() -> None:
    """Unregister BentoML's request metrics: it registers them once per app built in this process."""
    from prometheus_client import REGISTRY

    for collector, names in list(REGISTRY._collector_to_names.items()):
        if any(name.startswith("bentoml_") for name in names):
            REGISTRY.unregister(collector)


@contextmanager
def in_process_client(env: dict[str, str], *, token: str = API) -> Iterator[TestClient]:
    """The whole service app in-process (lifespan started) under ``env``, carrying ``token``.

    BentoML's request metrics are unregistered around it (it registers them once per app built in a
    process) and the package's logging, which the service configures, is put back afterwards.
    """
    from starlette.testclient import TestClient

    from skills_core.serving.service import SkillsService

    package = logging.getLogger("skills_core")
    saved = list(package.handlers), package.propagate, package.level
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        drop_bentoml_metrics()
        try:
            with TestClient(SkillsService.to_asgi(), raise_server_exceptions=False) as client:
                client.headers["Authorization"] = f"Bearer {token}"
                yield client
        finally:
            drop_bentoml_metrics()
            package.handlers[:], package.propagate = saved[0], saved[1]
            package.setLevel(saved[2])
