"""Helpers for the bundled-skill tests: where the skills are, their conversations, a trained agent."""

from __future__ import annotations

from pathlib import Path

from skills_core.analysis.analysers import train_analysers
from skills_core.dm.testing import ConversationCase, load_conversations
from skills_core.nlu.train import config_for, train_nlu
from skills_core.runtime.actions import load_actions
from skills_core.runtime.agent import Agent
from skills_core.runtime.skills import BUNDLED
from skills_core.spec.loader import load_skill


def skill_path(name: str) -> Path:
    """The folder of a bundled skill."""
    return BUNDLED / name


def conversations(name: str) -> list[ConversationCase]:
    """The conversation tests shipped with a bundled skill (``<skill>/tests/*.yml``)."""
    return load_conversations(skill_path(name) / "tests")


def trained_agent(name: str) -> Agent:
    """The bundled skill with its actions, NLU and analysers freshly trained in ``fast`` mode (seeded).

    The same models ``skills test`` trains, so the conversation tests see the real text analysis.
    """
    path = skill_path(name)
    skill = load_skill(path)
    config = config_for(skill, mode="fast", progress=False)
    nlu, _ = train_nlu(skill, config=config)
    analysers = train_analysers(skill, config=config)
    return Agent(skill=skill, nlu=nlu, actions=load_actions(path), analysers=analysers)
