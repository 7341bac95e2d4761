"""Plan stores: compare-and-set on the generation, worker reports, damaged files."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from skills_core.errors import ConfigError
from skills_core.runtime import plans as plans_module
from skills_core.runtime.plans import FilePlanStore, MemoryPlanStore, Plan, PlanStore


@pytest.fixture(params=["memory", "file"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> PlanStore:
    return (
        MemoryPlanStore()
        if request.param == "memory"
        else FilePlanStore(tmp_path / "deep" / "bank.plan.json")
    )


def test_write_is_compare_and_set_on_the_generation(store: PlanStore) -> None:
    first = Plan(generation=1, base="m:a", active="m:a")
    assert store.read() is None
    assert store.write(first, expected=1) is False  # nothing stored yet: expected must be 0
    assert store.write(first, expected=0) is True
    second = first.next(active="m:b", previous="m:a")
    assert store.write(second, expected=0) is False  # a concurrent writer lost the race
    assert store.write(second, expected=1) is True
    assert store.read() == Plan(generation=2, base="m:a", active="m:b", previous="m:a")


def test_reports_are_kept_per_worker_and_stale_ones_dropped(
    store: PlanStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.report("w1", {"generation": 1})
    store.report("w2", {"generation": 2})
    assert {w: r["generation"] for w, r in store.workers().items()} == {"w1": 1, "w2": 2}
    later = time.time() + plans_module.WORKER_STALE_S + 1
    monkeypatch.setattr(plans_module.time, "time", lambda: later)
    store.report("w3", {"generation": 3})
    assert set(store.workers()) == {"w3"}


def test_two_file_stores_on_one_path_share_the_plan(tmp_path: Path) -> None:
    one, two = FilePlanStore(tmp_path / "p.json"), FilePlanStore(tmp_path / "p.json")
    one.write(Plan(generation=1, base="a", active="a"), expected=0)
    assert two.read() == one.read()


@pytest.mark.parametrize("content", ["{not json", '{"generation": "x"}', '{"base": "a"}'])
def test_a_damaged_plan_file_says_how_to_fix(tmp_path: Path, content: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match="delete"):
        FilePlanStore(path).read()


def test_plan_round_trips_through_json() -> None:
    plan = Plan(generation=3, base="a", active="b", canary="c", percent=12.5, previous="a")
    assert Plan.from_json(plan.to_json()) == plan
