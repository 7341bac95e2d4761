"""Dialogue events: the append-only log a conversation's state is derived from.

Every event is a frozen pydantic model with a ``type`` discriminator, so a log is plain JSON
(``EVENTS.dump_python(events, mode="json")``) and reads back with :func:`parse_events`.
``SCHEMA_VERSION`` changes whenever an event's meaning or fields change incompatibly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    TypeAdapter,
    ValidationError,
    model_serializer,
)

from skills_core.errors import DialogueError
from skills_core.spec.types import Parse

SCHEMA_VERSION = 1
"""Version of the event schema written by :meth:`Tracker.to_json`."""

Policy = Literal[
    "flow",
    "reprompt",
    "validation",
    "digression",
    "resume",
    "correction",
    "cancel",
    "handoff",
    "fallback",
    "clarify",
    "action",
    "action_failed",
    "intent_response",
    "language",
]
"""Which part of the dialogue manager chose a reply."""

SlotSource = Literal["initial", "entity", "text", "answer", "correction", "action", "reset"]
FallbackReason = Literal["out_of_scope", "low_confidence", "ambiguous", "no_flow"]
HandoffReason = Literal["user_request", "fallback", "step_failure", "action", "language"]
FlowStartReason = Literal["intent", "link", "digression", "repair", "clarified", "trigger"]


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Reason(BaseModel):
    """Why a reply was chosen: the policy, and the flow and step it belongs to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    policy: Policy
    flow: str | None = None
    step: str | None = Field(default=None, description="Step id, or its index when it has none.")
    detail: str = ""


class SessionStarted(_Event):
    """The first event of a conversation."""

    type: Literal["session_started"] = "session_started"
    session_id: str


