"""Checks that a skill's flows can run: jump targets, linked flows, slots, registered actions."""

from __future__ import annotations

from skills_core.dm.actions import ActionRegistry
from skills_core.errors import DialogueError, Problem, SpecError
from skills_core.spec.flows import ActionStep, BranchStep, CollectStep, ConfirmStep, Flow, LinkStep
from skills_core.spec.models import Skill


def _target_problem(skill: Skill, flow: Flow, target: str, reserved: tuple[str, ...]) -> str | None:
    """Why ``target`` is not a valid jump, or ``None``."""
    if target in reserved or target == "end":
        return None
    if target.startswith("flow:"):
        name = target.removeprefix("flow:")
        return None if name in skill.flows else f"an unknown flow {name!r}"
    if any(step.id == target for step in flow.steps):
        return None
    return f"an unknown step id {target!r}"


def skill_problems(skill: Skill) -> list[Problem]:
    """Every reference in the flows that the engine could not follow."""
    problems: list[Problem] = []
    where = f"<skill {skill.name}>"

    def add(path: str, expected: str, found: str, fix: str) -> None:
        problems.append(Problem(file=where, line=None, expected=expected, found=found, fix=fix, path=path))

    for name, flow in skill.flows.items():
        ids = ", ".join(s.id for s in flow.steps if s.id) or "(no step has an id)"
        for i, step in enumerate(flow.steps):
            path = f"flows.{name}.steps.{i}"
            jumps: list[tuple[str, str, tuple[str, ...]]] = []
            if isinstance(step, CollectStep | ConfirmStep):
                slot = step.collect if isinstance(step, CollectStep) else step.slot
                if slot is not None and slot not in skill.slots:
                    add(path, "a declared slot", f"{slot!r}", "declare it under slots: (or fix the name)")
                failure = step.on_failure
                if failure not in (None, "handoff", "cancel") and failure not in skill.flows:
                    add(
                        f"{path}.on_failure",
                        "'handoff', 'cancel' or a flow name",
                        repr(failure),
                        f"flows are: {', '.join(skill.flows)}",
                    )
            if isinstance(step, ConfirmStep):
                jumps.append(("on_no", step.on_no, ("cancel", "ask_change")))
            if isinstance(step, BranchStep):
                jumps += [(f"branch.{j}.goto", case.goto, ()) for j, case in enumerate(step.branch)]
                if step.else_ is not None:
                    jumps.append(("else", step.else_, ()))
            if isinstance(step, ActionStep):
                jumps.append(("on_error", step.on_error, ("cancel", "continue", "handoff")))
            if isinstance(step, LinkStep) and step.link not in skill.flows:
                add(
                    f"{path}.link",
                    "the name of a flow",
                    repr(step.link),
                    f"flows are: {', '.join(skill.flows)}",
                )
            for key, target, reserved in jumps:
                problem = _target_problem(skill, flow, target, reserved)
                if problem:
                    allowed = ", ".join((*reserved, "end", "flow:<name>"))
                    add(
                        f"{path}.{key}",
                        f"a step id of flow {name!r} or one of {allowed}",
                        problem,
                        f"step ids are: {ids}",
                    )
    return problems


def missing_registrations(skill: Skill, actions: ActionRegistry) -> list[str]:
    """Actions and validators the flows use that are not registered, as messages."""
    missing: list[str] = []
    for name, flow in skill.flows.items():
        for i, step in enumerate(flow.steps):
            if isinstance(step, ActionStep) and step.action not in actions:
                missing.append(f"action {step.action!r} (flows.{name}.steps.{i})")
            rules = step.validate_ if isinstance(step, CollectStep) else None
            if rules is not None and rules.action and rules.action not in actions.validator_names:
                missing.append(f"validator {rules.action!r} (flows.{name}.steps.{i}.validate)")
    return missing


def check_skill(skill: Skill, actions: ActionRegistry) -> None:
    """Raise if the flows reference something that does not exist.

    Raises:
        SpecError: a jump target, linked flow or slot is unknown (every problem listed).
        DialogueError: an action or validator the flows use is not registered.
    """
    problems = skill_problems(skill)
    if problems:
        raise SpecError(problems)
    missing = missing_registrations(skill, actions)
    if missing:
        known = ", ".join(actions.action_names) or "none"
        raise DialogueError(
            f"expected every action the flows use to be registered; found missing: {'; '.join(missing)} "
            f"(registered actions: {known}). "
            "Fix: pass an ActionRegistry with them to DialogueManager(actions=...)."
        )
