"""The turn policy: what a user turn means given the state, including every conversation repair.

Order of precedence (first match wins):

0. a message in a language outside ``settings.languages`` is refused (``signals.other_language``);
1. an ``affirm`` to a one-candidate clarification question replays the clarified utterance;
2. the handoff intent hands off; the cancel intent cancels the top flow; a flow trigger on the
   message's analyser labels starts its flow (``signals.triggered_flow``);
3. with no flow active: a flow's intent starts it; an intent with an ``utter_<intent>`` response is
   answered; anything else is a fallback (a clarification question when the NLU was unsure);
4. with a flow waiting: another flow's intent digresses (a flow lower on the stack is brought back);
   entities, yes/no or plain text answer or correct; an ``utter_<intent>`` intent is answered and the
   question re-asked; the correct intent alone asks what to change; anything else is a failed answer.
"""

from __future__ import annotations

from skills_core.dm.answers import answer
from skills_core.dm.context import TurnContext
from skills_core.dm.events import FallbackReason, FallbackTriggered
from skills_core.dm.flowops import end_flow, handoff, start_flow
from skills_core.dm.signals import other_language, start_triggered, triggered_flow
from skills_core.dm.steps import advance, reject
from skills_core.spec.flows import CollectStep, ConfirmStep
from skills_core.spec.types import OUT_OF_SCOPE, Parse

CLARIFY_CANDIDATES = 2


def handle_turn(ctx: TurnContext, parse: Parse) -> None:
    """Decide what ``parse`` means and emit the resulting events (the ``user_uttered`` is already there)."""
    if other_language(ctx):
        return
    parse, clarified = _clarified(ctx, parse)
    index = ctx.index
    settings = index.settings
    intent = parse.intent
    if index.is_handoff(intent):
        handoff(ctx, reason="user_request", detail=f"intent {intent}")
        advance(ctx)
        return
    if index.is_cancel(intent):
        _cancel(ctx)
        return
    unsure = parse.is_fallback or intent == OUT_OF_SCOPE or parse.confidence < settings.clarify_below
    target = None if unsure else index.intent_flow.get(intent)
    if (triggered := triggered_flow(ctx.skill, ctx.state)) is not None:
        start_triggered(ctx, triggered, parse, intent_flow=target)
        return
    frame = ctx.state.frame
    if frame is None:
        if target is not None:
            start_flow(ctx, target, reason="clarified" if clarified else "intent", parse=parse)
            advance(ctx)
        elif not unsure and (response := index.intent_response(intent)):
            ctx.say(response, policy="intent_response", detail=intent)
        else:
            fallback(ctx, parse, unsure=unsure)
        return
    if target is not None and target != frame.flow:
        _digress(ctx, target, parse)
        return
    if answer(ctx, parse):
        return
    if target == frame.flow:
        advance(ctx)  # the active flow's own intent without anything new: just ask again
    elif not unsure and (response := index.intent_response(intent)):
        ctx.say(response, policy="intent_response", detail=intent)
        advance(ctx)
    elif intent == settings.correct_intent:
        ctx.say("utter_ask_correction", policy="correction", detail="no new value given")
    elif isinstance(step := ctx.current_step(), CollectStep | ConfirmStep) and frame.waiting:
        slot = step.collect if isinstance(step, CollectStep) else None
        reason = "no usable answer" if not unsure else f"not understood ({intent})"
        reject(ctx, slot=slot, value=parse.text, reason=reason)
    else:
        advance(ctx)  # a flow that is not waiting (e.g. a restored log cut mid-turn): move it on


def _clarified(ctx: TurnContext, parse: Parse) -> tuple[Parse, bool]:
    """After "Did you mean X?", a yes means the previous utterance was X."""
    candidates = ctx.prior.clarification
    previous = ctx.prior.latest_parse
    if len(candidates) != 1 or previous is None or parse.intent != ctx.index.settings.affirm_intent:
        return parse, False
    update = {"intent": candidates[0], "confidence": 1.0, "fallback": None}
    return previous.model_copy(update=update), True


def _cancel(ctx: TurnContext) -> None:
    cancel_flow = ctx.index.cancel_flow
    if ctx.state.frame is not None:
        if cancel_flow is not None:
            end_flow(ctx, cancelled=True, reason="user cancelled", resume=False)
        else:
            end_flow(ctx, cancelled=True, reason="user cancelled", message="utter_cancelled")
    elif cancel_flow is None:
        ctx.say("utter_cancelled", policy="cancel", detail="nothing to cancel")
    if cancel_flow is not None:
        start_flow(ctx, cancel_flow, reason="repair")
    advance(ctx)


def _digress(ctx: TurnContext, target: str, parse: Parse) -> None:
    stacked = [f.flow for f in ctx.state.stack]
    if target in stacked:
        # the user went back to a flow they had left: drop what was started on top of it
        while ctx.state.active_flow != target:
            below = ctx.state.stack[-2].flow if len(ctx.state.stack) > 1 else None
            end_flow(ctx, cancelled=True, reason=f"user returned to {target}", resume=below == target)
    else:
        start_flow(ctx, target, reason="digression", parse=parse)
    advance(ctx)


def _candidates(ctx: TurnContext, parse: Parse) -> list[str]:
    names = [s.name for s in parse.ranking]
    if not names:
        names = [n for n in (parse.fallback.candidate if parse.fallback else None, parse.intent) if n]
    chosen: list[str] = []
    for name in names:
        if ctx.index.handleable(name) and name not in chosen:
            chosen.append(name)
    return chosen[:CLARIFY_CANDIDATES]


def options_text(labels: list[str], *, language: str = "en") -> str:
    """Alternatives as one phrase for ``{options}``: ``a, b or c`` (Chinese: ``a、b还是c``)."""
    if len(labels) <= 1:
        return "".join(labels)
    if language.split("-")[0].lower() == "zh":
        return "、".join(labels[:-1]) + "还是" + labels[-1]
    return ", ".join(labels[:-1]) + " or " + labels[-1]


def fallback(ctx: TurnContext, parse: Parse, *, unsure: bool) -> None:
    """Say the fallback (or a clarification question naming the top candidates), or hand off after
    ``max_fallbacks`` fallbacks in a row."""
    settings = ctx.index.settings
    reason: FallbackReason
    if parse.fallback is not None:
        reason = parse.fallback.reason
    elif parse.intent == OUT_OF_SCOPE:
        reason = "out_of_scope"
    else:
        reason = "low_confidence" if unsure else "no_flow"
    candidates = _candidates(ctx, parse) if reason in ("low_confidence", "ambiguous") else []
    streak = ctx.state.fallback_streak + 1
    if settings.handoff_on_fallback and ctx.index.handoff_available and streak > settings.max_fallbacks:
        ctx.emit(FallbackTriggered(reason=reason))
        handoff(ctx, reason="fallback", detail=f"{streak} misunderstandings in a row")
        advance(ctx)
        return
    ctx.emit(FallbackTriggered(reason=reason, candidates=candidates))
    if candidates:
        labels = [ctx.index.intent_label(c) for c in candidates]
        ctx.say(
            "utter_clarify",
            policy="clarify",
            extra={"options": options_text(labels, language=ctx.skill.language)},
            buttons=labels,
        )
    else:
        ctx.say(settings.fallback_response, policy="fallback", detail=reason)
