"""Merge learned entity spans with rule matches, resolving overlaps deterministically.

The rules, in order:

1. **Agreement.** A rule match (``lookup``, ``regex`` or ``builtin``) that overlaps a learned span of
   the *same* entity replaces it: the model chose the entity, the rule gives the exact boundaries and
   the normalised value (a canonical synonym, a parsed date...). The match is then *confirmed*.
   This is how a model tells apart two entities of one type (``departure`` and ``return`` dates): the
   built-in finder proposes every date mention under both names, and the model's label picks one.
2. **The model's choice.** A rule match that overlaps a learned span of a *different* entity is
   dropped when

   a. its entity is one the model was trained to tag (``trained``): the model could have chosen
      that entity here and chose another from the context ("actually, make it [50](amount)": the
      ``count`` number found in "50" yields to the learned ``amount``), or
   b. it is a ``builtin`` match: a value type proposes every mention of its type under every entity
      declared with it, whatever the context (every bare number is a ``count`` candidate), so it says
      what the value is, not which entity it belongs to.

   A ``lookup`` or ``regex`` match of an entity the model never learned is the author's specific
   pattern, and the model knows nothing about that entity: it is kept and competes by rule 3.
   Learned spans from a model that knows no entity (``trained`` empty) veto builtin matches only.
3. **Overlaps.** Remaining candidates that overlap are resolved greedily, best first:

   a. entities with source ``given`` (supplied by the caller) first, then confirmed matches;
   b. the longer span;
   c. the higher confidence (rule matches carry 1.0, so they beat an equally long model span);
   d. the earlier start;
   e. the source: given > builtin > regex > lookup > model;
   f. the entity name, then the value's ``repr`` (a total order, so the input order never matters).

4. Mentions that overlap nothing better are all kept; the result is sorted by start, end and entity.

Spans are half-open ``[start, end)``; empty spans are dropped. Identical duplicates collapse into one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from skills_core.spec.types import Entity

SOURCE_PRIORITY = ("given", "builtin", "regex", "lookup", "model")
"""Sources from most to least trusted (tie-break 3e)."""

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


def merge_entities(
    learned: Iterable[Entity], rules: Iterable[Entity], *, trained: Collection[str] = ()
) -> list[Entity]:
    """One non-overlapping list of entities from learned spans and rule matches (see the module rules).

    Args:
        learned: Spans from the model (their values already normalised, see ``RuleExtractor.normalise``),
            and any ``given`` entities.
        rules: Matches from ``RuleExtractor.extract`` (lookup, regex, builtin); they may overlap.
        trained: The entities the model was trained to tag (its BIO labels), for rule 2a.

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
    known = frozenset(trained)
    vetoed = {
        j
        for j, match in enumerate(matches)
        if j not in confirmed
        and (match.entity in known or match.source == "builtin")
        and any(
            span.source != "given" and span.entity != match.entity and overlaps(span, match) for span in model
        )
    }
    candidates = [(m, j in confirmed) for j, m in enumerate(matches) if j not in vetoed]
    candidates += [(e, False) for i, e in enumerate(model) if i not in absorbed]
    kept: list[Entity] = []
    for entity, _ in sorted(candidates, key=_priority):
        if not any(overlaps(entity, other) for other in kept):
            kept.append(entity)
    return sorted(kept, key=lambda e: (e.start, e.end, e.entity))
