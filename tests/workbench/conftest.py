"""Fixtures of the workbench tests: one tiny workbench trained once (1 epoch, a few seconds)."""

from __future__ import annotations

from pathlib import Path

import pytest
from wb_support import make_parse

from skills_core.runtime.actions import load_actions
from skills_core.runtime.agent import Agent
from skills_core.spec.annotations import Example
from skills_core.spec.types import OUT_OF_SCOPE, Parse
from skills_core.workbench import Workbench


@pytest.fixture(scope="package")
def trained(tiny_skill_path: Path) -> Workbench:
    """The tiny skill's workbench with one model trained. Tests that retrain use their own."""
    wb = Workbench.open(tiny_skill_path, epochs=1)
    wb.train()
    return wb


@pytest.fixture
def fresh(tiny_skill_path: Path) -> Workbench:
    """An untrained workbench of the tiny skill."""
    return Workbench.open(tiny_skill_path, epochs=1)


@pytest.fixture
def agent(trained: Workbench, tiny_skill_path: Path) -> Agent:
    """An agent of the tiny skill (its actions loaded) over the trained model, sessions in memory."""
    return Agent(skill=trained.skill, nlu=trained.nlu, actions=load_actions(tiny_skill_path))


@pytest.fixture
def labelled() -> tuple[list[Example], list[Parse]]:
    """5 utterances: 2 right, 1 balance taken for transfer, 1 greet fallen back, 1 OOS right."""
    gold = [
        Example("hi there", "greet"),
        Example("balance please", "check_balance"),
        Example("how much have I got", "check_balance"),
        Example("yo", "greet"),
        Example("tell me a joke", OUT_OF_SCOPE),
    ]
    pred = [
        make_parse("hi there", "greet", [("greet", 0.9), ("goodbye", 0.1)]),
        make_parse("balance please", "check_balance", [("check_balance", 0.8), ("transfer_money", 0.2)]),
        make_parse(
            "how much have I got", "transfer_money", [("transfer_money", 0.6), ("check_balance", 0.4)]
        ),
        make_parse(
            "yo",
            OUT_OF_SCOPE,
            [("greet", 0.3), ("goodbye", 0.25)],
            fallback=("low_confidence", "top intent 'greet' at 0.300 is below the threshold 0.400", "greet"),
        ),
        make_parse(
            "tell me a joke",
            OUT_OF_SCOPE,
            [("greet", 0.1)],
            fallback=("out_of_scope", "classified as out-of-scope (p=0.800)", "greet"),
        ),
    ]
    return gold, pred
