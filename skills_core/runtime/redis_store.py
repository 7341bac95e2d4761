"""Redis session store: state as JSON with a TTL, and a per-session lock shared by all replicas.

The lock is Redis' own (``SET NX PX`` with a token); one that outlives a crashed holder expires
after ``lock_timeout_s`` so a session is never stuck. Connection failures raise
:class:`StoreUnavailable` (the server answers 503 with Retry-After) and the client reconnects by
itself when Redis returns.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from skills_core.errors import SkillsError


class StoreUnavailable(SkillsError, ConnectionError):
    """The session store cannot be reached right now; retry later."""


class RedisStore:
    """Sessions in Redis under ``<prefix>session:<id>``, locks under ``<prefix>lock:<id>``."""

    def __init__(
        self,
        url: str,
        *,
        ttl_s: float = 86_400,
        prefix: str = "skills:",
        lock_timeout_s: float = 30.0,
        lock_wait_s: float = 10.0,
        socket_timeout_s: float = 2.0,
    ) -> None:
        import redis

        self._redis_errors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
        self.client = redis.Redis.from_url(
            url,
            socket_timeout=socket_timeout_s,
            socket_connect_timeout=socket_timeout_s,
            health_check_interval=10,
            retry_on_timeout=False,
        )
        self.url = url
        self.ttl_ms = int(ttl_s * 1000)
        self.prefix = prefix
        self.lock_timeout_s = lock_timeout_s
        self.lock_wait_s = lock_wait_s

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except self._redis_errors as e:
            raise StoreUnavailable(f"expected Redis at {self.url} to answer; it did not ({e}). Retry shortly") from e

    def load(self, session_id: str) -> dict[str, Any] | None:
        raw = self._call(self.client.get, f"{self.prefix}session:{session_id}")
        return None if raw is None else json.loads(raw)

    def save(self, session_id: str, state: dict[str, Any]) -> None:
        blob = json.dumps(state, ensure_ascii=False)
        self._call(self.client.set, f"{self.prefix}session:{session_id}", blob, px=self.ttl_ms)

    def delete(self, session_id: str) -> bool:
        return bool(self._call(self.client.delete, f"{self.prefix}session:{session_id}"))

    @contextmanager
    def lock(self, session_id: str) -> Iterator[None]:
        import redis

        lock = self.client.lock(
            f"{self.prefix}lock:{session_id}", timeout=self.lock_timeout_s, blocking_timeout=self.lock_wait_s
        )
        acquired = self._call(lock.acquire)
        if not acquired:
            raise StoreUnavailable(
                f"expected to lock session {session_id!r} within {self.lock_wait_s}s; another turn holds it. Retry"
            )
        try:
            yield
        finally:
            try:
                lock.release()
            except (redis.exceptions.LockError, *self._redis_errors):
                # expired while we held it, or Redis went away: the TTL frees it either way
                pass

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except self._redis_errors:
            return False

    def __len__(self) -> int:
        return sum(1 for _ in self._call(self.client.scan_iter, match=f"{self.prefix}session:*", count=1000))
