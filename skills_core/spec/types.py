"""Result types shared by the NLU and the dialogue manager.

``nlu`` produces a :class:`Parse`; ``dm`` consumes it without knowing how it was made.
All offsets are character offsets into the original text (``text[start:end]``).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

EntitySource = Literal["model", "regex", "lookup", "builtin", "given"]
FallbackReason = Literal["out_of_scope", "low_confidence", "ambiguous"]

OUT_OF_SCOPE = "out_of_scope"
"""The reserved intent name for utterances the skill does not handle."""


class Entity(BaseModel):
    """An entity mention: its type, character span, surface text and normalised value."""

    model_config = ConfigDict(frozen=True)

    entity: str = Field(description="Entity type name, as declared in the skill.")
    start: int = Field(ge=0, description="Start character offset into the parsed text.")
    end: int = Field(ge=0, description="End character offset (exclusive).")
    text: str = Field(description="The surface text, text[start:end].")
    value: Any = Field(default=None, description="Normalised value (canonical synonym, number, ISO date...).")
    source: EntitySource = Field(default="model", description="What found it.")
    confidence: float = Field(default=1.0, ge=0.0, le=1.0)


class IntentScore(BaseModel):
    """One intent with its probability."""

    model_config = ConfigDict(frozen=True)

    name: str
    confidence: float = Field(ge=0.0, le=1.0)


class Fallback(BaseModel):
    """Why a parse fell back to out-of-scope."""

    model_config = ConfigDict(frozen=True)

    reason: FallbackReason
    detail: str = Field(description="Human-readable explanation, with the numbers compared.")
    candidate: str | None = Field(default=None, description="The top in-scope intent before falling back.")


class Parse(BaseModel):
    """The NLU's reading of one utterance."""

    model_config = ConfigDict(frozen=True)

    text: str
    intent: str = Field(description=f"The chosen intent, or '{OUT_OF_SCOPE}'.")
    confidence: float = Field(ge=0.0, le=1.0)
    ranking: list[IntentScore] = Field(default_factory=list, description="Intents by descending confidence.")
    entities: list[Entity] = Field(default_factory=list)
    fallback: Fallback | None = Field(default=None, description="Set when the intent is out-of-scope.")
    model_version: str | None = None

    @property
    def is_fallback(self) -> bool:
        return self.fallback is not None

    def entity_values(self, name: str) -> list[Any]:
        """The normalised values of every mention of entity ``name``, in text order."""
        return [e.value for e in sorted(self.entities, key=lambda e: e.start) if e.entity == name]
