"""The skill as data: pydantic models mirroring the YAML one to one.

The structure of these models *is* the YAML structure, so that a validation error's location
(``intents.transfer.examples.3``) maps back to a file and line (see ``loader``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from skills_core.spec.flows import Flow

BUILTIN_ENTITY_TYPES = ("number", "money", "datetime", "email", "phone")
SLOT_TYPES = ("text", "number", "money", "datetime", "email", "phone", "bool", "categorical", "any")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Intent(_Model):
    """An intent and its training examples (inline ``[text](entity)`` annotations allowed)."""

    description: str = ""
    examples: list[str] = Field(default_factory=list)


class OutOfScope(_Model):
    """Negative examples: things the skill should not handle."""

    examples: list[str] = Field(default_factory=list)


class EntityDef(_Model):
    """An entity type. ``type`` is ``text`` (learned and/or lookup/regex) or a built-in value type."""

    type: Literal["text", "number", "money", "datetime", "email", "phone"] = "text"
    values: dict[str, list[str]] = Field(
        default_factory=dict, description="Lookup table: canonical value -> synonyms."
    )
    regex: list[str] = Field(default_factory=list, description="Patterns that mark a mention.")
    learned: bool | None = Field(
        default=None, description="Train the model to tag it. Default: true when annotated in examples."
    )
    case_sensitive: bool = False

    @field_validator("values", mode="before")
    @classmethod
    def _values_from_list(cls, v: Any) -> Any:
        # `values: [a, b]` is shorthand for `values: {a: [], b: []}`
        if isinstance(v, list):
            out: dict[str, Any] = {}
            for item in v:
                if isinstance(item, dict) and "value" in item:
                    out[str(item["value"])] = item.get("synonyms", [])
                else:
                    out[str(item)] = []
            return out
        if isinstance(v, dict):
            return {k: ([] if s is None else s) for k, s in v.items()}
        return v

    @field_validator("regex", mode="before")
    @classmethod
    def _regex_from_str(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


class SlotDef(_Model):
    """A slot the dialogue manager fills, from an entity or from a confirm answer."""

    type: Literal["text", "number", "money", "datetime", "email", "phone", "bool", "categorical", "any"] = (
        "text"
    )
    entity: str | None = Field(default=None, description="Entity that fills it; default: same name.")
    values: list[str] | None = Field(default=None, description="Allowed values for categorical slots.")
    initial: Any = None


class ResponseVariant(_Model):
    """One way of saying a response; ``{slot}`` placeholders are filled from the state."""

    text: str
    buttons: list[str] = Field(default_factory=list, description="Quick replies offered with the text.")


class DialogueSettings(_Model):
    """Skill-wide dialogue policy knobs."""

    fallback_response: str = "utter_fallback"
    max_fallbacks: int = Field(default=2, ge=1, description="Misunderstandings in a row before handoff.")
    handoff_intent: str | None = "human_handoff"
    cancel_intent: str | None = "cancel"
    affirm_intent: str | None = "affirm"
    deny_intent: str | None = "deny"
    clarify_below: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="Ask which of the top intents was meant below this confidence.",
    )
    correct_intent: str | None = Field(
        default="correct", description="'Change something' intent; its entities correct filled slots."
    )
    handoff_on_fallback: bool = Field(
        default=True,
        description="Hand off after max_fallbacks misunderstandings (needs a handoff intent/flow).",
    )
    on_failure: Literal["handoff", "cancel"] = Field(
        default="handoff", description="What a collect/confirm step does after its retries, unless it says."
    )
    languages: list[str] = Field(
        default_factory=list,
        description="ISO 639-1 codes the skill answers in (must include its own language); empty: any.",
    )
    on_other_language: Literal["refuse", "handoff", "continue"] = Field(
        default="refuse",
        description="A message detected in a language outside 'languages': say language_response and "
        "run no flow (refuse), hand off to a person (handoff), or handle it anyway (continue).",
    )
    language_response: str = Field(
        default="utter_language_unsupported",
        description="Said on refuse; '{language}' is the detected code.",
    )
    mask_pii_in_events: bool = Field(
        default=False,
        description="Mask personal data in the user text stored in conversation events "
        "(env SKILLS_MASK_PII_IN_EVENTS overrides).",
    )


class AnalyserDef(_Model):
    """A text classifier (sentiment, urgency...): labelled examples, trained like the intents."""

    description: str = ""
    labels: dict[str, list[str]] = Field(description="Label -> example texts (plain text, no markup).")
    mode: Literal["fast", "finetune"] | None = Field(
        default=None, description="Training mode; default: the skill's nlu mode."
    )

    @field_validator("labels", mode="before")
    @classmethod
    def _empty_labels(cls, v: Any) -> Any:
        # `negative:` with nothing under it (yet) is a label without examples, reported by validation
        return {k: ([] if x is None else x) for k, x in v.items()} if isinstance(v, dict) else v


class Skill(_Model):
    """A whole skill: NLU data, slots, responses and flows."""

    version: Literal["1"] = "1"
    name: str
    language: str = "en"
    description: str = ""
    intents: dict[str, Intent] = Field(default_factory=dict)
    out_of_scope: OutOfScope = Field(default_factory=OutOfScope)
    entities: dict[str, EntityDef] = Field(default_factory=dict)
    slots: dict[str, SlotDef] = Field(default_factory=dict)
    responses: dict[str, list[ResponseVariant]] = Field(default_factory=dict)
    flows: dict[str, Flow] = Field(default_factory=dict)
    settings: DialogueSettings = Field(default_factory=DialogueSettings)
    nlu: dict[str, Any] = Field(default_factory=dict, description="NLU config overrides (see nlu.NLUConfig).")
    analysers: dict[str, AnalyserDef] = Field(
        default_factory=dict, description="Text classifiers run on every message (see skills_core.analysis)."
    )

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, v: Any) -> Any:
        # `version: 1` reads as an int in YAML; the schema version is the string "1"
        return str(v) if isinstance(v, int) and not isinstance(v, bool) else v

    @field_validator("analysers", mode="before")
    @classmethod
    def _no_analysers(cls, v: Any) -> Any:
        # `analysers:` with nothing under it (yet) is an empty section, like the other sections
        return {} if v is None else v

    @field_validator("responses", mode="before")
    @classmethod
    def _variants(cls, v: Any) -> Any:
        if not isinstance(v, dict):
            return v
        out: dict[str, Any] = {}
        for name, variants in v.items():
            items = variants if isinstance(variants, list) else [variants]
            out[name] = [{"text": x} if isinstance(x, str) else x for x in items]
        return out
