"""The agent's text analysis of each user message, as dialogue events; PII masking of stored events.

Every turn's message is analysed (:class:`~skills_core.analysis.analyzer.TextAnalyzer`: language,
PII spans, the skill's analysers) and recorded as a ``text_analysed`` event right after
``user_uttered``. When masking is on (``settings.mask_pii_in_events`` or the environment variable
``SKILLS_MASK_PII_IN_EVENTS``), the user text stored in the turn's events is masked with the PII
detector the server's logs use: the parse's ``text``, its entities' ``text``, and the rejected
``value`` of ``validation_failed``. Slot and entity *values* are kept: the flows need them (a slot
is cleared when its flow ends unless the flow persists it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from skills_core.analysis.analyzer import Analysis
from skills_core.analysis.language import DEFAULT_LANGUAGES, LanguageDetector
from skills_core.analysis.pii import PIIDetector, PIISpan
from skills_core.dm.events import AnalyserLabel, Event, PIIMark, TextAnalysed, UserUttered, ValidationFailed
from skills_core.errors import ConfigError
from skills_core.spec.models import Skill
from skills_core.spec.types import Parse

MASK_ENV = "SKILLS_MASK_PII_IN_EVENTS"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def candidate_languages(skill: Skill) -> tuple[str, ...]:
    """The languages the detector chooses among: the common ones, the skill's, and ``settings.languages``."""
    own = skill.language.split("-")[0].lower()
    return tuple(dict.fromkeys((*DEFAULT_LANGUAGES, own, *skill.settings.languages)))


@lru_cache(maxsize=4)
def language_detector(languages: tuple[str, ...]) -> LanguageDetector:
    """One shared detector per set of candidate languages (its models take seconds and ~140 MB)."""
    return LanguageDetector(languages)


def mask_pii_enabled(skill: Skill, *, environ: Mapping[str, str] | None = None) -> bool:
    """Whether stored events are masked: ``SKILLS_MASK_PII_IN_EVENTS`` when set, else the skill setting.

    Raises:
        ConfigError: the variable is set to something other than a boolean word.
    """
    raw = (os.environ if environ is None else environ).get(MASK_ENV, "").strip().lower()
    if not raw:
        return skill.settings.mask_pii_in_events
    if raw in _TRUE | _FALSE:
        return raw in _TRUE
    raise ConfigError(
        f"expected {MASK_ENV} to be one of {', '.join(sorted(_TRUE | _FALSE))}; found {raw!r}. "
        "Fix: set it to 1 or 0, or unset it to use the skill's settings.mask_pii_in_events"
    )


def analysis_event(analysis: Analysis, *, masked: bool = False) -> TextAnalysed:
    """The dialogue event recording ``analysis`` (no PII text: only types and offsets)."""
    guess = analysis.language
    return TextAnalysed(
        language=guess.code if guess else None,
        language_confidence=guess.confidence if guess else None,
        pii=[PIIMark(type=s.type, start=s.start, end=s.end) for s in analysis.pii],
        labels={
            name: AnalyserLabel(label=r.label, confidence=r.confidence)
            for name, r in analysis.analysers.items()
        },
        masked=masked,
    )


def analysis_dict(analysis: Analysis) -> dict[str, Any]:
    """``analysis`` as the JSON of a turn's ``analysis`` key and of ``POST /analyze``."""
    return {
        "language": analysis.language.model_dump() if analysis.language else None,
        "pii": [s.model_dump() for s in analysis.pii],
        "masked": analysis.masked,
        "analysers": {name: r.model_dump() for name, r in analysis.analysers.items()},
    }


def mask_events(events: Sequence[Event], spans: Sequence[PIISpan], detector: PIIDetector) -> list[Event]:
    """The turn's ``events`` with the user text masked (``spans`` from ``detector.find`` of that text)."""
    if not spans:
        return list(events)
    out: list[Event] = []
    for event in events:
        if isinstance(event, UserUttered):
            out.append(event.model_copy(update={"parse": mask_parse(event.parse, spans, detector)}))
        elif isinstance(event, ValidationFailed) and isinstance(event.value, str):
            out.append(event.model_copy(update={"value": detector.mask(event.value)}))
        else:
            out.append(event)
    return out


def mask_parse(parse: Parse, spans: Sequence[PIISpan], detector: PIIDetector) -> Parse:
    """``parse`` with its text, and the text of entities overlapping ``spans``, masked."""
    entities = []
    for entity in parse.entities:
        inside = [
            PIISpan(type=s.type, start=max(s.start, entity.start) - entity.start,
                    end=min(s.end, entity.end) - entity.start, text="")
            for s in spans
            if s.start < entity.end and entity.start < s.end
        ]  # fmt: skip
        masked = detector.apply(entity.text, inside) if inside else entity.text
        entities.append(entity.model_copy(update={"text": masked}) if inside else entity)
    return parse.model_copy(update={"text": detector.apply(parse.text, spans), "entities": entities})
