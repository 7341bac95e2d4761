"""Reference checks inside flows: intents, slots, responses, step ids and linked flows exist."""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from typing import Literal

from skills_core.spec.checker import Checker
from skills_core.spec.flows import (
    ActionStep,
    BranchStep,
    CollectStep,
    Condition,
    ConfirmStep,
    Flow,
    LinkStep,
    SayStep,
    Validation,
)
from skills_core.spec.variables import INVALID, SLOT_LABEL

Path = tuple[str | int, ...]

# Jump targets (goto, else, on_no, on_error) are a keyword, a step id of the flow, or flow:<name>.
_GOTO_WORDS = ("end",)
_ON_NO_WORDS = ("cancel", "ask_change", "end")
_ON_ERROR_WORDS = ("cancel", "continue", "handoff", "end")
# on_failure is not a jump: 'handoff', 'cancel' or the bare name of a flow to link to.
_ON_FAILURE_WORDS = ("handoff", "cancel")
FLOW_PREFIX = "flow:"


def check_flows(c: Checker) -> None:
    """Check every flow of ``c.skill``, appending problems to ``c``."""
    started_by: dict[str, str] = {}
    for name, flow in c.skill.flows.items():
        base: Path = ("flows", name)
        for i, intent in enumerate(flow.intents):
            c.require((*base, "intents", i), "intent", intent)
            other = started_by.setdefault(intent, name)
            if other != name:
                c.add(
                    (*base, "intents", i),
                    expected="each intent starting at most one flow",
                    found=f"intent '{intent}' starts both '{other}' and '{name}'",
                    fix=f"remove '{intent}' from the intents of one of the two flows",
                )
        step_ids = _step_ids(c, base, flow)
        for i, step in enumerate(flow.steps):
            _check_step(c, (*base, "steps", i), step, step_ids)


def _step_ids(c: Checker, base: Path, flow: Flow) -> list[str]:
    ids: list[str] = []  # unique, in order
    for i, step in enumerate(flow.steps):
        if step.id is None:
            continue
        if step.id in ids:
            c.add(
                (*base, "steps", i, "id"),
                expected="step ids unique within a flow",
                found=f"step id '{step.id}' used twice",
                fix="rename one of the two steps",
            )
        else:
            ids.append(step.id)
    return ids


def _check_step(c: Checker, path: Path, step: object, step_ids: list[str]) -> None:
    if isinstance(step, CollectStep):
        c.require((*path, "collect"), "slot", step.collect)
        if step.prompt is not None:
            c.check_text((*path, "prompt"), step.prompt, variables=SLOT_LABEL)
        _check_reprompt(c, path, step)
        if step.validate_ is not None:
            _check_validation(c, (*path, "validate"), step.validate_)
        _check_on_failure(c, path, step.on_failure)
    elif isinstance(step, ConfirmStep):
        c.check_text((*path, "confirm"), step.confirm)
        _check_reprompt(c, path, step)
        if step.slot is not None:
            c.require((*path, "slot"), "slot", step.slot)
        _check_target(
            c, (*path, "on_no"), step.on_no, words=_ON_NO_WORDS, step_ids=step_ids, flows="prefixed"
        )
        _check_on_failure(c, path, getattr(step, "on_failure", None))
    elif isinstance(step, BranchStep):
        for j, case in enumerate(step.branch):
            case_path = (*path, "branch", j)
            conditions = case.when if isinstance(case.when, list) else [case.when]
            for k, condition in enumerate(conditions):
                where = (*case_path, "when", k) if isinstance(case.when, list) else (*case_path, "when")
                _check_condition(c, where, condition)
            _check_target(
                c, (*case_path, "goto"), case.goto, words=_GOTO_WORDS, step_ids=step_ids, flows="prefixed"
            )
        if step.else_ is not None:
            _check_target(
                c, (*path, "else"), step.else_, words=_GOTO_WORDS, step_ids=step_ids, flows="prefixed"
            )
    elif isinstance(step, ActionStep):
        on_error = getattr(step, "on_error", None)
        if isinstance(on_error, str):
            _check_target(
                c, (*path, "on_error"), on_error, words=_ON_ERROR_WORDS, step_ids=step_ids, flows="prefixed"
            )
    elif isinstance(step, SayStep):
        c.check_text((*path, "say"), step.say)
    elif isinstance(step, LinkStep):
        name = step.link.removeprefix(FLOW_PREFIX)
        c.require((*path, "link"), "flow", name)


def _check_reprompt(c: Checker, path: Path, step: CollectStep | ConfirmStep) -> None:
    reprompt = getattr(step, "reprompt", None)
    if isinstance(reprompt, str):
        c.check_text(
            (*path, "reprompt"), reprompt, variables=SLOT_LABEL if isinstance(step, CollectStep) else ()
        )


def _check_condition(c: Checker, path: Path, condition: Condition) -> None:
    c.require((*path, "slot"), "slot", condition.slot)


def _check_validation(c: Checker, path: Path, validation: Validation) -> None:
    if validation.error is not None:
        c.check_text((*path, "error"), validation.error, variables=INVALID)
    if validation.pattern is not None:
        try:
            re.compile(validation.pattern)
        except re.error as e:
            c.add(
                (*path, "pattern"),
                expected="a valid Python regular expression",
                found=f"{validation.pattern!r} ({e})",
                fix="fix the pattern (escape literal characters such as '(' '[' '.' with a backslash)",
            )


def _check_on_failure(c: Checker, path: Path, value: object) -> None:
    if isinstance(value, str):
        _check_target(c, (*path, "on_failure"), value, words=_ON_FAILURE_WORDS, flows="bare")


def _check_target(
    c: Checker,
    path: Path,
    value: str,
    *,
    words: Collection[str],
    step_ids: Collection[str] | None = None,
    flows: Literal["prefixed", "bare"] | None = None,
) -> None:
    """Check a jump target: a keyword, a step id of this flow (when given), or a flow (when allowed).

    Flows are named ``flow:<name>`` where a step id could also stand (``prefixed``), by bare name elsewhere.
    """
    if value in words or (step_ids is not None and value in step_ids):
        return
    if flows == "prefixed" and value.startswith(FLOW_PREFIX):
        c.require(path, "flow", value.removeprefix(FLOW_PREFIX))
        return
    if flows == "bare" and c.exists("flow", value):
        return
    parts = [f"'{w}'" for w in words]
    if step_ids is not None:
        parts.append(f"a step id of this flow ({', '.join(step_ids) or 'no step has an id'})")
    if flows:
        parts.append(f"'{FLOW_PREFIX}<flow name>'" if flows == "prefixed" else "a flow name")
    flow_names = [f"{FLOW_PREFIX}{f}" if flows == "prefixed" else f for f in c.skill.flows] if flows else []
    candidates = [*words, *(step_ids or ()), *flow_names]
    close = difflib.get_close_matches(value, candidates, n=1)
    if close:
        fix = f"did you mean '{close[0]}'?"
    elif step_ids is not None:
        fix = f"give the target step 'id: {value}', or use one of the allowed values"
    else:
        fix = "use one of the allowed values"
    c.add(
        path, expected=", ".join(parts[:-1]) + " or " + parts[-1], found=f"unknown target '{value}'", fix=fix
    )
