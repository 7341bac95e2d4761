"""The skill as data, and the result types the NLU and the dialogue manager share."""

from skills_core.spec.annotations import Example, Span, parse_example
from skills_core.spec.flows import Flow
from skills_core.spec.models import DialogueSettings, EntityDef, Intent, ResponseVariant, Skill, SlotDef
from skills_core.spec.types import OUT_OF_SCOPE, Entity, Fallback, IntentScore, Parse

__all__ = [
    "OUT_OF_SCOPE",
    "DialogueSettings",
    "Entity",
    "EntityDef",
    "Example",
    "Fallback",
    "Flow",
    "Intent",
    "IntentScore",
    "Parse",
    "ResponseVariant",
    "Skill",
    "SlotDef",
    "Span",
    "parse_example",
]
