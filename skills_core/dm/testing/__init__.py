"""Conversation tests: a YAML format of test dialogues, a loader and a runner with readable diffs.

In a pytest file::

    from skills_core.dm.testing import assert_passes, load_conversations

    CASES = load_conversations("tests/data/dm_skill/conversations.yml")

    @pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
    def test_conversation(case, dm):
        assert_passes(case, dm)              # NLU-independent: turns give intent + entities
        # assert_passes(case, dm, parse=nlu.parse)   # end to end: user text through the model
"""

from skills_core.dm.testing.loader import ConversationCase, load_conversations, load_conversations_text
from skills_core.dm.testing.runner import (
    AnalyseFn,
    ConversationResult,
    ParseFn,
    TurnOutcome,
    assert_passes,
    check_turn,
    given_parse,
    run_conversation,
    run_conversations,
    summarize,
)
from skills_core.dm.testing.schema import (
    Conversation,
    ConversationFile,
    Expectation,
    OneOfReply,
    PatternReply,
    ReplyExpectation,
    ResponseReply,
    Turn,
)

__all__ = [
    "AnalyseFn",
    "Conversation",
    "ConversationCase",
    "ConversationFile",
    "ConversationResult",
    "Expectation",
    "OneOfReply",
    "ParseFn",
    "PatternReply",
    "ReplyExpectation",
    "ResponseReply",
    "Turn",
    "TurnOutcome",
    "assert_passes",
    "check_turn",
    "given_parse",
    "load_conversations",
    "load_conversations_text",
    "run_conversation",
    "run_conversations",
    "summarize",
]
