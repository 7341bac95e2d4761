"""The model registry: the active model, an optional canary, and run-time swap, promote and rollback.

Every serving process keeps a :class:`ModelRegistry`. The desired state is a :class:`~.plans.Plan` in a
shared :class:`~.plans.PlanStore`; an admin call writes a new plan (after loading the new model, so a
model that fails to load is refused and nothing changes) and each process notices the new generation
within ``check_interval_s``, loads what it lacks in a background thread and then switches its routing
table in one assignment. Requests in flight keep the model they started with; nothing is dropped.
Models no longer referenced are released (garbage collection, CUDA cache, ``malloc_trim``).

Canary routing is sticky: a session id hashes to a bucket in [0, 10000); buckets below
``percent * 100`` go to the canary.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from skills_core.errors import ConfigError, SkillsError
from skills_core.runtime.plans import Plan, PlanStore
from skills_core.spec.types import Parse

logger = logging.getLogger(__name__)

REPORT_EVERY_S = 5.0


class Model(Protocol):
    """What the registry serves: a versioned batch parser (``NLU`` is one)."""

    @property
    def version(self) -> str: ...

    def parse_batch(self, texts: list[str]) -> list[Parse]: ...


class ModelRefused(SkillsError, ValueError):
    """A model could not be loaded or does not fit the skill; the current one keeps serving."""


class PlanConflict(SkillsError, RuntimeError):
    """Another change of the models happened at the same time; retry."""


def bucket(key: str) -> int:
    """A stable bucket in [0, 10000) for a routing key (session id)."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big") % 10_000


@dataclass(frozen=True)
class Routing:
    """An immutable snapshot of what serves: replaced as a whole on every change."""

    generation: int
    active_tag: str
    active: Model
    canary_tag: str | None = None
    canary: Model | None = None
    percent: float = 0.0

    def pick(self, key: str) -> tuple[str, Model]:
        if self.canary is not None and self.canary_tag is not None and bucket(key) < self.percent * 100:
            return self.canary_tag, self.canary
        return self.active_tag, self.active


