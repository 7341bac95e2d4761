"""Redis session store: state as JSON with a TTL, and a per-session lock shared by all replicas.

The lock is a key set with ``SET NX PX`` holding a random token. A holder that dies stops renewing
nothing: the key expires after ``lock_timeout_s`` and the session is free again. A holder that merely
outlives its lock cannot clobber a newer turn: the save is fenced (a Lua script writes the state only
while the lock still holds our token) and otherwise raises :class:`LockLost`. Connection failures
raise :class:`StoreUnavailable` (the server answers 503 with Retry-After) and the client reconnects by
itself when Redis returns.

Keys, under ``prefix`` (default ``skills:``): ``session:<id>`` (state), ``lock:<id>``, ``sessions``
(a sorted set of session ids by expiry time, for counting active sessions), and for the model plan
``models:<namespace>:plan`` / ``models:<namespace>:workers`` (see :class:`RedisPlanStore`).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from skills_core.errors import SkillsError
from skills_core.runtime.plans import WORKER_STALE_S, Plan

# KEYS: state, lock, index; ARGV: blob, ttl_ms, token, expiry score, session id
_FENCED_SAVE = """
if redis.call('get', KEYS[2]) ~= ARGV[3] then return 0 end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('zadd', KEYS[3], ARGV[4], ARGV[5])
return 1
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
# KEYS: plan; ARGV: expected generation, new plan JSON
_PLAN_CAS = """
local current = redis.call('get', KEYS[1])
local generation = 0
if current then generation = tonumber(cjson.decode(current)['generation']) end
if generation ~= tonumber(ARGV[1]) then return 0 end
redis.call('set', KEYS[1], ARGV[2])
return 1
"""


class StoreUnavailable(SkillsError, ConnectionError):
    """The session store cannot be reached right now (or a lock could not be had); retry later."""


class LockLost(StoreUnavailable):
    """The session lock expired before the turn was saved; the turn was not saved. Retry it."""


