"""Reading a user turn as an answer to the waiting step: slot fills, corrections, yes/no, plain text."""

from __future__ import annotations

from skills_core.dm.context import TurnContext
from skills_core.dm.events import SlotSet
from skills_core.dm.flowops import accept_value, complete_step, end_flow, goto_step
from skills_core.dm.responses import format_value, humanize
from skills_core.dm.slots import coerce, collect_index, entity_values, owned_slots, slot_def
from skills_core.dm.state import Frame
from skills_core.dm.steps import advance, jump, retried
from skills_core.spec.flows import CollectStep, ConfirmStep
from skills_core.spec.types import Parse

_TEXT_KINDS = ("text", "categorical", "any")


def answer(ctx: TurnContext, parse: Parse) -> bool:
    """Use ``parse`` as an answer to the top flow's waiting step, if it is one.

    Entities for the flow's slots fill the empty ones (not only the one asked for) and correct the
    filled ones; a yes/no answers a confirm step or a ``bool`` slot; plain text answers a text-like slot.

    Returns:
        Whether the turn was consumed (and is finished: the flow moved on or re-asked).
    """
    frame = ctx.state.frame
    step = ctx.current_step()
    if frame is None or not frame.waiting or not isinstance(step, CollectStep | ConfirmStep):
        return False
    flow = ctx.index.flow(frame.flow)
    expected = step.collect if isinstance(step, CollectStep) else None
    slots = list(dict.fromkeys([*owned_slots(flow), *frame.inherited]))
    values = entity_values(ctx.skill, parse, slots)
    if values:
        _fill_and_correct(ctx, values, expected, frame)
        return True
    if isinstance(step, ConfirmStep):
        return _confirm(ctx, parse, step)
    return _plain_answer(ctx, parse, step)


def _fill_and_correct(
    ctx: TurnContext, values: dict[str, object], expected: str | None, frame: Frame
) -> None:
    flow = ctx.index.flow(frame.flow)
    corrected: list[str] = []
    expected_failed = False
    for slot, raw in values.items():
        current = ctx.state.slots.get(slot)
        if current is None or slot == expected:
            if not accept_value(ctx, slot, raw, source="entity") and slot == expected:
                expected_failed = True
            continue
        new, problem = coerce(slot_def(ctx.skill, slot), raw)
        if problem is None and new == current:
            continue
        if accept_value(ctx, slot, raw, source="correction"):
            corrected.append(slot)
            if "utter_corrected" in ctx.skill.responses:
                value = format_value(
                    ctx.state.slots.get(slot),
                    kind=slot_def(ctx.skill, slot).type,
                    language=ctx.skill.language,
                )
                extra = {"slot_label": humanize(slot), "value": value}
                ctx.say("utter_corrected", policy="correction", extra=extra, detail=slot)
    if expected_failed and not corrected:
        retried(ctx)
        return
    rewind = [i for i in (collect_index(flow, s) for s in corrected) if i is not None and i < frame.step]
    if rewind:
        # re-run from the corrected slot's question (never before an action that already ran), so
        # branches see the new value and the confirm question is asked again
        goto_step(ctx, max(min(rewind), frame.barrier))
    elif expected is not None and ctx.state.slots.get(expected) is not None and not expected_failed:
        complete_step(ctx)
    advance(ctx)


def _confirm(ctx: TurnContext, parse: Parse, step: ConfirmStep) -> bool:
    settings = ctx.index.settings
    if parse.intent not in (settings.affirm_intent, settings.deny_intent):
        return False
    yes = parse.intent == settings.affirm_intent
    if step.slot:
        ctx.emit(SlotSet(slot=step.slot, value=yes, source="answer"))
    if yes:
        complete_step(ctx)
    elif step.on_no == "cancel":
        end_flow(ctx, cancelled=True, reason="user said no", message="utter_cancelled")
    elif step.on_no == "ask_change":
        ctx.say("utter_ask_correction", policy="correction", detail="confirmation denied")
        return True
    else:
        jump(ctx, step.on_no)
    advance(ctx)
    return True


def _plain_answer(ctx: TurnContext, parse: Parse, step: CollectStep) -> bool:
    settings = ctx.index.settings
    definition = slot_def(ctx.skill, step.collect)
    yes_no = (settings.affirm_intent, settings.deny_intent)
    if definition.type == "bool":
        if parse.intent not in yes_no:
            return False
        value: object = parse.intent == settings.affirm_intent
    else:
        text = parse.text.strip()
        not_an_answer = (*yes_no, settings.correct_intent)
        if not text or parse.intent in not_an_answer or ctx.index.intent_response(parse.intent):
            return False
        if definition.type not in _TEXT_KINDS and coerce(definition, text)[1] is not None:
            return False
        value = text
    if accept_value(ctx, step.collect, value, source="text"):
        complete_step(ctx)
        advance(ctx)
    else:
        retried(ctx)
    return True
