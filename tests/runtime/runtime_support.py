"""Helpers shared by the runtime and serving tests: a real redis-server, tiny trained models, fakes."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from skills_core.spec.types import IntentScore, Parse

DATA = Path(__file__).resolve().parent.parent / "data"
TINY = DATA / "tiny_skill"
REDIS_BINARY = shutil.which("redis-server")
NO_REDIS = "redis-server is not installed (Debian: apt-get install redis-server); CI installs it"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(
    check: Callable[[], object], *, timeout_s: float, interval_s: float = 0.05, what: str = "condition"
) -> None:
    """Poll ``check()`` until it is truthy; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:  # not up yet
            pass
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")


class RedisServer:
    """A redis-server on a free loopback port, stoppable and restartable on the same port and data."""

    def __init__(self, workdir: Path, *, persist: bool = True) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.persist = persist
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        assert REDIS_BINARY is not None, NO_REDIS
        args = [
            REDIS_BINARY,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(self.workdir),
        ]
        args += ["--appendonly", "yes", "--appendfsync", "always"] if self.persist else ["--appendonly", "no"]
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(self._answers, timeout_s=15, what=f"redis-server on port {self.port}")
        return self

    def _answers(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self.proc = None


def tiny_model_tags(count: int = 2) -> list[str]:
    """Tags of ``count`` tiny-skill models (seeds 0..count-1) in the BentoML store, trained when missing."""
    import bentoml
    from bentoml.exceptions import NotFound

    from skills_core.nlu.store import model_name, save_to_store
    from skills_core.nlu.train import config_for, skill_hash, train_nlu
    from skills_core.spec.loader import load_skill

    skill = load_skill(TINY)
    try:
        stored = bentoml.models.list(model_name(skill.name))
    except NotFound:
        stored = []
    by_seed = {m.info.labels.get("test_seed"): str(m.tag) for m in stored}
    for seed in range(count):
        if str(seed) not in by_seed:
            nlu, _ = train_nlu(skill, config=config_for(skill, epochs=2, seed=seed, progress=False))
            labels = {
                "skill": skill.name,
                "skill_hash": skill_hash(skill),
                "mode": "fast",
                "test_seed": str(seed),
            }
            by_seed[str(seed)] = save_to_store(nlu, labels=labels)
    return [by_seed[str(seed)] for seed in range(count)]


class FakeModel:
    """A keyword 'NLU' for registry and agent tests: fast, deterministic, versioned."""

    KEYWORDS: ClassVar[dict[str, str]] = {
        "hi": "greet",
        "hello": "greet",
        "balance": "check_balance",
        "send": "transfer_money",
        "bye": "goodbye",
    }

    def __init__(self, version: str) -> None:
        self.version = version
        self.batches: list[list[str]] = []

    def parse_batch(self, texts: list[str]) -> list[Parse]:
        self.batches.append(list(texts))
        return [self._parse(t) for t in texts]

    def parse(self, text: str) -> Parse:
        return self.parse_batch([text])[0]

    def _parse(self, text: str) -> Parse:
        intent = next((i for k, i in self.KEYWORDS.items() if k in text.lower()), "greet")
        return Parse(
            text=text,
            intent=intent,
            confidence=0.99,
            ranking=[IntentScore(name=intent, confidence=0.99)],
            model_version=self.version,
        )
