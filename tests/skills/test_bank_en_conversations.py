"""bank_en end to end: trained once (fast mode), then every conversation test through the real NLU."""

from __future__ import annotations

import pytest
from skills_support import conversations, trained_agent

from skills_core.dm.testing import ConversationCase, run_conversation
from skills_core.runtime.agent import Agent

CASES = conversations("bank_en")


@pytest.fixture(scope="module")
def agent() -> Agent:
    return trained_agent("bank_en")


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_conversation(case: ConversationCase, agent: Agent) -> None:
    result = run_conversation(case, agent.dm, parse=agent.nlu.parse, analyse=agent.text_analysed)
    assert result.passed, result.report()