class UserUttered(_Event):
    """The user said something; ``parse`` is the NLU's reading (or a given intent in tests).

    ``turn_id`` is the client's idempotency key of the turn (``POST /chat``), when it sent one. It is
    left out of the dumped event when absent, so logs without it (older ones too) read and write as before.
    """

    type: Literal["user_uttered"] = "user_uttered"
    parse: Parse
    turn_id: str | None = Field(
        default=None, description="The client's id of this turn; a retry with it is answered, not rerun."
    )

    @model_serializer(mode="wrap")
    def _omit_missing_turn_id(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data: dict[str, Any] = handler(self)
        if self.turn_id is None:
            data.pop("turn_id", None)
        return data


class AnalyserLabel(BaseModel):
    """An analyser's label for the user's message and its confidence."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str
    confidence: float = Field(ge=0.0, le=1.0)


class PIIMark(BaseModel):
    """Where personal data is in the user's message (the data itself is not recorded)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str = Field(description="email, phone, card, iban or cn_id.")
    start: int = Field(ge=0, description="Character offsets into the original (unmasked) text.")
    end: int = Field(ge=0)


class TextAnalysed(_Event):
    """What the text analysis found in this turn's user message; recorded right after ``user_uttered``.

    The dialogue manager reads ``language`` (``settings.languages``) and ``labels`` (flow
    ``triggers``); the host fills it (``skills_core.runtime``), the DM never analyses text itself.
    """

    type: Literal["text_analysed"] = "text_analysed"
    language: str | None = Field(default=None, description="ISO 639-1 code; None when undetected.")
    language_confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    pii: list[PIIMark] = Field(default_factory=list, description="Personal data spans, in text order.")
    labels: dict[str, AnalyserLabel] = Field(default_factory=dict, description="Analyser name -> label.")
    masked: bool = Field(default=False, description="User text in this turn's stored events is PII-masked.")


class SlotSet(_Event):
    """A slot got a value (``None`` clears it)."""

    type: Literal["slot_set"] = "slot_set"
    slot: str
    value: Any = None
    source: SlotSource = "action"


class FlowStarted(_Event):
    """A flow was pushed on the stack; a flow already there is interrupted until it resumes."""

    type: Literal["flow_started"] = "flow_started"
    flow: str
    reason: FlowStartReason = "intent"
    inherit_slots: list[str] = Field(default_factory=list, description="Slots handed over by a link.")


class FlowResumed(_Event):
    """An interrupted flow is on top of the stack again."""

    type: Literal["flow_resumed"] = "flow_resumed"
    flow: str


class FlowCompleted(_Event):
    """The top flow ran its last step (or linked on) and left the stack."""

    type: Literal["flow_completed"] = "flow_completed"
    flow: str


class FlowCancelled(_Event):
    """The top flow was abandoned (user cancel, failure, handoff) and left the stack."""

    type: Literal["flow_cancelled"] = "flow_cancelled"
    flow: str
    reason: str = ""


class StepStarted(_Event):
    """The top flow moved to step ``step`` (an index into its steps)."""

    type: Literal["step_started"] = "step_started"
    flow: str
    step: int
    step_id: str | None = None
    kind: str


class StepCompleted(_Event):
    """The top flow's current step is done."""

    type: Literal["step_completed"] = "step_completed"
    flow: str
    step: int


class ValidationFailed(_Event):
    """An answer was missing, unusable or invalid; counts as a retry of the current step."""

    type: Literal["validation_failed"] = "validation_failed"
    flow: str | None = None
    step: int | None = None
    slot: str | None = None
    value: Any = None
    reason: str


class BotUttered(_Event):
    """The bot said something; ``reason`` records why."""

    type: Literal["bot_uttered"] = "bot_uttered"
    text: str
    buttons: list[str] = Field(default_factory=list)
    response: str | None = Field(default=None, description="Response name, when from the skill.")
    reason: Reason


class ActionExecuted(_Event):
    """A registered action ran to completion."""

    type: Literal["action_executed"] = "action_executed"
    action: str
    flow: str | None = None
    step: int | None = None


class ActionFailed(_Event):
    """A registered action raised, timed out, returned something invalid, or is unknown."""

    type: Literal["action_failed"] = "action_failed"
    action: str
    flow: str | None = None
    step: int | None = None
    error_type: str
    message: str
    timed_out: bool = False


class HandoffRequested(_Event):
    """The conversation should go to a human; the host system acts on this event."""

    type: Literal["handoff_requested"] = "handoff_requested"
    reason: HandoffReason
    flow: str | None = None
    detail: str = ""


class FallbackTriggered(_Event):
    """The bot did not understand; ``candidates`` are the intents it asked about, if any."""

    type: Literal["fallback"] = "fallback"
    reason: FallbackReason
    candidates: list[str] = Field(default_factory=list)


Event = Annotated[
    SessionStarted
    | UserUttered
    | TextAnalysed
    | SlotSet
    | FlowStarted
    | FlowResumed
    | FlowCompleted
    | FlowCancelled
    | StepStarted
    | StepCompleted
    | ValidationFailed
    | BotUttered
    | ActionExecuted
    | ActionFailed
    | HandoffRequested
    | FallbackTriggered,
    Field(discriminator="type"),
]
"""Any dialogue event (a discriminated union on ``type``)."""

EVENTS: TypeAdapter[list[Event]] = TypeAdapter(list[Event])
"""Validates and dumps lists of events."""

EVENT_TYPES: tuple[str, ...] = (
    "session_started",
    "user_uttered",
    "text_analysed",
    "slot_set",
    "flow_started",
    "flow_resumed",
    "flow_completed",
    "flow_cancelled",
    "step_started",
    "step_completed",
    "validation_failed",
    "bot_uttered",
    "action_executed",
    "action_failed",
    "handoff_requested",
    "fallback",
)


def dump_events(events: Sequence[Event]) -> list[dict[str, Any]]:
    """The events as JSON-compatible dicts."""
    return EVENTS.dump_python(list(events), mode="json")


def parse_events(data: Any) -> list[Event]:
    """Validate a list of event dicts.

    Raises:
        DialogueError: an item is not a known event or has wrong fields.
    """
    try:
        return EVENTS.validate_python(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise DialogueError(
            f"expected a list of dialogue events (types: {', '.join(EVENT_TYPES)}); "
            f"found an invalid item at {where}: {first['msg']}. "
            "Fix: restore a log written by Tracker.to_json of this schema version."
        ) from e
