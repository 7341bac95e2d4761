"""ModelRegistry: swap, canary, promote, rollback, refusal, plan sharing between processes."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable

import pytest
from runtime_support import FakeModel, wait_for

from skills_core.errors import ArtifactError, ConfigError, SkillsError
from skills_core.runtime.plans import MemoryPlanStore, Plan
from skills_core.runtime.redis_store import StoreUnavailable
from skills_core.runtime.registry import ModelRefused, ModelRegistry, bucket


class Loader:
    """Loads FakeModels by tag; tags in ``broken`` fail like a missing artifact."""

    def __init__(self, *broken: str) -> None:
        self.broken = set(broken)
        self.loads: list[str] = []

    def __call__(self, tag: str) -> FakeModel:
        self.loads.append(tag)
        if tag in self.broken:
            raise ArtifactError(f"expected model {tag!r} in the store; it is not there")
        return FakeModel(tag)


def make(plans: MemoryPlanStore | None = None, loader: Loader | None = None, **kw: object) -> ModelRegistry:
    return ModelRegistry(loader=loader or Loader(), plans=plans or MemoryPlanStore(), **kw)  # type: ignore[arg-type]


def versions(registry: ModelRegistry, keys: list[str]) -> list[str | None]:
    return [p.model_version for p in registry.parse(["hi"] * len(keys), keys=keys)]


def test_start_writes_the_plan_and_serves_the_tag() -> None:
    plans = MemoryPlanStore()
    registry = make(plans)
    registry.start("m:a", watch=False)
    assert plans.read() == Plan(generation=1, base="m:a", active="m:a")
    assert registry.ready and registry.active.version == "m:a"
    assert registry.serving() == [{"version": "m:a", "role": "active", "share": 1.0}]


def test_swap_changes_the_active_model_and_remembers_the_previous() -> None:
    registry = make()
    registry.start("m:a", watch=False)
    status = registry.swap("m:b")
    assert registry.active.version == "m:b"
    assert status["plan"]["previous"] == "m:a" and status["plan"]["generation"] == 2
    assert status["worker"]["in_sync"] is True


def test_a_model_that_fails_to_load_is_refused_and_the_current_keeps_serving() -> None:
    loader = Loader("m:broken")
    plans = MemoryPlanStore()
    registry = make(plans, loader)
    registry.start("m:a", watch=False)
    with pytest.raises(ModelRefused, match="m:broken"):
        registry.swap("m:broken")
    with pytest.raises(ModelRefused):
        registry.set_canary("m:broken", 50)
    assert registry.active.version == "m:a"
    assert plans.read() is not None and plans.read().generation == 1  # type: ignore[union-attr]
    assert isinstance(ModelRefused("x"), SkillsError | ValueError)


@pytest.mark.parametrize("percent", [10.0, 50.0, 90.0])
def test_canary_share_is_close_to_the_percent_and_sticky(percent: float) -> None:
    registry = make()
    registry.start("m:a", watch=False)
    registry.set_canary("m:c", percent)
    keys = [f"session-{i}" for i in range(4000)]
    first = versions(registry, keys)
    share = first.count("m:c") / len(keys)
    assert abs(share - percent / 100) < 0.03
    assert versions(registry, keys) == first  # same session, same model
    assert registry.serving()[1] == {"version": "m:c", "role": "canary", "share": percent / 100}


def test_parse_keeps_the_order_when_a_batch_is_split_between_models() -> None:
    registry = make()
    registry.start("m:a", watch=False)
    registry.set_canary("m:c", 50)
    keys = [f"k{i}" for i in range(40)]
    texts = [f"hello {i}" for i in range(40)]
    parses = registry.parse(texts, keys=keys)
    assert [p.text for p in parses] == texts
    assert [p.model_version for p in parses] == [registry.route(k)[0] for k in keys]
    assert {p.model_version for p in parses} == {"m:a", "m:c"}
    with pytest.raises(ConfigError, match="one routing key per text"):
        registry.parse(texts, keys=keys[:3])


def test_without_keys_everything_goes_to_the_active_model() -> None:
    registry = make()
    registry.start("m:a", watch=False)
    registry.set_canary("m:c", 100)
    assert {p.model_version for p in registry.parse(["a", "b"])} == {"m:a"}


def test_promote_makes_the_canary_active() -> None:
    registry = make()
    registry.start("m:a", watch=False)
    with pytest.raises(ConfigError, match="canary to promote"):
        registry.promote()
    registry.set_canary("m:c", 20)
    plan = registry.promote()["plan"]
    assert (plan["active"], plan["canary"], plan["previous"]) == ("m:c", None, "m:a")
    assert registry.serving() == [{"version": "m:c", "role": "active", "share": 1.0}]


@pytest.mark.parametrize(
    ("steps", "active_after", "canary_after"),
    [
        ([("canary", "m:c")], "m:a", None),  # rollback drops the canary
        ([("swap", "m:b")], "m:a", None),  # rollback restores the previous model
        ([("swap", "m:b"), ("canary", "m:c")], "m:b", None),
    ],
)
def test_rollback(steps: list[tuple[str, str]], active_after: str, canary_after: str | None) -> None:
    registry = make()
    registry.start("m:a", watch=False)
    for op, tag in steps:
        registry.swap(tag) if op == "swap" else registry.set_canary(tag, 30)
    plan = registry.rollback()["plan"]
    assert (plan["active"], plan["canary"]) == (active_after, canary_after)
    assert registry.active.version == active_after


def test_rollback_with_nothing_to_undo_is_refused() -> None:
    registry = make()
    registry.start("m:a", watch=False)
    with pytest.raises(ConfigError, match="nothing to undo"):
        registry.rollback()


@pytest.mark.parametrize("percent", [0, -5, 100.5])
def test_canary_percent_out_of_range_is_refused(percent: float) -> None:
    registry = make()
    registry.start("m:a", watch=False)
    with pytest.raises(ConfigError, match=r"\(0, 100\]"):
        registry.set_canary("m:c", percent)


def test_a_change_in_one_process_reaches_another() -> None:
    plans = MemoryPlanStore()
    one, two = make(plans), make(plans)
    one.start("m:a", watch=False)
    two.start("m:a", watch=False)
    one.set_canary("m:c", 25)
    assert two.routing.canary is None
    assert two.refresh() is True
    assert two.serving() == one.serving()
    assert two.refresh() is False  # same generation: nothing to do


def test_a_worker_that_cannot_load_the_new_model_keeps_serving_and_says_so() -> None:
    plans = MemoryPlanStore()
    one, two = make(plans), make(plans, Loader("m:b"))
    one.start("m:a", watch=False)
    two.start("m:a", watch=False)
    one.swap("m:b")
    assert two.refresh() is False
    assert two.active.version == "m:a"
    status = two.status()
    assert status["worker"]["in_sync"] is False and "m:b" in status["worker"]["error"]
    assert two.refresh() is False  # the failed generation is not retried every second


def test_restart_with_the_same_base_keeps_run_time_changes_a_new_base_resets() -> None:
    plans = MemoryPlanStore()
    first = make(plans)
    first.start("m:a", watch=False)
    first.swap("m:b")
    restarted = make(plans)
    restarted.start("m:a", watch=False)
    assert restarted.active.version == "m:b"
    redeployed = make(plans)
    redeployed.start("m:new", watch=False)
    assert redeployed.active.version == "m:new"
    assert plans.read() == Plan(generation=3, base="m:new", active="m:new")


def test_a_stored_plan_that_cannot_load_falls_back_to_the_configured_model() -> None:
    plans = MemoryPlanStore()
    plans.write(Plan(generation=4, base="m:a", active="m:gone"), expected=0)
    registry = make(plans, Loader("m:gone"))
    registry.start("m:a", watch=False)
    assert registry.active.version == "m:a"
    with pytest.raises(ModelRefused):
        make(MemoryPlanStore(), Loader("m:a")).start("m:a", watch=False)


class FlakyPlans(MemoryPlanStore):
    def __init__(self) -> None:
        super().__init__()
        self.down = True

    def read(self) -> Plan | None:
        if self.down:
            raise StoreUnavailable("expected Redis to answer; it did not")
        return super().read()


def test_store_down_at_start_serves_the_configured_model_then_follows_the_store() -> None:
    plans = FlakyPlans()
    registry = make(plans)
    registry.start("m:a", watch=False)
    assert registry.active.version == "m:a" and registry.routing.generation == 0
    plans.down = False
    registry.refresh()  # no plan stored yet: ours is written
    assert plans.read() is not None and plans.read().active == "m:a"  # type: ignore[union-attr]
    plans.write(Plan(generation=7, base="m:a", active="m:b"), expected=plans.read().generation)  # type: ignore[union-attr]
    assert registry.refresh() is True and registry.active.version == "m:b"


def test_the_background_thread_applies_changes() -> None:
    plans = MemoryPlanStore()
    admin, worker = make(plans, worker_id="admin"), make(plans, check_interval_s=0.02, worker_id="worker")
    admin.start("m:a", watch=False)
    worker.start("m:a")
    try:
        admin.swap("m:b")
        wait_for(lambda: worker.active.version == "m:b", timeout_s=10, what="the worker to swap")
        wait_for(
            lambda: plans.workers()["worker"]["active"] == "m:b", timeout_s=10, what="the worker's report"
        )
        assert set(plans.workers()) == {"admin", "worker"}
    finally:
        worker.stop()


def test_swapped_out_models_are_released() -> None:
    registry = make()
    registry.start("m:a", watch=False)
    old = weakref.ref(registry.active)
    registry.swap("m:b")
    gc.collect()
    assert old() is None


def test_static_registry_serves_one_model() -> None:
    model = FakeModel("m:only")
    registry = ModelRegistry.static(model)
    assert registry.active is model
    with pytest.raises(ModelRefused, match="static registry"):
        registry.swap("m:other")


@pytest.mark.parametrize("key", ["a", "session-1", "ünïcødé", ""])
def test_bucket_is_stable_and_in_range(key: str) -> None:
    assert 0 <= bucket(key) < 10_000
    assert bucket(key) == bucket(key)


def test_unstarted_registry_says_how_to_fix() -> None:
    registry = make()
    assert not registry.ready
    with pytest.raises(ConfigError, match="start"):
        registry.parse(["hi"])
    fn: Callable[[], object] = registry.promote
    with pytest.raises(ConfigError):
        fn()
