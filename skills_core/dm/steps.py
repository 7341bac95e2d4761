"""The step runner: moves the top flow forward until it waits for the user or the stack is empty."""

from __future__ import annotations

from skills_core.dm.actions import BotMessage, StateView, call_with_timeout, check_result
from skills_core.dm.context import TurnContext, step_label
from skills_core.dm.events import ActionExecuted, ActionFailed, BotUttered, SlotSet, ValidationFailed
from skills_core.dm.flowops import complete_step, end_flow, goto_step, handoff, link
from skills_core.dm.responses import humanize
from skills_core.dm.slots import all_hold, slot_def
from skills_core.errors import DialogueError
from skills_core.spec.flows import ActionStep, BranchStep, CollectStep, ConfirmStep, LinkStep, SayStep

MAX_STEPS_PER_TURN = 200
"""Steps one turn may run before the engine reports a loop that never waits for the user."""


def advance(ctx: TurnContext) -> None:
    """Run steps until the top flow waits for an answer (collect/confirm) or no flow is left.

    Raises:
        DialogueError: the flows loop without ever asking the user anything.
    """
    for _ in range(MAX_STEPS_PER_TURN):
        frame = ctx.state.frame
        if frame is None:
            return
        flow = ctx.index.flow(frame.flow)
        if not frame.waiting:
            if frame.step + 1 >= len(flow.steps):
                end_flow(ctx)
            else:
                goto_step(ctx, frame.step + 1)
            continue
        if _run(ctx, frame.step):
            return
    frame = ctx.state.frame
    where = f"flow {frame.flow!r} at step {frame.step}" if frame else "the flows"
    raise DialogueError(
        f"expected a flow to wait for the user within {MAX_STEPS_PER_TURN} steps; found a loop in {where}. "
        "Fix: make sure every branch/goto cycle passes through a collect or confirm step."
    )


def jump(ctx: TurnContext, target: str) -> None:
    """Follow a jump target: a step id, ``end``, or ``flow:<name>``."""
    frame = ctx.state.frame
    if frame is None:
        return
    if target == "end":
        complete_step(ctx)
        end_flow(ctx)
        return
    if target.startswith("flow:"):
        link(ctx, target.removeprefix("flow:"))
        return
    flow = ctx.index.flow(frame.flow)
    index = next((i for i, s in enumerate(flow.steps) if s.id == target), None)
    if index is None:
        raise DialogueError(
            f"expected a step id, 'end' or 'flow:<name>' in flow {frame.flow!r}; found {target!r}. "
            f"Fix: use one of: {', '.join(s.id for s in flow.steps if s.id) or 'no step has an id'}."
        )
    goto_step(ctx, index)


def _run(ctx: TurnContext, index: int) -> bool:
    """Run the current step; return whether the flow now waits for the user."""
    step = ctx.current_step()
    match step:
        case CollectStep():
            if ctx.state.slots.get(step.collect) is not None and not step.ask_always:
                complete_step(ctx)
                return False
            ask(ctx)
            return True
        case ConfirmStep():
            ask(ctx)
            return True
        case SayStep():
            ctx.say(step.say, policy="flow")
            complete_step(ctx)
        case BranchStep():
            case = next((c for c in step.branch if all_hold(c.when, ctx.state.slots)), None)
            target = case.goto if case is not None else step.else_
            if target is None:
                complete_step(ctx)
            else:
                jump(ctx, target)
        case ActionStep():
            run_action(ctx, step, index)
        case LinkStep():
            link(ctx, step.link)
        case _:
            complete_step(ctx)
    return False


def ask(ctx: TurnContext) -> None:
    """Say the current collect/confirm step's question (a re-prompt variation after failed answers)."""
    frame = ctx.state.frame
    step = ctx.current_step()
    if frame is None or not isinstance(step, CollectStep | ConfirmStep):
        return
    retry = frame.retries > 0
    policy = "reprompt" if retry else "flow"
    if isinstance(step, ConfirmStep):
        ctx.say(
            step.reprompt if retry and step.reprompt else step.confirm, policy=policy, attempt=frame.retries
        )
        return
    specific = f"utter_ask_{step.collect}"
    prompt = step.prompt or (specific if specific in ctx.skill.responses else "utter_ask")
    if retry and step.reprompt:
        prompt = step.reprompt
    ctx.say(
        prompt,
        policy=policy,
        attempt=frame.retries,
        extra={"slot_label": humanize(step.collect)},
        buttons=slot_def(ctx.skill, step.collect).values,  # a categorical slot offers its values
    )


