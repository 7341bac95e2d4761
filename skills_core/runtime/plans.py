"""Model plans: which model versions should serve, stored where every worker and replica can read it.

A :class:`Plan` is the desired model state (the active tag, an optional canary with its share, the
previous tag for rollback) with a generation counter that grows on every change. It lives in a
:class:`PlanStore` shared by all serving processes: Redis when the session store is Redis
(``redis_store.RedisPlanStore``), a JSON file otherwise (:class:`FilePlanStore`), or
:class:`MemoryPlanStore` in tests. Writes are compare-and-set on the generation, so two admins changing
models at once cannot silently overwrite each other.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from skills_core.errors import ConfigError

WORKER_STALE_S = 30.0
"""A worker that has not reported for this long is left out of the status."""


@dataclass(frozen=True)
class Plan:
    """The desired model state shared by every serving process."""

    generation: int
    base: str
    """The model configured at start; a process started with another one resets the plan."""
    active: str
    canary: str | None = None
    percent: float = 0.0
    """Share of sessions (0-100) routed to the canary, chosen by a hash of the session id."""
    previous: str | None = None
    """The tag ``rollback`` restores when there is no canary."""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        try:
            return cls(
                generation=int(data["generation"]),
                base=str(data["base"]),
                active=str(data["active"]),
                canary=data.get("canary") or None,
                percent=float(data.get("percent") or 0.0),
                previous=data.get("previous") or None,
            )
        except (KeyError, TypeError, ValueError) as e:
            raise ConfigError(
                f"expected a stored model plan with generation, base and active; found {data!r} ({e}). "
                "Fix: delete the stored plan; the next server start writes a fresh one"
            ) from e

    def next(self, **changes: Any) -> Plan:
        """This plan with ``changes`` and the next generation."""
        return replace(self, generation=self.generation + 1, **changes)


@runtime_checkable
class PlanStore(Protocol):
    """Where the plan and each worker's applied state are kept."""

    def read(self) -> Plan | None: ...

    def write(self, plan: Plan, *, expected: int) -> bool:
        """Store ``plan`` if the stored generation is still ``expected`` (0: no plan yet)."""
        ...

    def report(self, worker: str, info: dict[str, Any]) -> None:
        """Record what ``worker`` serves now (with a timestamp)."""
        ...

    def workers(self) -> dict[str, dict[str, Any]]:
        """Recent reports by worker id."""
        ...


def _fresh(reports: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    now = time.time()
    return {w: r for w, r in reports.items() if now - float(r.get("at", 0)) <= WORKER_STALE_S}


class MemoryPlanStore:
    """A plan store inside one process (tests; a single worker without a shared backend)."""

    def __init__(self) -> None:
        self._plan: Plan | None = None
        self._reports: dict[str, dict[str, Any]] = {}
        self._guard = threading.Lock()

    def read(self) -> Plan | None:
        with self._guard:
            return self._plan

    def write(self, plan: Plan, *, expected: int) -> bool:
        with self._guard:
            current = self._plan.generation if self._plan else 0
            if current != expected:
                return False
            self._plan = plan
            return True

    def report(self, worker: str, info: dict[str, Any]) -> None:
        with self._guard:
            self._reports[worker] = {**info, "at": time.time()}

    def workers(self) -> dict[str, dict[str, Any]]:
        with self._guard:
            return _fresh(dict(self._reports))


class FilePlanStore:
    """A plan in a JSON file shared by the workers of one machine (``flock`` makes writes atomic)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock_path = self.path.with_suffix(".lock")
        self._workers_path = self.path.with_suffix(".workers.json")

    def _locked(self) -> _FileLock:
        return _FileLock(self._lock_path)

    def read(self) -> Plan | None:
        data = _read_json(self.path)
        return Plan.from_json(data) if data else None

    def write(self, plan: Plan, *, expected: int) -> bool:
        with self._locked():
            data = _read_json(self.path)
            current = int(data.get("generation", 0)) if data else 0
            if current != expected:
                return False
            _write_json(self.path, plan.to_json())
            return True

    def report(self, worker: str, info: dict[str, Any]) -> None:
        with self._locked():
            reports = _fresh(_read_json(self._workers_path) or {})
            reports[worker] = {**info, "at": time.time()}
            _write_json(self._workers_path, reports)

    def workers(self) -> dict[str, dict[str, Any]]:
        return _fresh(_read_json(self._workers_path) or {})


class _FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = -1

    def __enter__(self) -> None:
        import fcntl

        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *exc: object) -> None:
        import fcntl

        fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return None
    try:
        data = json.loads(text)
    except ValueError as e:
        raise ConfigError(f"expected JSON in {path}; it is damaged ({e}). Fix: delete the file") from e
    return data if isinstance(data, dict) else None


def _write_json(path: Path, data: dict[str, Any]) -> None:
    # write then rename, so a reader never sees half a file
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False))
    tmp.replace(path)
