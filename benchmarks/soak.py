"""The soak scenario: steady closed-loop load on one server for a while, with model swaps during it.

Reports latency (p50/p99) and the server's resident memory per time window, their drift from the
first window to the last, and memory before and after every swap. Swaps alternate between the
active model and a second tag (default: a copy of the active model under a new version, so every
swap really loads a model and releases the other one).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import httpx

from benchmarks.cluster import Cluster, copy_model, remove_model
from benchmarks.conversations import Client, Conversation, Tally, http_client, latency_summary, verify
from benchmarks.scenarios import ADMIN_HEADERS, Script, common_result, invariant_problems


def soak(
    cluster: Cluster,
    *,
    script: Script,
    duration_s: float,
    concurrency: int,
    window_s: float = 60.0,
    swaps: int = 0,
    other_tag: str | None = None,
    server: int = 0,
    sample_s: float = 2.0,
    max_swap_growth_mb: float = 200.0,
) -> dict[str, Any]:
    """Closed-loop conversations on server ``server`` for ``duration_s``, ``swaps`` model swaps spread in.

    A leak over the swaps fails the run: the resident memory after the last swap may exceed the
    memory after the first by at most ``max_swap_growth_mb``.
    """
    url = cluster.urls[server]
    status = httpx.get(f"{url}/admin/models", headers=ADMIN_HEADERS, timeout=30).json()
    first = status["plan"]["active"]
    copied = other_tag is None and swaps > 0
    second = copy_model(first) if copied else other_tag
    try:
        out = asyncio.run(
            _soak(
                cluster,
                url,
                script,
                duration_s,
                concurrency,
                window_s,
                swaps,
                [first, second or first],
                server,
                sample_s,
            )
        )
    finally:
        if copied and second:
            remove_model(second)
    tally, checked, wall, samples, swap_log = out
    windows = _windows(tally, samples, window_s)
    result: dict[str, Any] = {
        "duration_s": duration_s,
        "concurrency": concurrency,
        "window_s": window_s,
        "models": [first, second] if swaps else [first],
        **common_result(tally, checked, wall, cluster),
        "windows": windows,
        "swaps": swap_log,
    }
    problems = invariant_problems(tally, checked)
    if set(tally.attempts) != {"200"}:
        problems.append(f"expected only 200 answers; found {dict(tally.attempts)}")
    if len(windows) >= 2:
        head, tail = windows[0], windows[-1]
        result["drift"] = {
            "p50_ratio_last_to_first": _ratio(tail["p50_ms"], head["p50_ms"]),
            "p99_ratio_last_to_first": _ratio(tail["p99_ms"], head["p99_ms"]),
            "rss_mb_first_window": head["rss_mb"],
            "rss_mb_last_window": tail["rss_mb"],
            "rss_growth_mb": round((tail["rss_mb"] or 0) - (head["rss_mb"] or 0), 1),
        }
    if swap_log:
        bad = [s for s in swap_log if s["status"] != 200]
        if bad:
            problems.append(f"swaps refused: {bad[:3]}")
        # from after the first swap: the first one lands while the server still warms up
        after = [s["rss_mb_after"] for s in swap_log]
        growth = round(after[-1] - after[0], 1)
        result["swap_rss"] = {
            "before_first_mb": swap_log[0]["rss_mb_before"],
            "after_first_mb": after[0],
            "after_last_mb": after[-1],
            "after_min_mb": min(after),
            "after_max_mb": max(after),
            "growth_mb": growth,
            "limit_mb": max_swap_growth_mb,
        }
        if growth > max_swap_growth_mb:
            problems.append(
                f"memory grew {growth} MB from the first to the last of {len(swap_log)} swaps "
                f"(> {max_swap_growth_mb} MB)"
            )
    return {"ok": not problems, "problems": problems, **result}


async def _soak(
    cluster: Cluster,
    url: str,
    script: Script,
    duration_s: float,
    concurrency: int,
    window_s: float,
    swaps: int,
    tags: list[str],
    server: int,
    sample_s: float,
) -> tuple[Tally, dict[str, Any], float, list[tuple[float, float]], list[dict[str, Any]]]:
    tally = Tally()
    samples: list[tuple[float, float]] = []
    swap_log: list[dict[str, Any]] = []
    done: list[Conversation] = []
    numbers = itertools.count()
    prefix = f"soak-{time.time_ns()}"
    stop_at = time.monotonic() + duration_s

    def now() -> float:
        return time.perf_counter() - tally.started

    async def user(client: Client) -> None:
        while time.monotonic() < stop_at:
            conv = script(next(numbers), prefix=prefix)
            await client.conversation(conv, first_server=0)
            done.append(conv)

    async def sampler() -> None:
        while time.monotonic() < stop_at:
            samples.append((now(), await asyncio.to_thread(cluster.rss_mb, server)))
            await asyncio.sleep(sample_s)

    async def swapper(http: httpx.AsyncClient) -> None:
        start = time.monotonic()
        for i in range(swaps):
            await asyncio.sleep(max(0.0, start + duration_s * (i + 1) / (swaps + 1) - time.monotonic()))
            tag = tags[(i + 1) % len(tags)]
            before = await asyncio.to_thread(cluster.rss_mb, server)
            t0 = time.perf_counter()
            r = await http.post(f"{url}/admin/models/swap", json={"tag": tag}, headers=ADMIN_HEADERS)
            seconds = time.perf_counter() - t0
            after = await asyncio.to_thread(cluster.rss_mb, server)
            swap_log.append(
                {
                    "at_s": round(now(), 1),
                    "to": tag,
                    "status": r.status_code,
                    "seconds": round(seconds, 2),
                    "rss_mb_before": before,
                    "rss_mb_after": after,
                }
            )

    async with http_client(concurrency + 1) as http:
        client = Client(http, [url], tally=tally)
        t0 = time.perf_counter()
        await asyncio.gather(*(user(client) for _ in range(concurrency)), sampler(), swapper(http))
        wall = time.perf_counter() - t0
        samples.append((now(), await asyncio.to_thread(cluster.rss_mb, server)))
        checked = await verify(client, done)
    return tally, checked, wall, samples, swap_log


def _windows(tally: Tally, samples: list[tuple[float, float]], width: float) -> list[dict[str, Any]]:
    """Latency and memory per ``width``-second window of the run (a last partial window is dropped)."""
    end = max([t for t, _ in tally.latencies] + [0.0])
    count = max(1, int(end // width))
    out = []
    for w in range(count):
        lo, hi = w * width, (w + 1) * width
        lat = [s for t, s in tally.latencies if lo <= t < hi]
        rss = [m for t, m in samples if lo <= t < hi]
        summary = latency_summary(lat)
        out.append(
            {
                "from_s": round(lo),
                "turns": summary["n"],
                "turns_per_s": round(summary["n"] / width, 1),
                "p50_ms": summary["p50_ms"],
                "p99_ms": summary["p99_ms"],
                "rss_mb": rss[-1] if rss else None,
            }
        )
    return out


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None
