"""Repeated swaps give memory back: a leaked model (~90 MB of MiniLM) would show."""

from __future__ import annotations

import psutil
import pytest
from runtime_support import TINY

from skills_core.runtime.agent import model_loader
from skills_core.runtime.plans import MemoryPlanStore
from skills_core.runtime.registry import ModelRegistry
from skills_core.spec.loader import load_skill

# Measured on the dev machine: +3 MB over 20 swaps after warm-up. One leaked model would add ~90 MB.
TOLERANCE_MB = 50


@pytest.mark.slow
def test_twenty_swaps_do_not_grow_memory(tiny_tags: list[str]) -> None:
    registry = ModelRegistry(loader=model_loader(load_skill(TINY), device="cpu"), plans=MemoryPlanStore())
    registry.start(tiny_tags[0], watch=False)

    def swap_and_parse(i: int) -> float:
        registry.swap(tiny_tags[(i + 1) % 2])
        registry.parse(["hello there", "send 5 dollars to bob"])
        return psutil.Process().memory_info().rss / 2**20

    for i in range(4):  # warm-up: allocator pools, tokenizer caches
        swap_and_parse(i)
    before = psutil.Process().memory_info().rss / 2**20
    after = max(swap_and_parse(i) for i in range(4, 24))
    assert after - before < TOLERANCE_MB, f"RSS grew from {before:.0f} MB to {after:.0f} MB over 20 swaps"
