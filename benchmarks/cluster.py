"""Real processes for the reliability benchmark: a redis-server and ``bentoml serve`` replicas.

Reuses the test helpers (``tests/runtime/runtime_support.py``: ``RedisServer``;
``tests/serving/serving_support.py``: ``Server``), so the benchmark and the slow tests start the very
same processes. Also makes stored model copies: an intact one (a second tag to swap to) and a
corrupt one (its weights overwritten).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for _helpers in ("tests/runtime", "tests/serving"):
    if str(ROOT / _helpers) not in sys.path:
        sys.path.insert(0, str(ROOT / _helpers))

from runtime_support import RedisServer  # noqa: E402
from serving_support import ADMIN, Server  # noqa: E402

__all__ = ["ADMIN", "Cluster", "RedisServer", "Server", "copy_model", "start_cluster"]


@dataclass
class Cluster:
    """A redis-server (optional) and server replicas of one skill sharing it."""

    servers: list[Server]
    redis: RedisServer | None
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)
    models: Path = Path()

    @property
    def urls(self) -> list[str]:
        return [s.url for s in self.servers]

    def rss_mb(self, index: int = 0) -> float:
        """Resident memory of server ``index`` with all its worker processes."""
        import psutil

        proc = self.servers[index].proc
        if proc is None:
            return 0.0
        root = psutil.Process(proc.pid)
        procs = [root, *root.children(recursive=True)]
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return round(total / 2**20, 1)

    def kill(self, index: int, *, supervisor_only: bool = False, wait_s: float = 30.0) -> int:
        """SIGKILL server ``index`` (no graceful shutdown); returns how many of its workers outlived it.

        By default the supervisor and every worker die at once, like a container or VM going away.
        With ``supervisor_only`` just the ``bentoml serve`` process is killed (a crash, the OOM
        killer): BentoML starts each worker in a session of its own, so the workers must notice and
        stop by themselves (:mod:`skills_core.serving.watchdog`); they get ``wait_s`` to do so.
        """
        import psutil

        server = self.servers[index]
        if server.proc is None:
            return 0
        root = psutil.Process(server.proc.pid)
        workers = root.children(recursive=True)
        for proc in [root] if supervisor_only else [root, *workers]:
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.proc.wait(timeout=10)
        server.proc = None
        _, alive = psutil.wait_procs(workers, timeout=wait_s)
        for proc in alive:  # leave no orphan behind, whatever the outcome
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
        return len(alive)

    def restart(self, index: int) -> None:
        """Start a fresh server in place of server ``index`` (a new port)."""
        old = self.servers[index]
        old.stop()
        self.servers[index] = Server(self.env, old.workdir, models=self.models).start()

    def tracebacks(self) -> int:
        """Python tracebacks written to the servers' logs so far."""
        return sum(s.logs().count("Traceback (most recent call last)") for s in self.servers)

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        if self.redis is not None:
            self.redis.stop()


def start_cluster(
    *,
    skill: Path,
    tag: str,
    servers: int,
    workdir: Path,
    models: Path,
    redis: bool = True,
    store_query: str = "",
    extra_env: dict[str, str] | None = None,
) -> Cluster:
    """Start a redis-server (append-only) and ``servers`` replicas in parallel; ready when returned."""
    workdir.mkdir(parents=True, exist_ok=True)
    store = RedisServer(workdir / "redis").start() if redis else None
    env = {
        "SKILLS_SKILL": str(skill),
        "SKILLS_MODEL": tag,
        "SKILLS_STORE_URL": (store.url + store_query) if store else "memory://",
        "SKILLS_ADMIN_TOKEN": ADMIN,
        "SKILLS_TORCH_THREADS": "1",
        "SKILLS_MODEL_CHECK_S": "0.5",
        "SKILLS_RETRY_AFTER_S": "1",
        "SKILLS_LOG_LEVEL": "INFO",
        **(extra_env or {}),
    }
    if not store:
        env["SKILLS_PLAN_DIR"] = str(workdir / "plans")
    made = [Server(env, workdir / f"server-{i}", models=models) for i in range(servers)]
    try:
        with ThreadPoolExecutor(max_workers=servers) as pool:
            list(pool.map(lambda s: s.start(), made))
    except BaseException:
        for server in made:
            server.stop()
        if store is not None:
            store.stop()
        raise
    return Cluster(servers=made, redis=store, workdir=workdir, env=env, models=models)


def copy_model(tag: str, *, corrupt: bool = False) -> str:
    """A new version of stored model ``tag`` with the same files; ``corrupt`` overwrites its weights.

    Returns the new tag. The copy lives in the current BentoML home's model store.
    """
    import bentoml

    model = bentoml.models.get(tag)
    source = Path(model.path)
    version = ("corrupt" if corrupt else "copy") + secrets.token_hex(6)
    target = source.parent / version
    shutil.copytree(source, target)
    new_tag = f"{model.tag.name}:{version}"
    meta = target / "model.yaml"
    meta.write_text(meta.read_text().replace(f"version: {model.tag.version}", f"version: {version}"))
    nlu = target / "nlu.json"
    if nlu.is_file():  # the version every parse reports
        data = json.loads(nlu.read_text())
        data["version"] = new_tag
        nlu.write_text(json.dumps(data, indent=2, ensure_ascii=False))
    if corrupt:
        weights = target / "heads.safetensors"
        weights.write_bytes(b"\x00garbage" * (weights.stat().st_size // 8 or 1))
    return new_tag


def remove_model(tag: str) -> None:
    """Delete a stored model made by :func:`copy_model`."""
    import bentoml

    shutil.rmtree(bentoml.models.get(tag).path, ignore_errors=True)
