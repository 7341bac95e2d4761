"""Operations on the flow stack shared by the step runner and the repair policy."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from skills_core.dm.actions import StateView, call_with_timeout
from skills_core.dm.context import TurnContext
from skills_core.dm.events import (
    ActionFailed,
    FlowCancelled,
    FlowCompleted,
    FlowResumed,
    FlowStarted,
    FlowStartReason,
    HandoffReason,
    HandoffRequested,
    SlotSet,
    SlotSource,
    StepCompleted,
    StepStarted,
    ValidationFailed,
)
from skills_core.dm.responses import format_value, humanize
from skills_core.dm.slots import check, coerce, entity_values, owned_slots, slot_def
from skills_core.errors import DialogueError
from skills_core.spec.flows import STEP_KINDS, CollectStep, Validation
from skills_core.spec.types import Parse

VALIDATOR_TIMEOUT_S = 5.0
QUIET_KINDS = ("faq", "chitchat")
"""Flows of these kinds answer and resume the interrupted flow without a "let's get back" line."""


def start_flow(
    ctx: TurnContext,
    name: str,
    *,
    reason: FlowStartReason,
    parse: Parse | None = None,
    inherit: Iterable[str] = (),
) -> None:
    """Push flow ``name``; with ``parse``, fill its slots from the triggering utterance's entities."""
    ctx.emit(FlowStarted(flow=name, reason=reason, inherit_slots=list(inherit)))
    if parse is not None:
        fill_from_entities(ctx, parse, owned_slots(ctx.index.flow(name)), source="entity")


def goto_step(ctx: TurnContext, index: int) -> None:
    """Move the top flow to step ``index`` (the current step, if any, counts as done)."""
    frame = ctx.state.frame
    if frame is None:
        return
    if frame.waiting:
        ctx.emit(StepCompleted(flow=frame.flow, step=frame.step))
    step = ctx.index.flow(frame.flow).steps[index]
    kind = next(k for k in STEP_KINDS if hasattr(step, k))
    ctx.emit(StepStarted(flow=frame.flow, step=index, step_id=step.id, kind=kind))


def complete_step(ctx: TurnContext) -> None:
    frame = ctx.state.frame
    if frame is not None and frame.waiting:
        ctx.emit(StepCompleted(flow=frame.flow, step=frame.step))


def rules_for(ctx: TurnContext, slot: str) -> Validation | None:
    """The validation of the collect step for ``slot`` in the top flow."""
    flow = ctx.state.active_flow
    if flow is None:
        return None
    for step in ctx.index.flow(flow).steps:
        if isinstance(step, CollectStep) and step.collect == slot:
            return step.validate_
    return None


def _invalid(ctx: TurnContext, slot: str, raw: Any, expected: str, message: str | None) -> None:
    frame = ctx.state.frame
    step = ctx.current_step()
    here = isinstance(step, CollectStep) and step.collect == slot and frame is not None
    ctx.emit(
        ValidationFailed(
            flow=frame.flow if frame else None,
            step=frame.step if here and frame else None,
            slot=slot,
            value=raw,
            reason=f"expected {expected}",
        )
    )
    extra = {
        "slot_label": humanize(slot),
        "expected": expected,
        "value": format_value(raw, language=ctx.skill.language),
    }
    if message:
        ctx.say(message, policy="validation", extra=extra)
    else:
        specific = f"utter_invalid_{slot}"
        ctx.say(
            specific if specific in ctx.skill.responses else "utter_invalid", policy="validation", extra=extra
        )


def accept_value(ctx: TurnContext, slot: str, raw: Any, *, source: SlotSource) -> bool:
    """Coerce and validate ``raw`` for ``slot``; set it, or say why not (and count a retry).

    Returns:
        Whether the slot was set.
    """
    definition = slot_def(ctx.skill, slot)
    value, expected = coerce(definition, raw)
    rules = rules_for(ctx, slot)
    if expected is None:
        expected = check(rules, value)
    if expected is None and rules is not None and rules.action:
        verdict = _run_validator(ctx, rules.action, value)
        if verdict is not True:
            _invalid(ctx, slot, raw, "a different value", verdict or rules.error)
            return False
    if expected is not None:
        _invalid(ctx, slot, raw, expected, rules.error if rules else None)
        return False
    ctx.emit(SlotSet(slot=slot, value=value, source=source))
    return True