def connect(url: str, *, socket_timeout_s: float = 2.0) -> Any:
    """A Redis client that fails fast (one immediate retry) instead of backing off for seconds."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis.from_url(
        url,
        socket_timeout=socket_timeout_s,
        socket_connect_timeout=socket_timeout_s,
        health_check_interval=10,
        retry=Retry(NoBackoff(), 1),
        retry_on_error=[redis.exceptions.ConnectionError, redis.exceptions.TimeoutError],
    )


class _Guarded:
    """Turns Redis connection errors into :class:`StoreUnavailable`."""

    def __init__(self, client: Any, url: str) -> None:
        import redis

        self.client = client
        self.url = url
        self._errors = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except self._errors as e:
            raise StoreUnavailable(
                f"expected Redis at {_safe(self.url)} to answer; it did not ({e}). Retry shortly"
            ) from e

    def ping(self) -> bool:
        try:
            return bool(self.client.ping())
        except self._errors:
            return False


class RedisStore(_Guarded):
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
        client: Any = None,
    ) -> None:
        super().__init__(
            client if client is not None else connect(url, socket_timeout_s=socket_timeout_s), url
        )
        self.ttl_s = ttl_s
        self.prefix = prefix
        self.lock_timeout_s = lock_timeout_s
        self.lock_wait_s = lock_wait_s
        self._held = threading.local()
        self._save_script = self.client.register_script(_FENCED_SAVE)
        self._release_script = self.client.register_script(_RELEASE)

    def _key(self, kind: str, session_id: str) -> str:
        return f"{self.prefix}{kind}:{session_id}"

    @property
    def _index(self) -> str:
        return f"{self.prefix}sessions"

    def _tokens(self) -> dict[str, str]:
        tokens = getattr(self._held, "tokens", None)
        if tokens is None:
            tokens = self._held.tokens = {}
        return tokens

    def load(self, session_id: str) -> dict[str, Any] | None:
        raw = self._call(self.client.get, self._key("session", session_id))
        return None if raw is None else json.loads(raw)

    def save(self, session_id: str, state: dict[str, Any]) -> None:
        blob = json.dumps(state, ensure_ascii=False)
        ttl_ms = int(self.ttl_s * 1000)
        expiry = time.time() + self.ttl_s
        token = self._tokens().get(session_id)
        if token is None:
            pipe = self.client.pipeline(transaction=True)
            pipe.set(self._key("session", session_id), blob, px=ttl_ms)
            pipe.zadd(self._index, {session_id: expiry})
            self._call(pipe.execute)
            return
        keys = [self._key("session", session_id), self._key("lock", session_id), self._index]
        saved = self._call(self._save_script, keys=keys, args=[blob, ttl_ms, token, expiry, session_id])
        if not saved:
            raise LockLost(
                f"expected to still hold the lock of session {session_id!r} when saving; it expired after "
                f"{self.lock_timeout_s}s and the turn was not saved. Fix: retry the turn, or raise lock_timeout_s"
            )

    def delete(self, session_id: str) -> bool:
        pipe = self.client.pipeline(transaction=True)
        pipe.delete(self._key("session", session_id))
        pipe.zrem(self._index, session_id)
        deleted, _ = self._call(pipe.execute)
        return bool(deleted)

    @contextmanager
    def lock(self, session_id: str) -> Iterator[None]:
        key = self._key("lock", session_id)
        token = secrets.token_hex(16)
        deadline = time.monotonic() + self.lock_wait_s
        pause = 0.002
        while not self._call(self.client.set, key, token, nx=True, px=int(self.lock_timeout_s * 1000)):
            if time.monotonic() >= deadline:
                raise StoreUnavailable(
                    f"expected to lock session {session_id!r} within {self.lock_wait_s}s; another turn holds it. "
                    "Retry"
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.05)
        tokens = self._tokens()
        tokens[session_id] = token
        try:
            yield
        finally:
            tokens.pop(session_id, None)
            with suppress(StoreUnavailable):  # Redis went away: the lock's own expiry frees it
                self._call(self._release_script, keys=[key], args=[token])

    def __len__(self) -> int:
        """Sessions saved within their TTL."""
        pipe = self.client.pipeline(transaction=True)
        pipe.zremrangebyscore(self._index, "-inf", time.time())
        pipe.zcard(self._index)
        _, count = self._call(pipe.execute)
        return int(count)

    def plans(self, namespace: str) -> RedisPlanStore:
        """The model plan store sharing this connection."""
        return RedisPlanStore(self.client, self.url, key=f"{self.prefix}models:{namespace}")


class RedisPlanStore(_Guarded):
    """The model plan as JSON under ``<key>:plan``; worker reports in the hash ``<key>:workers``."""

    def __init__(self, client: Any, url: str, *, key: str) -> None:
        super().__init__(client, url)
        self.key = key
        self._cas = self.client.register_script(_PLAN_CAS)

    def read(self) -> Plan | None:
        raw = self._call(self.client.get, f"{self.key}:plan")
        return None if raw is None else Plan.from_json(json.loads(raw))

    def write(self, plan: Plan, *, expected: int) -> bool:
        blob = json.dumps(plan.to_json())
        return bool(self._call(self._cas, keys=[f"{self.key}:plan"], args=[expected, blob]))

    def report(self, worker: str, info: dict[str, Any]) -> None:
        blob = json.dumps({**info, "at": time.time()})
        self._call(self.client.hset, f"{self.key}:workers", worker, blob)

    def workers(self) -> dict[str, dict[str, Any]]:
        raw = self._call(self.client.hgetall, f"{self.key}:workers")
        now = time.time()
        reports = {k.decode(): json.loads(v) for k, v in raw.items()}
        stale = [w for w, r in reports.items() if now - float(r.get("at", 0)) > WORKER_STALE_S]
        if stale:
            self._call(self.client.hdel, f"{self.key}:workers", *stale)
        return {w: r for w, r in reports.items() if w not in stale}


def _safe(url: str) -> str:
    """The URL without its password."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rpartition('@')[2]}"
