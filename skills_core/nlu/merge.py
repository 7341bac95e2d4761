"""Merge learned entity spans with rule matches, resolving overlaps deterministically.

The rules, in order:

1. **Agreement.** A rule match (``lookup``, ``regex`` or ``builtin``) that overlaps a learned span of
   the *same* entity replaces it: the model chose the entity, the rule gives the exact boundaries and
   the normalised value (a canonical synonym, a parsed date...). The match is then *confirmed*.
   This is how a model tells apart two entities of one type (``departure`` and ``return`` dates): the
   built-in finder proposes every date mention under both names, and the model's label picks one.
2. **The model's choice.** A rule match of entity Y covered by a learned span of a *different*
   entity X is dropped when the model could have told them apart and chose X:

   a. Y is an entity the model was trained to tag (``trained``), or the match is ``builtin``: a value
      type proposes every mention of its type under every entity declared with it, whatever the
      context (every bare number is a ``count`` candidate), so it says what the value is, not whose;
   b. and either X is itself a value type (``typed``: money, number, datetime...), so the model
      picked between two readings of the same value ("actually, make it [50](amount)": the
      ``count`` proposed for "50" yields to the learned ``amount``), or the learned span is longer
      than the match, which is then a part of a bigger mention ("May" in the recipient "May Smith",
      "50" in the amount "50 dollars").

   So a free-text entity tagged over exactly a value mention (a recipient ``300元``) does not erase
   the value: the two compete by rule 3, where the rule match wins the tie on confidence. Nothing is
   dropped by a learned span that covers only *part* of a match (a boundary slip such as ``万元``
   inside the amount ``十万元``), by a span without a value (a typed entity whose text does not
   parse, such as ``0000`` tagged as a ``phone``), or for a ``lookup``/``regex`` match of an entity
   the model never learned (the author's specific pattern, about which the model knows nothing).
3. **Overlaps.** Remaining candidates that overlap are resolved greedily, best first:

   a. entities with source ``given`` (supplied by the caller) first, then confirmed matches;
   b. the longer span;
   c. the higher confidence (rule matches carry 1.0, so they beat an equally long model span);
   d. the earlier start;
   e. the source: given > regex > lookup > builtin > model: an author's pattern or table names one
      entity, a built-in value type proposes its mention under every entity of that type (card
      digits after "card " are the regex's ``card_last4``, not the ``count`` every number is);
   f. the entity name, then the value's ``repr`` (a total order, so the input order never matters).

4. Mentions that overlap nothing better are all kept; the result is sorted by start, end and entity.

Spans are half-open ``[start, end)``; empty spans are dropped. Identical duplicates collapse into one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from skills_core.spec.types import Entity

SOURCE_PRIORITY = ("given", "regex", "lookup", "builtin", "model")
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


def _covers(span: Entity, match: Entity, *, trained: Collection[str], typed: Collection[str]) -> bool:
    """Whether the learned ``span`` of another entity makes the model's choice over ``match`` (rule 2)."""
    if span.source == "given" or span.value is None or span.entity == match.entity:
        return False
    if not (span.start <= match.start and match.end <= span.end):
        return False
    if match.entity not in trained and match.source != "builtin":
        return False
    return span.entity in typed or span.end - span.start > match.end - match.start


def merge_entities(
    learned: Iterable[Entity],
    rules: Iterable[Entity],
    *,
    trained: Collection[str] = (),
    typed: Collection[str] = (),
) -> list[Entity]:
    """One non-overlapping list of entities from learned spans and rule matches (see the module rules).

    Args:
        learned: Spans from the model (their values already normalised, see ``RuleExtractor.normalise``),
            and any ``given`` entities.
        rules: Matches from ``RuleExtractor.extract`` (lookup, regex, builtin); they may overlap.
        trained: The entities the model was trained to tag (its BIO labels), for rule 2a.
        typed: The entities declared with a built-in value type (money, number, datetime, email,
            phone), for rule 2b.

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
    known, kinds = frozenset(trained), frozenset(typed)
    vetoed = {
        j
        for j, match in enumerate(matches)
        if j not in confirmed and any(_covers(span, match, trained=known, typed=kinds) for span in model)
    }
    candidates = [(m, j in confirmed) for j, m in enumerate(matches) if j not in vetoed]
    candidates += [(e, False) for i, e in enumerate(model) if i not in absorbed]
    kept: list[Entity] = []
    for entity, _ in sorted(candidates, key=_priority):
        if not any(overlaps(entity, other) for other in kept):
            kept.append(entity)
    return sorted(kept, key=lambda e: (e.start, e.end, e.entity))
