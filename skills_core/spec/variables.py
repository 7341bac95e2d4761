"""The variables the dialogue manager passes to some responses, besides slot values.

A response template may use ``{slot}`` placeholders for declared slots. The built-in responses (and
the responses used in their place) also receive variables that are not slots, for example
``utter_clarify`` gets ``{options}`` ("checking your balance or sending money"). A skill that
overrides a built-in response, say to translate it, may use them; validation accepts them there only.

This table mirrors what ``skills_core.dm`` passes (``dm.responses.DEFAULT_RESPONSES`` and the
``extra=`` arguments of its ``say`` calls); a test keeps the two in step.
"""

from __future__ import annotations

from skills_core.spec.flows import CollectStep
from skills_core.spec.models import Skill

FLOW_LABEL = frozenset({"flow_label"})
"""The description of the flow concerned (or its humanised name)."""
SLOT_LABEL = frozenset({"slot_label"})
"""The humanised name of the slot concerned (``card_last4`` -> ``card last4``)."""
INVALID = frozenset({"slot_label", "expected", "value"})
"""A rejected answer: the slot, what was expected (``at least 1``) and the rejected value, formatted."""

BUILTIN_VARIABLES: dict[str, frozenset[str]] = {
    "utter_resume": FLOW_LABEL,
    "utter_cancelled": FLOW_LABEL,
    "utter_step_failed": FLOW_LABEL,
    "utter_clarify": frozenset({"options"}),
    "utter_invalid": INVALID,
    "utter_ask": SLOT_LABEL,
    "utter_corrected": frozenset({"slot_label", "value"}),
    "utter_language_unsupported": frozenset({"language"}),
}
"""Built-in response name -> the non-slot variables it receives."""

PREFIX_VARIABLES: dict[str, frozenset[str]] = {"utter_invalid_": INVALID, "utter_ask_": SLOT_LABEL}
"""Per-slot responses (``utter_invalid_<slot>``, ``utter_ask_<slot>``) receive these variables."""


def response_variables(skill: Skill) -> dict[str, frozenset[str]]:
    """Response name -> the non-slot variables the dialogue manager passes when it says it.

    The built-in names, the per-slot prefixes, and the responses a flow uses as a collect step's
    ``prompt``/``reprompt`` (``{slot_label}``) or ``validate.error`` (``{slot_label}``, ``{expected}``,
    ``{value}``).
    """
    names: dict[str, set[str]] = {name: set(v) for name, v in BUILTIN_VARIABLES.items()}
    for name in skill.responses:
        for prefix, variables in PREFIX_VARIABLES.items():
            if name.startswith(prefix):
                names.setdefault(name, set()).update(variables)
    names.setdefault(skill.settings.language_response, set()).add("language")
    for flow in skill.flows.values():
        for step in flow.steps:
            if not isinstance(step, CollectStep):
                continue
            for prompt in (step.prompt, step.reprompt):
                if prompt is not None:
                    names.setdefault(prompt, set()).update(SLOT_LABEL)
            if step.validate_ is not None and step.validate_.error is not None:
                names.setdefault(step.validate_.error, set()).update(INVALID)
    return {name: frozenset(v) for name, v in names.items()}
