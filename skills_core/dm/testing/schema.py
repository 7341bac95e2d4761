"""The conversation-test YAML format, as pydantic models.

::

    conversations:
      - name: transfer happy path
        turns:
          - user: send 50 dollars to Anna            # text: parsed by the NLU in end-to-end mode
            intent: transfer_money                   # used when no NLU is given (or there is no text)
            entities: {amount: {amount: 50, currency: USD}, recipient: Anna}
            bot: "Send $50.00 to Anna?"              # the turn's replies; see ReplyExpectation
            expect: {intent: transfer_money, slots: {recipient: Anna}, flow: transfer_money}
          - user: this is useless, I'm furious
            analysis: {labels: {sentiment: {label: negative, confidence: 0.95}}}   # or the real analysers
            bot: {response: utter_offer_human}
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from skills_core.dm.events import EVENT_TYPES, AnalyserLabel
from skills_core.spec.types import FallbackReason


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PatternReply(_Model):
    """A reply matching a regular expression (``re.fullmatch``)."""

    pattern: str


class OneOfReply(_Model):
    """A reply equal to one of several texts."""

    one_of: list[str] = Field(min_length=1)


class ResponseReply(_Model):
    """A reply rendered from the named response (any of its variations)."""

    response: str


ReplyExpectation = str | PatternReply | OneOfReply | ResponseReply
"""One expected reply: exact text, ``{pattern: regex}``, ``{one_of: [...]}`` or ``{response: name}``."""

_REPLY_KEYS = {"pattern": PatternReply, "one_of": OneOfReply, "response": ResponseReply}


def _reply(value: Any) -> Any:
    if isinstance(value, str | PatternReply | OneOfReply | ResponseReply):
        return value
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _REPLY_KEYS:
        key = next(iter(value))
        return _REPLY_KEYS[key].model_validate(value)
    raise ValueError(
        "expected a reply: a text, {pattern: regex}, {one_of: [texts]} or {response: name}; "
        f"found {value!r}"
    )


class EntityGiven(_Model):
    """An entity given directly (NLU-independent turns), long form."""

    entity: str
    value: Any = None
    text: str | None = None


class Expectation(_Model):
    """What must hold after a turn. Only the keys given are checked."""

    intent: str | None = Field(default=None, description="The parse's intent (meaningful end to end).")
    slots: dict[str, Any] = Field(default_factory=dict, description="Slot values; null means unset.")
    flow: str | None = Field(default=None, description="The active flow; null means none.")
    step: str | None = Field(default=None, description="The active flow's step id (or index).")
    events: list[str] = Field(default_factory=list, description="Event types this turn must contain.")
    no_events: list[str] = Field(default_factory=list, description="Event types it must not contain.")

    @field_validator("events", "no_events")
    @classmethod
    def _known_events(cls, v: list[str]) -> list[str]:
        unknown = [e for e in v if e not in EVENT_TYPES]
        if unknown:
            raise ValueError(
                f"expected event types among {', '.join(EVENT_TYPES)}; found {', '.join(unknown)}"
            )
        return v


class AnalysisGiven(_Model):
    """The text analysis of a turn's message, given by the test (``sentiment: negative`` means
    confidence 1.0; the long form is ``sentiment: {label: negative, confidence: 0.9}``)."""

    language: str | None = Field(default=None, description="ISO 639-1 code of the message.")
    labels: dict[str, AnalyserLabel] = Field(default_factory=dict, description="Analyser name -> label.")

    @field_validator("labels", mode="before")
    @classmethod
    def _short_labels(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        return {k: {"label": x, "confidence": 1.0} if isinstance(x, str) else x for k, x in v.items()}


class Turn(_Model):
    """One user turn and what the bot must do in response."""

    user: str | None = Field(default=None, description="What the user types.")
    intent: str | None = Field(default=None, description="The intent, for NLU-independent runs.")
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)
    entities: dict[str, Any] | list[EntityGiven] = Field(
        default_factory=dict, description="name: value (a list of values means several mentions)."
    )
    ranking: dict[str, float] = Field(
        default_factory=dict, description="Other intents and their confidences."
    )
    fallback: FallbackReason | None = Field(default=None, description="Make the given parse a fallback.")
    analysis: AnalysisGiven | None = Field(
        default=None, description="The message's language and analyser labels (else the runner's analyse)."
    )
    bot: list[ReplyExpectation] | None = Field(
        default=None, description="The replies, in order (a single item may be given without a list)."
    )
    expect: Expectation | None = None

    @field_validator("bot", mode="before")
    @classmethod
    def _bot_list(cls, v: Any) -> Any:
        if v is None:
            return None
        return [_reply(x) for x in (v if isinstance(v, list) else [v])]

    @model_validator(mode="after")
    def _has_input(self) -> Turn:
        if self.user is None and self.intent is None:
            raise ValueError("expected 'user' (text) or 'intent' in every turn; found neither")
        return self


class Conversation(_Model):
    """A named test conversation."""

    name: str
    session_id: str | None = Field(default=None, description="Default: derived from the name.")
    description: str = ""
    turns: list[Turn] = Field(min_length=1)


class ConversationFile(_Model):
    """A file of test conversations."""

    conversations: list[Conversation] = Field(min_length=1)
