"""Session stores: where each conversation's event log lives between turns.

A store is chosen by URL: ``memory://`` (default, this process only) or ``redis://host:port/db``
(shared by replicas; see ``redis_store``). Both keep the state as JSON, never pickled.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import parse_qs, urlparse

from skills_core.errors import ConfigError
from skills_core.runtime.plans import FilePlanStore, PlanStore


@runtime_checkable
class SessionStore(Protocol):
    """Load, save and lock a session's state (a JSON-serialisable dict)."""

    def load(self, session_id: str) -> dict[str, Any] | None: ...

    def save(self, session_id: str, state: dict[str, Any]) -> None: ...

    def delete(self, session_id: str) -> bool: ...

    def lock(self, session_id: str) -> Any:
        """A context manager that serialises turns of one session."""
        ...

    def ping(self) -> bool: ...

    def __len__(self) -> int: ...


class MemoryStore:
    """In-process LRU store with a size bound and a time-to-live per session."""

    def __init__(self, *, max_sessions: int = 10_000, ttl_s: float = 24 * 3600) -> None:
        if max_sessions < 1 or ttl_s <= 0:
            raise ConfigError(
                f"expected max_sessions >= 1 and ttl_s > 0; found {max_sessions} and {ttl_s}. Fix the store URL"
            )
        self.max_sessions = max_sessions
        self.ttl_s = ttl_s
        self._data: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._guard = threading.Lock()
        # a session's lock exists only while a turn holds or waits for it: [lock, holders and waiters]
        self._locks: dict[str, list[Any]] = {}

    def load(self, session_id: str) -> dict[str, Any] | None:
        with self._guard:
            item = self._data.get(session_id)
            if item is None:
                return None
            if time.monotonic() - item[0] > self.ttl_s:
                del self._data[session_id]
                return None
            self._data.move_to_end(session_id)
            return json.loads(item[1])

    def save(self, session_id: str, state: dict[str, Any]) -> None:
        blob = json.dumps(state, ensure_ascii=False)
        with self._guard:
            self._data[session_id] = (time.monotonic(), blob)
            self._data.move_to_end(session_id)
            while len(self._data) > self.max_sessions:
                self._data.popitem(last=False)

    def delete(self, session_id: str) -> bool:
        with self._guard:
            return self._data.pop(session_id, None) is not None

    @contextmanager
    def lock(self, session_id: str) -> Iterator[None]:
        with self._guard:
            entry = self._locks.setdefault(session_id, [threading.Lock(), 0])
            entry[1] += 1
        try:
            with entry[0]:
                yield
        finally:
            with self._guard:  # dropped with its last user, so locks never outnumber running turns
                entry[1] -= 1
                if entry[1] == 0:
                    del self._locks[session_id]

    def ping(self) -> bool:
        return True

    def __len__(self) -> int:
        with self._guard:
            return len(self._data)


def store_from_url(url: str = "memory://") -> SessionStore:
    """A session store from its URL.

    ``memory://?max_sessions=10000&ttl_s=86400`` or
    ``redis://[:password@]host:port/db?ttl_s=86400&prefix=skills:&lock_timeout_s=30&lock_wait_s=10``.
    """
    parsed = urlparse(url)
    query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
    try:
        if parsed.scheme == "memory":
            return MemoryStore(
                max_sessions=int(query.get("max_sessions", 10_000)), ttl_s=float(query.get("ttl_s", 86_400))
            )
        if parsed.scheme in ("redis", "rediss"):
            from skills_core.runtime.redis_store import RedisStore

            return RedisStore(
                url.split("?")[0],
                ttl_s=float(query.get("ttl_s", 86_400)),
                prefix=query.get("prefix", "skills:"),
                lock_timeout_s=float(query.get("lock_timeout_s", 30)),
                lock_wait_s=float(query.get("lock_wait_s", 10)),
            )
    except ValueError as e:
        raise ConfigError(f"expected numeric store options in {url!r}; {e}. Fix the store URL") from e
    raise ConfigError(
        f"expected a session store URL starting with memory:// or redis://; found {url!r}. "
        "Fix: set SKILLS_STORE_URL to e.g. memory:// or redis://localhost:6379/0"
    )


def plan_store_for(store: SessionStore, *, namespace: str, directory: str | Path) -> PlanStore:
    """Where the model plan lives: beside the sessions in Redis, else a JSON file in ``directory``."""
    from skills_core.runtime.redis_store import RedisStore

    if isinstance(store, RedisStore):
        return store.plans(namespace)
    return FilePlanStore(Path(directory) / f"{namespace}.plan.json")
