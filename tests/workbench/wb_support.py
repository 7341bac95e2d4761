"""Helpers of the workbench tests."""

from __future__ import annotations

from pathlib import Path

from skills_core.spec.types import Entity, Fallback, IntentScore, Parse


def make_parse(
    text: str,
    intent: str,
    ranking: list[tuple[str, float]],
    *,
    entities: list[tuple[int, int, str, object]] = (),
    fallback: tuple[str, str, str | None] | None = None,
) -> Parse:
    """A Parse by hand: ``ranking`` as (name, confidence), ``entities`` as (start, end, type, value)."""
    confidence = dict(ranking).get(intent, 1.0 - ranking[0][1] if ranking else 1.0)
    return Parse(
        text=text,
        intent=intent,
        confidence=confidence,
        ranking=[IntentScore(name=n, confidence=c) for n, c in ranking],
        entities=[Entity(entity=e, start=s, end=t, text=text[s:t], value=v) for s, t, e, v in entities],
        fallback=None
        if fallback is None
        else Fallback(reason=fallback[0], detail=fallback[1], candidate=fallback[2]),
    )


CONVERSATIONS = Path(__file__).parent / "data" / "tiny_conversations.yml"
"""Conversation tests of the tiny skill; the second one diverges on purpose at turn 2."""