def _run_validator(ctx: TurnContext, name: str, value: Any) -> bool | str | None:
    """True when valid; a message (or None for the default one) when not."""
    frame = ctx.state.frame
    try:
        fn = ctx.actions.get_validator(name)
    except DialogueError as e:
        error: tuple[str, str, bool] | None = ("UnknownValidator", str(e), False)
    else:
        outcome = call_with_timeout(fn, value, StateView.of(ctx.state), timeout_s=VALIDATOR_TIMEOUT_S)
        if outcome.timed_out:
            error = ("TimeoutError", f"validator did not finish within {VALIDATOR_TIMEOUT_S:g}s", True)
        elif outcome.error is not None:
            error = (type(outcome.error).__name__, str(outcome.error), False)
        elif isinstance(outcome.value, bool | str):
            return outcome.value if outcome.value is not False else None
        else:
            error = ("InvalidResult", f"expected bool or str; found {type(outcome.value).__name__}", False)
    ctx.emit(
        ActionFailed(
            action=name,
            flow=frame.flow if frame else None,
            step=frame.step if frame else None,
            error_type=error[0],
            message=error[1],
            timed_out=error[2],
        )
    )
    ctx.say("utter_action_failed", policy="action_failed", detail=f"validator {name} failed")
    return None


def fill_from_entities(ctx: TurnContext, parse: Parse, slots: list[str], *, source: SlotSource) -> list[str]:
    """Set each of ``slots`` that ``parse`` has an entity for; return the names that were set."""
    filled: list[str] = []
    for slot, raw in entity_values(ctx.skill, parse, slots).items():
        if accept_value(ctx, slot, raw, source=source):
            filled.append(slot)
    return filled


def _clear_slots(ctx: TurnContext, names: Iterable[str]) -> None:
    keep = {s for f in ctx.state.stack for s in (*owned_slots(ctx.index.flow(f.flow)), *f.inherited)}
    for name in names:
        if name not in keep and ctx.state.slots.get(name) is not None:
            ctx.emit(SlotSet(slot=name, value=None, source="reset"))


def end_flow(
    ctx: TurnContext,
    *,
    cancelled: bool = False,
    reason: str = "",
    message: str | None = None,
    resume: bool = True,
) -> None:
    """Pop the top flow (clearing its slots unless it persists them) and resume the one below.

    Args:
        message: said after the flow ends and before the resumed flow's reminder.
        resume: whether the flow below (if interrupted) resumes now with a reminder.
    """
    frame = ctx.state.frame
    if frame is None:
        return
    flow = ctx.index.flow(frame.flow)
    said_why = ctx.reason("cancel" if cancelled else "flow", detail=reason)
    if cancelled:
        ctx.emit(FlowCancelled(flow=frame.flow, reason=reason))
    else:
        ctx.emit(FlowCompleted(flow=frame.flow))
    if not flow.persist_slots:
        _clear_slots(ctx, (*owned_slots(flow), *frame.inherited))
    if message:
        extra = {"flow_label": ctx.index.flow_label(frame.flow)}
        ctx.say(message, policy=said_why.policy, extra=extra, reason=said_why)
    below = ctx.state.frame
    if resume and below is not None and below.interrupted:
        ctx.emit(FlowResumed(flow=below.flow))
        if flow.kind not in QUIET_KINDS:
            ctx.say("utter_resume", policy="resume", extra={"flow_label": ctx.index.flow_label(below.flow)})


def link(ctx: TurnContext, target: str) -> None:
    """End the top flow and continue with ``target``, handing over the slots collected so far."""
    frame = ctx.state.frame
    if frame is None:
        start_flow(ctx, target, reason="link")
        return
    inherit = [*owned_slots(ctx.index.flow(frame.flow)), *frame.inherited]
    complete_step(ctx)
    ctx.emit(FlowCompleted(flow=frame.flow))
    start_flow(ctx, target, reason="link", inherit=dict.fromkeys(inherit))


def cancel_all(ctx: TurnContext, *, reason: str) -> None:
    """Cancel every flow on the stack, top first, without resuming any."""
    while ctx.state.frame is not None:
        end_flow(ctx, cancelled=True, reason=reason, resume=False)


def handoff(ctx: TurnContext, *, reason: HandoffReason, detail: str = "") -> None:
    """Cancel all flows, emit ``handoff_requested`` and start the handoff flow (or say ``utter_handoff``).

    The caller runs the steps of the started flow (``advance``).
    """
    active = ctx.state.active_flow
    cancel_all(ctx, reason="handoff")
    ctx.emit(HandoffRequested(reason=reason, flow=active, detail=detail))
    if ctx.index.handoff_flow is not None:
        start_flow(ctx, ctx.index.handoff_flow, reason="repair")
    else:
        ctx.say("utter_handoff", policy="handoff", detail=reason)
