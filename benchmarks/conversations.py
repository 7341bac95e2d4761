"""Scripted conversations over HTTP against one or more servers: retries, event-log checks, latency.

A simulated user runs a fixed 5-turn conversation; turn ``k`` of user ``u`` goes to server
``(u + k) % n`` so that every conversation hops between the servers. A failed attempt (503, a broken
connection, a timeout) is retried on the next server after its Retry-After; before resending, the
client reads the stored session to see whether the failed attempt was in fact applied (a server killed
after saving, an answer lost on the way), so a retry never says the same thing twice.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

PAYEES = ("Anna", "Maria", "John", "Emma", "Peter", "Tom")
AMOUNTS = (20, 75, 120, 300, 45, 60, 250)
TINY_PAYEES = (("anna", "Anna"), ("bob", "Bob"), ("mum", "Mum"))
TINY_AMOUNTS = (20, 50, 75)
MAX_RETRY_AFTER_S = 5.0


@dataclass(frozen=True)
class Conversation:
    """One user's script and the state its session must end in."""

    session_id: str
    texts: tuple[str, ...]
    flow: str | None
    slots: dict[str, Any] = field(default_factory=dict)


def bank_en_conversation(user: int, *, prefix: str) -> Conversation:
    """Greet, start a transfer, give amount, payee and account; the confirmation is left pending."""
    payee, amount = PAYEES[user % len(PAYEES)], AMOUNTS[(user // len(PAYEES)) % len(AMOUNTS)]
    texts = ("hi", "I'd like to transfer some money", f"{amount} dollars", f"to {payee}", "savings")
    slots = {"amount": amount, "recipient": payee, "from_account": "savings"}
    return Conversation(f"{prefix}-{user}", texts, "transfer_money", slots)


def tiny_conversation(user: int, *, prefix: str) -> Conversation:
    """The tiny test skill: greet, transfer, amount, payee, a greeting while the confirmation waits."""
    word, payee = TINY_PAYEES[user % len(TINY_PAYEES)]
    amount = TINY_AMOUNTS[(user // len(TINY_PAYEES)) % len(TINY_AMOUNTS)]
    texts = ("hello there", "transfer money", f"{amount} dollars", f"to {word}", "good morning")
    return Conversation(f"{prefix}-{user}", texts, "transfer_money", {"amount": amount, "recipient": payee})


def faulty_conversation(user: int, *, prefix: str) -> Conversation:
    """The faulty test skill: an action that raises, one that hangs, then one that works."""
    texts = ("hi", "order a statement", "report fraud", "what is my balance", "hey")
    return Conversation(f"{prefix}-{user}", texts, None, {"balance": "100.00 EUR"})


SCRIPTS: dict[str, Callable[..., Conversation]] = {
    "bank_en": bank_en_conversation,
    "tiny_bank": tiny_conversation,
    "faulty_bank": faulty_conversation,
}


def state_problem(conv: Conversation, state: dict[str, Any]) -> str | None:
    """What is wrong with a session's final state, or None."""
    if state.get("active_flow") != conv.flow:
        return f"{conv.session_id}: active flow {state.get('active_flow')!r}, expected {conv.flow!r}"
    if state.get("turn") != len(conv.texts):
        return f"{conv.session_id}: turn {state.get('turn')}, expected {len(conv.texts)}"
    slots = state.get("slots", {})
    for name, want in conv.slots.items():
        got = slots.get(name)
        if isinstance(got, dict) and "amount" in got:
            got = got["amount"]
        if got != want:
            return f"{conv.session_id}: slot {name}={got!r}, expected {want!r}"
    return None


@dataclass
class Tally:
    """What the clients saw: every attempt's outcome, latencies of completed turns, failures."""

    started: float = field(default_factory=time.perf_counter)
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (finished at, seconds)
    attempts: Counter[str] = field(default_factory=Counter)
    versions: Counter[str] = field(default_factory=Counter)
    missing_retry_after: int = 0
    retries: int = 0
    already_applied: int = 0
    turns: int = 0
    failed: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


TurnCheck = Callable[[Conversation, int, dict[str, Any], float], str | None]


class Client:
    """Sends turns to ``urls`` with retries across them; records everything in ``tally``."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        urls: list[str],
        *,
        tally: Tally,
        retry_for_s: float = 90.0,
        check: TurnCheck | None = None,
    ) -> None:
        self.http = http
        self.urls = urls
        self.tally = tally
        self.retry_for_s = retry_for_s
        self.check = check

    async def conversation(self, conv: Conversation, *, first_server: int) -> None:
        for k, text in enumerate(conv.texts):
            if await self.turn(conv, k, text, server=first_server + k) is None:
                return  # the turn failed for good: the rest of the script would not make sense

    async def turn(self, conv: Conversation, k: int, text: str, *, server: int) -> dict[str, Any] | None:
        """Run turn ``k`` (0-based) until it is applied exactly once; None when it never was."""
        tally, deadline, index = self.tally, time.monotonic() + self.retry_for_s, server
        while True:
            t0 = time.perf_counter()
            try:
                r = await self.http.post(
                    f"{self.urls[index % len(self.urls)]}/chat",
                    # the turn's id makes a retry of an applied turn answer from the log (replayed)
                    json={"session_id": conv.session_id, "text": text, "turn_id": f"turn-{k + 1}"},
                )
                outcome = str(r.status_code)
            except httpx.TransportError as e:
                r, outcome = None, type(e).__name__
            tally.attempts[outcome] += 1
            if r is not None and r.status_code == 200:
                body = r.json()
                if body.get("replayed"):  # an earlier attempt of this turn was applied after all
                    tally.already_applied += 1
                return self._done(conv, k, body, time.perf_counter() - t0)
            if r is not None and 400 <= r.status_code < 500 and r.status_code != 429:
                tally.failed.append(f"{conv.session_id} turn {k + 1}: {r.status_code} {r.text[:200]}")
                return None
            wait = 0.2
            if r is not None and r.status_code == 503:
                if "retry-after" in r.headers:
                    wait = min(float(r.headers["retry-after"]), MAX_RETRY_AFTER_S)
                else:
                    tally.missing_retry_after += 1
            if time.monotonic() + wait > deadline:
                tally.failed.append(f"{conv.session_id} turn {k + 1}: gave up after {outcome}")
                return None
            await asyncio.sleep(wait)
            tally.retries += 1
            index += 1  # the next attempt goes to the other server
            stored = await self.stored(conv.session_id, server=index, deadline=deadline)
            if stored is False:
                tally.failed.append(f"{conv.session_id} turn {k + 1}: the session could not be read back")
                return None
            said = user_texts(stored) if stored else []
            if len(said) > k:  # the failed attempt was applied after all
                tally.already_applied += 1
                return self._done(conv, k, {"state": stored["state"], "reconciled": True}, None)

    def _done(
        self, conv: Conversation, k: int, body: dict[str, Any], seconds: float | None
    ) -> dict[str, Any]:
        tally = self.tally
        tally.turns += 1
        if seconds is not None:
            tally.latencies.append((time.perf_counter() - tally.started, seconds))
            version = body.get("parse", {}).get("model_version")
            if version:
                tally.versions[str(version)] += 1
        if body["state"].get("turn") != k + 1:
            tally.problems.append(
                f"{conv.session_id}: turn {k + 1} answered with turn number {body['state'].get('turn')}"
            )
        if self.check is not None:
            problem = self.check(conv, k, body, seconds or 0.0)
            if problem:
                tally.problems.append(problem)
        return body

    async def stored(self, session_id: str, *, server: int, deadline: float) -> dict[str, Any] | bool | None:
        """The stored session (None when there is none yet), retried across servers; False at the deadline."""
        index = server
        while time.monotonic() < deadline:
            try:
                r = await self.http.get(f"{self.urls[index % len(self.urls)]}/sessions/{session_id}")
                if r.status_code == 200:
                    data: dict[str, Any] = r.json()
                    return data
                if r.status_code == 404:
                    return None
                wait = min(float(r.headers.get("retry-after", 0.2)), MAX_RETRY_AFTER_S)
            except httpx.TransportError:
                wait = 0.2
            index += 1
            await asyncio.sleep(wait)
        return False


def user_texts(session: dict[str, Any]) -> list[str]:
    return [e["parse"]["text"] for e in session.get("events", []) if e.get("type") == "user_uttered"]


async def run_pool(
    items: Iterable[Any], worker: Callable[[Any], Awaitable[None]], *, concurrency: int
) -> None:
    """Run ``worker(item)`` for every item with at most ``concurrency`` at a time."""
    iterator = iter(items)

    async def loop() -> None:
        for item in iterator:
            await worker(item)

    await asyncio.gather(*(loop() for _ in range(concurrency)))


async def drive(client: Client, convs: Iterable[Conversation], *, concurrency: int) -> list[Conversation]:
    """Run ``convs`` with ``concurrency`` users at a time, each hopping across the servers."""
    done: list[Conversation] = []

    async def one(pair: tuple[int, Conversation]) -> None:
        user, conv = pair
        await client.conversation(conv, first_server=user)
        done.append(conv)

    await run_pool(enumerate(convs), one, concurrency=concurrency)
    return done


async def verify(client: Client, convs: list[Conversation], *, concurrency: int = 16) -> dict[str, Any]:
    """Read every session back: each user text stored exactly once, in order, and the expected state."""
    lost: list[str] = []
    duplicated: list[str] = []
    wrong: list[str] = []

    async def one(conv: Conversation) -> None:
        data = await client.stored(conv.session_id, server=0, deadline=time.monotonic() + 60)
        if not data:
            lost.append(f"{conv.session_id}: no stored session")
            return
        said = user_texts(data)
        missing = Counter(conv.texts) - Counter(said)
        extra = Counter(said) - Counter(conv.texts)
        if missing:
            lost.append(f"{conv.session_id}: missing {sorted(missing.elements())}")
        if extra:
            duplicated.append(f"{conv.session_id}: extra {sorted(extra.elements())}")
        if not missing and not extra and said != list(conv.texts):
            wrong.append(f"{conv.session_id}: turns out of order {said}")
        problem = state_problem(conv, data["state"])
        if problem:
            wrong.append(problem)

    await run_pool(convs, one, concurrency=concurrency)
    return {
        "sessions": len(convs),
        "lost": len(lost),
        "duplicated": len(duplicated),
        "wrong_state": len(wrong),
        "examples": (lost + duplicated + wrong)[:10],
    }


def latency_summary(latencies: list[float]) -> dict[str, Any]:
    values = sorted(latencies)
    n = len(values)
    if not n:
        return {"n": 0, "p50_ms": None, "p99_ms": None, "max_ms": None}
    return {
        "n": n,
        "p50_ms": round(values[n // 2] * 1000, 1),
        "p99_ms": round(values[min(n - 1, int(n * 0.99))] * 1000, 1),
        "max_ms": round(values[-1] * 1000, 1),
    }


def http_client(concurrency: int, *, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    # idle connections are dropped well before the server's keep-alive timeout (uvicorn: 5 s, the
    # same as httpx's default): else a request sent as the server closes the connection fails (ReadError)
    limits = httpx.Limits(
        max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2, keepalive_expiry=2.0
    )
    return httpx.AsyncClient(timeout=httpx.Timeout(60, connect=5), limits=limits, headers=headers)
