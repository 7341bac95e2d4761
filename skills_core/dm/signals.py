"""Policies on the text analysis of a user message: refusing other languages, flow triggers.

The analysis reaches the dialogue manager as a plain ``text_analysed`` event (language, analyser
labels); the reducer keeps the latest one in ``DialogueState.language`` and ``.labels``.
"""

from __future__ import annotations

from skills_core.dm.context import TurnContext
from skills_core.dm.flowops import handoff, start_flow
from skills_core.dm.state import DialogueState
from skills_core.dm.steps import advance
from skills_core.spec.models import Skill
from skills_core.spec.types import Parse


def other_language(ctx: TurnContext) -> bool:
    """Act on a message in a language outside ``settings.languages``; True when the turn is handled.

    ``refuse`` says ``settings.language_response`` and re-asks a pending question, ``handoff``
    hands the conversation to a person, ``continue`` (or an undetected language) handles it as usual.
    """
    settings = ctx.index.settings
    language = ctx.state.language
    if not settings.languages or language is None or language in settings.languages:
        return False
    if settings.on_other_language == "continue":
        return False
    if settings.on_other_language == "handoff" and ctx.index.handoff_available:
        handoff(ctx, reason="language", detail=f"message in {language}")
    else:
        ctx.say(settings.language_response, policy="language", extra={"language": language}, detail=language)
    advance(ctx)
    return True


def triggered_flow(skill: Skill, state: DialogueState) -> str | None:
    """The first flow whose trigger matches the latest analyser labels and may start now.

    A flow fires at most once per conversation, not while it is on the stack, not after a handoff.
    """
    if not state.labels or state.handoff:
        return None
    running = {frame.flow for frame in state.stack}
    for name, flow in skill.flows.items():
        if name in state.triggered or name in running:
            continue
        for trigger in flow.triggers:
            got = state.labels.get(trigger.analyser)
            if got is not None and got.label == trigger.label and got.confidence >= trigger.min_confidence:
                return name
    return None


def start_triggered(ctx: TurnContext, flow: str, parse: Parse, *, intent_flow: str | None) -> None:
    """Start triggered ``flow``; a flow the message starts by intent goes underneath and resumes after."""
    if intent_flow is not None and ctx.state.frame is None:
        start_flow(ctx, intent_flow, reason="intent", parse=parse)
    start_flow(ctx, flow, reason="trigger")
    advance(ctx)
