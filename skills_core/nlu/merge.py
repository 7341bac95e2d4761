"""Merge learned entity spans with rule matches, resolving overlaps deterministically.

The rules, in order:

1. **Agreement.** A rule match (``lookup``, ``regex`` or ``builtin``) that overlaps a learned span of
   the *same* entity replaces it: the model chose the entity, the rule gives the exact boundaries and
   the normalised value (a canonical synonym, a parsed date...). The match is then *confirmed*.
   This is how a model tells apart two entities of one type (``departure`` and ``return`` dates): the
   built-in finder proposes every date mention under both names, and the model's label picks one.
2. **Overlaps.** Remaining candidates that overlap are resolved greedily, best first:

   a. entities with source ``given`` (supplied by the caller) first, then confirmed matches;
   b. the longer span;
   c. the higher confidence (rule matches carry 1.0, so they beat an equally long model span);
   d. the earlier start;
   e. the source: given > builtin > regex > lookup > model;
   f. the entity name, then the value's ``repr`` (a total order, so the input order never matters).

3. Mentions that overlap nothing better are all kept; the result is sorted by start, end and entity.

Spans are half-open ``[start, end)``; empty spans are dropped. Identical duplicates collapse into one.
"""

from __future__ import annotations

from collections.abc import Iterable

from skills_core.spec.types import Entity

SOURCE_PRIORITY = ("given", "builtin", "regex", "lookup", "model")
"""Sources from most to least trusted (tie-break 2e)."""

_SOURCE_RANK = {source: rank for rank, source in enumerate(SOURCE_PRIORITY)}
_RULE_SOURCES = {"lookup", "regex", "builtin"}


def overlaps(a: Entity, b: Entity) -> bool:
    """Whether two spans share at least one character."""
    return a.start < b.end and b.start < a.end


def _priority(item: tuple[Entity, bool]) -> tuple[int, int, int, float, int, int, str, int, str]:
    entity, confirmed = item
    return (
        0 if entity.source == "given" else 1,
        0 if confirmed else 1,
        -(entity.end - entity.start),
        -entity.confidence,
        entity.start,
        _SOURCE_RANK.get(entity.source, len(SOURCE_PRIORITY)),
        entity.entity,
        entity.end,
        repr(entity.value),
    )


def merge_entities(learned: Iterable[Entity], rules: Iterable[Entity]) -> list[Entity]:
    """One non-overlapping list of entities from learned spans and rule matches (see the module rules).

    Args:
        learned: Spans from the model (their values already normalised, see ``RuleExtractor.normalise``),
            and any ``given`` entities.
        rules: Matches from ``RuleExtractor.extract`` (lookup, regex, builtin); they may overlap.

    Returns:
        Entities sorted by ``(start, end, entity)``, no two overlapping.
    """
    model = [e for e in learned if e.end > e.start]
    matches = [e for e in rules if e.end > e.start]
    confirmed: set[int] = set()
    absorbed: set[int] = set()
    for i, span in enumerate(model):
        if span.source == "given":
            continue
        for j, match in enumerate(matches):
            if match.source in _RULE_SOURCES and match.entity == span.entity and overlaps(span, match):
                confirmed.add(j)
                absorbed.add(i)
    candidates = [(m, j in confirmed) for j, m in enumerate(matches)]
    candidates += [(e, False) for i, e in enumerate(model) if i not in absorbed]
    kept: list[Entity] = []
    for entity, _ in sorted(candidates, key=_priority):
        if not any(overlaps(entity, other) for other in kept):
            kept.append(entity)
    return sorted(kept, key=lambda e: (e.start, e.end, e.entity))
