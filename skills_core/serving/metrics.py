"""Prometheus metrics of the server, written with ``prometheus_client`` directly.

BentoML runs its workers with ``PROMETHEUS_MULTIPROC_DIR`` set and serves every worker's samples
together on ``GET /metrics``; ``prometheus_client`` is imported only when the metrics are first
created (inside a worker), so it picks that mode up. Gauges say how workers combine: sessions and
model shares take the largest value (every worker sees the same shared store and plan), memory sums.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

_lock = threading.Lock()
_metrics: Metrics | None = None


class Metrics:
    """Request latency, errors by kind, intents, fallbacks, sessions, model versions and memory."""

    def __init__(self) -> None:
        import prometheus_client as pc

        self.latency = pc.Histogram(
            "skills_request_duration_seconds",
            "Time to answer a request, by endpoint and status code.",
            ["endpoint", "status"],
            buckets=LATENCY_BUCKETS,
        )
        self.errors = pc.Counter(
            "skills_errors_total", "Error answers by endpoint and kind.", ["endpoint", "kind"]
        )
        self.intents = pc.Counter("skills_intents_total", "Parsed utterances by chosen intent.", ["intent"])
        self.fallbacks = pc.Counter("skills_fallbacks_total", "Out-of-scope fallbacks by reason.", ["reason"])
        self.sessions = pc.Gauge(
            "skills_active_sessions", "Sessions held by the session store.", multiprocess_mode="livemax"
        )
        self.model = pc.Gauge(
            "skills_model_info",
            "Model versions serving, by role; the value is the share of traffic (0-1).",
            ["version", "role"],
            multiprocess_mode="livemax",
        )
        self.memory = pc.Gauge(
            "skills_process_resident_memory_bytes",
            "Resident memory of the serving processes (summed over workers).",
            multiprocess_mode="livesum",
        )
        self._shown: set[tuple[str, str]] = set()

    def observe_parses(self, parses: list[dict[str, Any]]) -> None:
        """Count intents and fallbacks of JSON parses."""
        for parse in parses:
            self.intents.labels(intent=str(parse.get("intent"))).inc()
            fallback = parse.get("fallback")
            if fallback:
                self.fallbacks.labels(reason=str(fallback.get("reason"))).inc()

    def show_models(self, serving: list[dict[str, Any]]) -> None:
        """Set the model info gauge: current versions at their share, earlier ones at 0."""
        now = {(str(m["version"]), str(m["role"])): float(m["share"]) for m in serving}
        for labels in self._shown - now.keys():
            self.model.labels(*labels).set(0)
        for labels, share in now.items():
            self.model.labels(*labels).set(share)
        self._shown |= now.keys()


def get_metrics() -> Metrics:
    """The process-wide metrics (created on first use)."""
    global _metrics
    with _lock:
        if _metrics is None:
            _metrics = Metrics()
        return _metrics


class Sampler:
    """A daemon thread that refreshes the gauges every ``interval_s`` seconds."""

    def __init__(
        self,
        metrics: Metrics,
        *,
        sessions: Callable[[], int],
        serving: Callable[[], list[dict[str, Any]]],
        interval_s: float = 2.0,
    ) -> None:
        self.metrics = metrics
        self._sessions = sessions
        self._serving = serving
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="skills-metrics", daemon=True)

    def start(self) -> Sampler:
        self.sample()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def sample(self) -> None:
        import psutil

        self.metrics.memory.set(psutil.Process().memory_info().rss)
        try:
            self.metrics.show_models(self._serving())
            self.metrics.sessions.set(self._sessions())
        except Exception as e:  # the store may be down; the next sample tries again
            logger.debug("metrics sample incomplete: %s", e)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.sample()
