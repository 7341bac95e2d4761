"""Flow schema: the multi-turn procedures a skill runs (the engine lives in ``skills_core.dm``).

A flow is a list of steps; each step is a mapping whose *kind* is given by the one key among
``collect``, ``confirm``, ``branch``, ``action``, ``say``, ``link``::

    flows:
      transfer_money:
        description: Send money to a saved payee
        intents: [transfer_money]
        steps:
          - collect: amount
            prompt: utter_ask_amount
            validate: {min: 1, max: 5000}
          - collect: recipient
          - branch:
              - when: {slot: amount, gt: 1000}
                goto: warn_large
            else: confirm
          - id: warn_large
            say: utter_large_transfer
          - id: confirm
            confirm: utter_confirm_transfer
            on_no: ask_change
          - action: do_transfer
            timeout_s: 3
          - say: utter_transfer_done

A flow may also start on the user's message rather than an intent: ``triggers`` name an analyser
label (see ``analysers:``) and the confidence it needs::

      offer_human:
        triggers: [{analyser: sentiment, label: negative, min_confidence: 0.8}]
        steps: [...]

Jump targets (``goto``, ``else``, ``on_no``, ``on_error``) name a step ``id``; ``end`` finishes the
flow and ``flow:<name>`` links to another flow. How the steps run is described in ``skills_core.dm``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

STEP_KINDS = ("collect", "confirm", "branch", "action", "say", "link")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Validation(_Model):
    """Checks a collected value must pass before it is stored."""

    min: float | None = Field(default=None, description="Smallest accepted number/amount.")
    max: float | None = Field(default=None, description="Largest accepted number/amount.")
    pattern: str | None = Field(default=None, description="Regex the text value must fully match.")
    values: list[str] | None = Field(default=None, description="Accepted values (canonical).")
    action: str | None = Field(
        default=None, description="Registered validator: fn(value, state) -> bool | str."
    )
    error: str | None = Field(default=None, description="Response name or text said when validation fails.")


class Condition(_Model):
    """A test on one slot. Exactly one operator should be given (``set`` / ``unset`` take ``true``)."""

    slot: str
    eq: Any = None
    ne: Any = None
    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    in_: list[Any] | None = Field(default=None, alias="in")
    set: bool | None = None


class _StepBase(_Model):
    id: str | None = Field(default=None, description="Name to jump to from a branch or confirm.")


class CollectStep(_StepBase):
    collect: str = Field(description="The slot to fill.")
    prompt: str | None = Field(default=None, description="Response name or text; default utter_ask_<slot>.")
    reprompt: str | None = Field(
        default=None,
        description="Said on retries instead of the prompt; default: the prompt's next variation.",
    )
    validate_: Validation | None = Field(default=None, alias="validate")
    max_retries: int = Field(default=2, ge=0, description="Re-prompts before the fallback.")
    ask_always: bool = Field(default=False, description="Ask even when the slot is already filled.")
    on_failure: str | None = Field(
        default=None,
        description="After max_retries: 'handoff', 'cancel' or a flow name; default settings.on_failure.",
    )


class ConfirmStep(_StepBase):
    confirm: str = Field(description="Response name or text asking a yes/no question.")
    reprompt: str | None = Field(
        default=None,
        description="Said when the answer was not yes/no; default: the question's next variation.",
    )
    slot: str | None = Field(default=None, description="Store the answer (bool) in this slot.")
    on_no: str = Field(default="cancel", description="'cancel', 'ask_change', or a step id to go to.")
    max_retries: int = Field(default=2, ge=0, description="Re-prompts for a yes/no before on_failure.")
    on_failure: str | None = Field(
        default=None, description="'handoff', 'cancel' or a flow to link to; default settings.on_failure."
    )


class BranchCase(_Model):
    when: Condition | list[Condition]
    goto: str = Field(description="Step id, 'end', or 'flow:<name>' to link.")


class BranchStep(_StepBase):
    branch: list[BranchCase]
    else_: str | None = Field(
        default=None, alias="else", description="Like goto, when no case matches; default: the next step."
    )


class ActionStep(_StepBase):
    action: str = Field(description="Name of a registered Python callable.")
    timeout_s: float = Field(default=5.0, gt=0, description="The action is abandoned after this long.")
    on_error: str = Field(
        default="cancel",
        description="After the action fails or times out: 'cancel', 'continue', 'handoff' or a step id.",
    )


class SayStep(_StepBase):
    say: str = Field(description="Response name or text with {slot} placeholders.")


class LinkStep(_StepBase):
    link: str = Field(description="Flow to continue with; this flow ends.")


def _step_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        for kind in STEP_KINDS:
            if kind in value:
                return kind
        return None
    for kind in STEP_KINDS:
        if hasattr(value, kind):
            return kind
    return None


Step = Annotated[
    Annotated[CollectStep, Tag("collect")]
    | Annotated[ConfirmStep, Tag("confirm")]
    | Annotated[BranchStep, Tag("branch")]
    | Annotated[ActionStep, Tag("action")]
    | Annotated[SayStep, Tag("say")]
    | Annotated[LinkStep, Tag("link")],
    Discriminator(
        _step_kind,
        custom_error_type="step_kind",
        custom_error_message="a step needs exactly one of: " + ", ".join(STEP_KINDS),
    ),
]


class Trigger(_Model):
    """Start the flow when an analyser gives the user's message ``label`` with enough confidence.

    A triggered flow starts at most once per conversation, never while it is already running or
    after a handoff, and not on a handoff or cancel utterance; when the message also starts a flow
    by its intent, that flow starts underneath and resumes when the triggered flow ends.
    """

    analyser: str = Field(description="A declared analyser (skill 'analysers:').")
    label: str = Field(description="One of the analyser's labels.")
    min_confidence: float = Field(default=0.5, ge=0.0, le=1.0, description="Lowest confidence that fires.")


class Flow(_Model):
    """A named procedure started by intents (or linked from another flow)."""

    description: str = ""
    intents: list[str] = Field(default_factory=list, description="Intents that start this flow.")
    triggers: list[Trigger] = Field(
        default_factory=list, description="Analyser labels that start this flow (see Trigger)."
    )
    steps: list[Step] = Field(min_length=1)
    persist_slots: bool = Field(default=False, description="Keep the slots after the flow ends.")
    kind: Literal["task", "faq", "chitchat", "handoff", "cancel"] = Field(
        default="task",
        description="faq/chitchat answer without leaving the current flow; handoff/cancel are repair flows.",
    )
