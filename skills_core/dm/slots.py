"""Slots: which a flow owns, values from entities, type coercion, validation and branch conditions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from skills_core.spec.flows import CollectStep, Condition, ConfirmStep, Flow, Validation
from skills_core.spec.models import Skill, SlotDef
from skills_core.spec.types import Parse

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def owned_slots(flow: Flow) -> list[str]:
    """The slots a flow collects or stores confirm answers in, in step order."""
    names: list[str] = []
    for step in flow.steps:
        if isinstance(step, CollectStep):
            name: str | None = step.collect
        elif isinstance(step, ConfirmStep):
            name = step.slot
        else:
            continue
        if name and name not in names:
            names.append(name)
    return names


def collect_index(flow: Flow, slot: str) -> int | None:
    """Index of the first step that collects ``slot``."""
    for i, step in enumerate(flow.steps):
        if isinstance(step, CollectStep) and step.collect == slot:
            return i
    return None


def slot_def(skill: Skill, slot: str) -> SlotDef:
    """The slot's definition (an untyped ``any`` slot when the skill does not declare it)."""
    return skill.slots.get(slot) or SlotDef(type="any")


def entity_values(skill: Skill, parse: Parse, slots: list[str]) -> dict[str, Any]:
    """The first value of each slot's entity (``SlotDef.entity``, default the slot name) in ``parse``."""
    found: dict[str, Any] = {}
    for name in slots:
        values = parse.entity_values(slot_def(skill, name).entity or name)
        if values:
            found[name] = values[0]
    return found


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, Mapping):
        return _number(value.get("amount", value.get("value")))
    if isinstance(value, str):
        try:
            number = float(value.replace(",", "").strip())
        except ValueError:
            return None
        return int(number) if number.is_integer() else number
    return None


def number_of(value: Any) -> float | int | None:
    """The number in a number or money value (``None`` if there is none)."""
    return _number(value)


def coerce(definition: SlotDef, value: Any) -> tuple[Any, str | None]:
    """Convert ``value`` to the slot's type.

    Returns:
        ``(value, None)`` on success, else ``(None, what was expected)``.
    """
    kind = definition.type
    if value is None:
        return None, "a value"
    if kind == "any":
        return value, None
    if kind == "number":
        number = _number(value)
        return (number, None) if number is not None else (None, "a number")
    if kind == "money":
        amount = _number(value)
        if amount is None:
            return None, "an amount of money"
        currency = value.get("currency") if isinstance(value, Mapping) else None
        return {"amount": amount, "currency": currency}, None
    if kind == "bool":
        if isinstance(value, bool):
            return value, None
        text = str(value).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE, None
        return None, "yes or no"
    if isinstance(value, Mapping) and kind == "datetime":
        return dict(value), None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None, f"a {kind} value"
    text = str(value).strip()
    if kind == "categorical" and definition.values:
        for allowed in definition.values:
            if allowed.lower() == text.lower():
                return allowed, None
        return None, "one of " + ", ".join(definition.values)
    if kind == "email" and not _EMAIL.fullmatch(text):
        return None, "an email address"
    if kind == "phone" and sum(c.isdigit() for c in text) < 5:
        return None, "a phone number"
    return (text, None) if text else (None, "a value")


def check(rules: Validation | None, value: Any) -> str | None:
    """The first rule of ``rules`` that ``value`` breaks, described, or ``None`` when it passes.

    Registered validator actions (``rules.action``) are run by the caller, which owns the registry.
    """
    if rules is None:
        return None
    number = _number(value)
    if rules.min is not None and (number is None or number < rules.min):
        return f"at least {rules.min:g}"
    if rules.max is not None and (number is None or number > rules.max):
        return f"at most {rules.max:g}"
    if rules.pattern is not None and not re.fullmatch(rules.pattern, str(value)):
        return f"text matching {rules.pattern}"
    if rules.values is not None and str(value).lower() not in {v.lower() for v in rules.values}:
        return "one of " + ", ".join(rules.values)
    return None


def _compare(value: Any, other: Any) -> bool:
    if isinstance(value, Mapping) and not isinstance(other, Mapping):
        value = _number(value) if _number(value) is not None else value
    if isinstance(value, str) and isinstance(other, str):
        return value.lower() == other.lower()
    return bool(value == other)


def holds(condition: Condition, slots: Mapping[str, Any]) -> bool:
    """Whether every operator given in ``condition`` holds for the slot's value."""
    value = slots.get(condition.slot)
    given = condition.model_fields_set - {"slot"}
    number = _number(value)
    for op in given:
        target = getattr(condition, op)
        if op == "set":
            ok = (value is not None) == bool(target)
        elif op == "eq":
            ok = _compare(value, target)
        elif op == "ne":
            ok = not _compare(value, target)
        elif op == "in_":
            ok = any(_compare(value, t) for t in target or [])
        elif number is None or target is None:
            ok = False
        else:
            ok = {
                "gt": number > target,
                "ge": number >= target,
                "lt": number < target,
                "le": number <= target,
            }[op]
        if not ok:
            return False
    return True


def all_hold(when: Condition | list[Condition], slots: Mapping[str, Any]) -> bool:
    """Whether a branch case's condition (or all of its list of conditions) holds."""
    conditions = when if isinstance(when, list) else [when]
    return all(holds(c, slots) for c in conditions)