def reject(ctx: TurnContext, *, slot: str | None, value: object, reason: str) -> None:
    """Count a failed answer to the current step, then re-ask it or give up (``on_failure``)."""
    frame = ctx.state.frame
    step = ctx.current_step()
    if frame is None or not isinstance(step, CollectStep | ConfirmStep):
        return
    ctx.emit(ValidationFailed(flow=frame.flow, step=frame.step, slot=slot, value=value, reason=reason))
    retried(ctx)


def retried(ctx: TurnContext) -> None:
    """After a retry was counted: re-ask, or run ``on_failure`` once the retries are used up."""
    frame = ctx.state.frame
    step = ctx.current_step()
    if frame is None or not isinstance(step, CollectStep | ConfirmStep):
        return
    if frame.retries <= step.max_retries:
        ask(ctx)
        return
    target = step.on_failure or ctx.index.settings.on_failure
    if target == "handoff" and not ctx.index.handoff_available:
        target = "cancel"
    if target == "handoff":
        handoff(
            ctx,
            reason="step_failure",
            detail=f"{frame.flow} step {step_label(ctx.index.flow(frame.flow), frame.step)}",
        )
    elif target == "cancel":
        end_flow(ctx, cancelled=True, reason="too many failed answers", message="utter_step_failed")
    else:
        link(ctx, target)
    advance(ctx)


def run_action(ctx: TurnContext, step: ActionStep, index: int) -> None:
    """Run a registered action with its timeout; a failure becomes an apology and an event."""
    frame = ctx.state.frame
    flow = frame.flow if frame else None
    name = step.action
    try:
        fn = ctx.actions.action(name)
    except DialogueError as e:
        _action_failed(ctx, step, index, "UnknownAction", str(e), timed_out=False)
        return
    outcome = call_with_timeout(fn, StateView.of(ctx.state), timeout_s=step.timeout_s)
    if outcome.timed_out:
        _action_failed(
            ctx, step, index, "TimeoutError", f"did not finish within {step.timeout_s:g}s", timed_out=True
        )
        return
    if outcome.error is not None:
        _action_failed(ctx, step, index, type(outcome.error).__name__, str(outcome.error), timed_out=False)
        return
    try:
        result = check_result(name, outcome.value)
    except DialogueError as e:
        _action_failed(ctx, step, index, "InvalidResult", str(e), timed_out=False)
        return
    for slot, value in result.slots.items():
        ctx.emit(SlotSet(slot=slot, value=value, source="action"))
    ctx.emit(*result.events)
    ctx.emit(ActionExecuted(action=name, flow=flow, step=index))
    for message in result.messages:
        if isinstance(message, BotMessage):
            text = ctx.index.responses.fill(message.text, ctx.state.slots)
            ctx.emit(BotUttered(text=text, buttons=list(message.buttons), reason=ctx.reason("action", name)))
        else:
            ctx.say(message, policy="action", detail=name)
    complete_step(ctx)


def _action_failed(
    ctx: TurnContext, step: ActionStep, index: int, error_type: str, message: str, *, timed_out: bool
) -> None:
    frame = ctx.state.frame
    ctx.emit(
        ActionFailed(
            action=step.action,
            flow=frame.flow if frame else None,
            step=index,
            error_type=error_type,
            message=message,
            timed_out=timed_out,
        )
    )
    ctx.say("utter_action_failed", policy="action_failed", detail=f"{step.action}: {error_type}")
    target = step.on_error
    if target == "continue":
        complete_step(ctx)
    elif target == "cancel":
        end_flow(ctx, cancelled=True, reason=f"action {step.action} failed")
    elif target == "handoff":
        handoff(ctx, reason="action", detail=f"action {step.action} failed: {error_type}")
    else:
        jump(ctx, target)