class ModelRegistry:
    """Serves the plan's models in this process and follows changes made by any process."""

    def __init__(
        self,
        *,
        loader: Callable[[str], Model],
        plans: PlanStore,
        check_interval_s: float = 1.0,
        worker_id: str | None = None,
    ) -> None:
        """
        Args:
            loader: loads a model by tag; raises (e.g. ArtifactError, ConfigError) when it cannot.
            plans: the shared plan store.
            check_interval_s: how often the background thread looks for a new plan generation.
            worker_id: this process' name in status reports (default ``host:pid``).
        """
        self._loader = loader
        self._plans = plans
        self.check_interval_s = check_interval_s
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self._routing: Routing | None = None
        self._plan: Plan | None = None
        self._models: dict[str, Model] = {}
        self._apply_lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failed_generation = -1
        self.last_error: str | None = None
        self._reported_at = 0.0

    @classmethod
    def static(cls, model: Model, *, tag: str | None = None) -> ModelRegistry:
        """A registry holding one fixed model (the CLI, tests); swaps still work in this process."""
        from skills_core.runtime.plans import MemoryPlanStore

        registry = cls(loader=_refuse_unknown(model, tag or model.version), plans=MemoryPlanStore())
        registry.start(tag or model.version, watch=False)
        return registry

    # -- lifecycle ---------------------------------------------------------------------------------
    def start(self, tag: str, *, watch: bool = True) -> None:
        """Serve ``tag``, or the stored plan when it was started from the same ``tag`` (a restart).

        When the plan store cannot be reached, ``tag`` serves locally and the background thread
        follows the stored plan once the store answers again.
        """
        with self._apply_lock:
            try:
                plan = self._adopt_or_reset(tag)
            except SkillsError as e:
                logger.warning(
                    "model plan store unavailable at start (%s); serving %s until it answers", e, tag
                )
                plan = Plan(generation=0, base=tag, active=tag)
            try:
                self._apply(plan)
            except ModelRefused as e:
                if plan.active == tag and plan.canary is None:
                    raise
                logger.error("stored model plan cannot be served (%s); serving %s", e, tag)
                self._failed_generation = plan.generation
                self.last_error = str(e)
                self._apply(Plan(generation=0, base=tag, active=tag))  # 0: not the stored plan
        if watch and self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="skills-model-watch", daemon=True)
            self._thread.start()

    def _adopt_or_reset(self, tag: str) -> Plan:
        plan = self._read_plan()
        if plan is not None and plan.base == tag:
            return plan
        fresh = Plan(generation=(plan.generation + 1) if plan else 1, base=tag, active=tag)
        if self._write_plan(fresh, expected=plan.generation if plan else 0):
            return fresh
        return self._read_plan() or fresh

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    @property
    def ready(self) -> bool:
        return self._routing is not None

    @property
    def routing(self) -> Routing:
        routing = self._routing
        if routing is None:
            raise ConfigError(
                "expected a loaded model; the registry has not been started. Fix: call start(tag)"
            )
        return routing

    @property
    def active(self) -> Model:
        return self.routing.active

    # -- serving -----------------------------------------------------------------------------------
    def route(self, key: str) -> tuple[str, Model]:
        """The tag and model that serve routing key ``key`` (a session id)."""
        return self.routing.pick(key)

    def parse(self, texts: Sequence[str], *, keys: Sequence[str] | None = None) -> list[Parse]:
        """Parse ``texts``, each with the model its key routes to (all to the active model without keys)."""
        routing = self.routing
        if routing.canary is None or keys is None:
            return routing.active.parse_batch(list(texts))
        if len(keys) != len(texts):
            raise ConfigError(
                f"expected one routing key per text; found {len(keys)} keys for {len(texts)} texts"
            )
        groups: dict[str, list[int]] = {}
        models: dict[str, Model] = {}
        for i, key in enumerate(keys):
            tag, model = routing.pick(key)
            groups.setdefault(tag, []).append(i)
            models[tag] = model
        out: list[Parse | None] = [None] * len(texts)
        for tag, indices in groups.items():
            for i, parse in zip(indices, models[tag].parse_batch([texts[i] for i in indices]), strict=True):
                out[i] = parse
        return [p for p in out if p is not None]

    # -- admin -------------------------------------------------------------------------------------
    def swap(self, tag: str) -> dict[str, Any]:
        """Make ``tag`` the active model everywhere (the canary, if any, is dropped)."""
        return self._change(
            lambda p: p.next(active=tag, previous=p.active, canary=None, percent=0.0), load=tag
        )

    def set_canary(self, tag: str, percent: float) -> dict[str, Any]:
        """Route ``percent`` % of sessions to ``tag``."""
        if not 0 < percent <= 100:
            raise ConfigError(f"expected a canary percent in (0, 100]; found {percent}. Fix: e.g. 10")
        return self._change(lambda p: p.next(canary=tag, percent=float(percent)), load=tag)

    def promote(self) -> dict[str, Any]:
        """Make the canary the active model."""

        def change(p: Plan) -> Plan:
            if p.canary is None:
                raise ConfigError(
                    "expected a canary to promote; there is none. Fix: start one with canary first"
                )
            return p.next(active=p.canary, previous=p.active, canary=None, percent=0.0)

        return self._change(change)

    def rollback(self) -> dict[str, Any]:
        """Drop the canary if there is one; otherwise go back to the previous active model."""

        def change(p: Plan) -> Plan:
            if p.canary is not None:
                return p.next(canary=None, percent=0.0)
            if p.previous is None:
                raise ConfigError(
                    "expected a canary or a previous model to roll back to; there is neither. Fix: nothing to undo"
                )
            return p.next(active=p.previous, previous=p.active)

        return self._change(change)

    def _change(self, change: Callable[[Plan], Plan], *, load: str | None = None) -> dict[str, Any]:
        with self._apply_lock:
            extra = {load: self._models.get(load) or self._load(load)} if load is not None else {}
            for _ in range(5):
                current = self._read_plan() or self._plan
                if current is None:
                    raise ConfigError("expected a started registry; found none. Fix: call start(tag) first")
                new = change(current)
                if self._write_plan(new, expected=current.generation):
                    self._apply(new, extra=extra)
                    return self.status()
            raise PlanConflict("expected to update the model plan; it kept changing under us. Fix: retry")

    # -- following the plan ------------------------------------------------------------------------
    def refresh(self) -> bool:
        """Apply the stored plan if its generation changed; returns whether the routing changed."""
        plan = self._read_plan()
        current = self._plan
        if plan is None:
            if current is not None:  # the store lost it (e.g. a Redis without persistence): put ours back
                self._write_plan(current if current.generation else current.next(), expected=0)
            return False
        if current is not None and plan.generation == current.generation:
            return False
        if plan.generation == self._failed_generation:
            return False
        with self._apply_lock:
            try:
                self._apply(plan)
            except ModelRefused as e:
                self._failed_generation = plan.generation
                self.last_error = str(e)
                logger.error(
                    "model plan %d refused in this worker, keeping the current models: %s", plan.generation, e
                )
                return False
        return True

    def _watch(self) -> None:
        failing = False
        while not self._stop.wait(self.check_interval_s):
            try:
                self.refresh()
                if time.monotonic() - self._reported_at >= REPORT_EVERY_S:
                    self._report()
                if failing:
                    logger.info("model plan store answers again")
                failing = False
            except Exception as e:  # keep serving; say it once per outage, not every second
                if not failing:
                    logger.warning(
                        "model plan check failed, will keep retrying: %s",
                        e,
                        exc_info=not isinstance(e, SkillsError),
                    )
                failing = True

    def _apply(self, plan: Plan, *, extra: dict[str, Model] | None = None) -> None:
        wanted = [plan.active] + ([plan.canary] if plan.canary else [])
        models = {**self._models, **(extra or {})}
        for tag in wanted:
            if tag not in models:
                models[tag] = self._load(tag)
        self._routing = Routing(
            generation=plan.generation,
            active_tag=plan.active,
            active=models[plan.active],
            canary_tag=plan.canary,
            canary=models[plan.canary] if plan.canary else None,
            percent=plan.percent if plan.canary else 0.0,
        )
        dropped = [tag for tag in models if tag not in wanted]
        self._models = {tag: models[tag] for tag in wanted}
        self._plan = plan
        self.last_error = None if plan.generation != self._failed_generation else self.last_error
        logger.info(
            "serving model plan %d: active %s%s",
            plan.generation,
            plan.active,
            f", canary {plan.canary} at {plan.percent:g}%" if plan.canary else "",
        )
        if dropped:
            from skills_core.runtime.device import release_memory  # torch: imported only when needed

            del models
            release_memory()
        self._report()

    def _load(self, tag: str) -> Model:
        try:
            return self._loader(tag)
        except SkillsError as e:
            self.last_error = f"{tag}: {e}"
            raise ModelRefused(f"expected model {tag!r} to load and fit this skill; it did not: {e}") from e

    def _read_plan(self) -> Plan | None:
        return self._plans.read()

    def _write_plan(self, plan: Plan, *, expected: int) -> bool:
        return self._plans.write(plan, expected=expected)

    def _report(self) -> None:
        self._reported_at = time.monotonic()
        routing = self._routing
        if routing is None:
            return
        try:
            self._plans.report(
                self.worker_id,
                {
                    "generation": routing.generation,
                    "active": routing.active_tag,
                    "canary": routing.canary_tag,
                    "percent": routing.percent,
                    "error": self.last_error,
                },
            )
        except SkillsError as e:
            logger.warning("could not report this worker's models: %s", e)

    # -- status ------------------------------------------------------------------------------------
    def serving(self) -> list[dict[str, Any]]:
        """The versions this process serves, each with its role and share of traffic (0-1)."""
        r = self.routing
        share = r.percent / 100 if r.canary is not None else 0.0
        out = [{"version": r.active_tag, "role": "active", "share": round(1 - share, 6)}]
        if r.canary_tag is not None:
            out.append({"version": r.canary_tag, "role": "canary", "share": round(share, 6)})
        return out

    def status(self) -> dict[str, Any]:
        """The plan, what this process serves, and what every recently seen process reported."""
        try:
            plan, workers = self._read_plan(), self._plans.workers()
        except SkillsError as e:
            plan, workers = self._plan, {"error": str(e)}
        routing = self._routing
        return {
            "plan": plan.to_json() if plan else None,
            "serving": self.serving() if routing else [],
            "worker": {
                "id": self.worker_id,
                "generation": routing.generation if routing else 0,
                "in_sync": bool(plan and routing and plan.generation == routing.generation),
                "error": self.last_error,
            },
            "workers": workers,
        }


def _refuse_unknown(model: Model, tag: str) -> Callable[[str], Model]:
    def load(wanted: str) -> Model:
        if wanted == tag:
            return model
        raise ConfigError(f"expected the tag {tag!r} (a static registry holds one model); found {wanted!r}")

    return load
