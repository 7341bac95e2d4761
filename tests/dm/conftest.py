"""Fixtures for the dialogue-manager tests."""

from __future__ import annotations

import pytest
from dm_support import Bank, Chat, load_test_skill

from skills_core.dm import DialogueManager
from skills_core.spec.models import Skill


@pytest.fixture(scope="session")
def skill() -> Skill:
    return load_test_skill()


@pytest.fixture
def bank() -> Bank:
    return Bank()


@pytest.fixture
def dm(skill: Skill, bank: Bank) -> DialogueManager:
    return DialogueManager(skill, actions=bank.registry())


@pytest.fixture
def chat(dm: DialogueManager) -> Chat:
    return Chat(dm)
