"""merge_entities: documented, deterministic overlap resolution between learned spans and rule matches."""

from __future__ import annotations

import random
from typing import Any

import pytest

from skills_core.nlu.merge import merge_entities, overlaps
from skills_core.spec.types import Entity, EntitySource

TEXT = "fly from new york city to paris tomorrow at 5pm with 2 bags"


def ent(
    entity: str,
    start: int,
    end: int,
    source: EntitySource = "model",
    confidence: float = 1.0,
    value: Any = None,
) -> Entity:
    return Entity(
        entity=entity,
        start=start,
        end=end,
        text=TEXT[start:end],
        value=value,
        source=source,
        confidence=confidence,
    )


def keys(entities: list[Entity]) -> list[tuple[str, int, int, str]]:
    return [(e.entity, e.start, e.end, e.source) for e in entities]


def test_overlaps_is_half_open() -> None:
    assert overlaps(ent("a", 0, 3), ent("b", 2, 5))
    assert not overlaps(ent("a", 0, 3), ent("b", 3, 5))


def test_agreeing_rule_replaces_learned_span_and_gives_its_value() -> None:
    learned = [ent("city", 9, 17, confidence=0.6)]  # "new york"
    rules = [ent("city", 9, 22, "lookup", value="NYC")]  # "new york city"
    assert merge_entities(learned, rules) == rules


def test_agreement_beats_a_longer_match_of_another_entity() -> None:
    # The model says "tomorrow at 5pm" is the departure; the builtin proposes it under both names and a
    # longer unrelated regex match overlaps it. The confirmed one wins (rule 3a before 3b).
    learned = [ent("departure", 32, 43, confidence=0.7)]
    rules = [
        ent("departure", 32, 47, "builtin", value="d"),
        ent("return_date", 32, 47, "builtin", value="d"),
        ent("note", 26, 50, "regex"),
    ]
    assert keys(merge_entities(learned, rules)) == [("departure", 32, 47, "builtin")]


def test_model_label_picks_between_entities_of_one_type() -> None:
    learned = [ent("return_date", 32, 40, confidence=0.55)]
    rules = [ent("departure", 32, 40, "builtin"), ent("return_date", 32, 40, "builtin")]
    assert keys(merge_entities(learned, rules)) == [("return_date", 32, 40, "builtin")]


@pytest.mark.parametrize(
    ("candidates", "winner"),
    [
        # 3b: the longer span, even from the model against a rule
        ([ent("place", 9, 22, confidence=0.5), ent("city", 9, 17, "lookup")], ("place", 9, 22, "model")),
        # 3c: same length, higher confidence
        ([ent("a", 9, 17, confidence=0.9), ent("b", 9, 17, confidence=0.8)], ("a", 9, 17, "model")),
        ([ent("a", 9, 17, confidence=0.9), ent("b", 9, 17, "lookup")], ("b", 9, 17, "lookup")),
        # 3d: same length and confidence, earlier start
        ([ent("a", 13, 17, confidence=0.9), ent("b", 10, 14, confidence=0.9)], ("b", 10, 14, "model")),
        # 3e: the source (entity-specific rules before the generic built-in types)
        ([ent("x", 9, 17, "lookup"), ent("y", 9, 17, "regex")], ("y", 9, 17, "regex")),
        ([ent("x", 9, 17, "regex"), ent("y", 9, 17, "builtin")], ("x", 9, 17, "regex")),
        ([ent("x", 9, 17, "builtin"), ent("y", 9, 17, "lookup")], ("y", 9, 17, "lookup")),
        ([ent("x", 9, 17, "lookup"), ent("y", 9, 17, "model")], ("x", 9, 17, "lookup")),
        # 3f: the entity name, then the value
        ([ent("b", 9, 17, "lookup"), ent("a", 9, 17, "lookup")], ("a", 9, 17, "lookup")),
    ],
)
def test_tie_breaks(candidates: list[Entity], winner: tuple[str, int, int, str]) -> None:
    learned = [e for e in candidates if e.source == "model"]
    rules = [e for e in candidates if e.source != "model"]
    assert keys(merge_entities(learned, rules)) == [winner]
    assert keys(merge_entities(list(reversed(learned)), list(reversed(rules)))) == [winner]


def test_value_is_the_last_tie_break() -> None:
    one, two = ent("a", 9, 17, "lookup", value="one"), ent("a", 9, 17, "lookup", value="two")
    assert merge_entities([], [two, one]) == merge_entities([], [one, two]) == [one]


def test_given_entities_always_win() -> None:
    given = ent("city", 9, 13, "given", value="Newark")
    rules = [ent("city", 9, 22, "lookup", value="NYC")]
    assert merge_entities([given], rules) == [given]


def test_non_overlapping_are_all_kept_sorted_and_empty_spans_dropped() -> None:
    learned = [ent("bags", 53, 54, confidence=0.4), ent("city", 26, 31, confidence=0.9), ent("x", 5, 5)]
    rules = [ent("city", 9, 22, "lookup"), ent("when", 32, 47, "builtin")]
    assert keys(merge_entities(learned, rules)) == [
        ("city", 9, 22, "lookup"),
        ("city", 26, 31, "model"),
        ("when", 32, 47, "builtin"),
        ("bags", 53, 54, "model"),
    ]


def test_identical_duplicates_collapse() -> None:
    e = ent("city", 9, 22, "lookup")
    assert merge_entities([], [e, e, e]) == [e]


def test_shuffled_input_gives_the_same_output() -> None:
    learned = [
        ent("city", 9, 17, confidence=0.6),
        ent("dest", 26, 31, confidence=0.9),
        ent("when", 32, 40, confidence=0.7),
        ent("count", 53, 59, confidence=0.7),
        ent("bags", 55, 59, confidence=0.7),
    ]
    rules = [
        ent("city", 9, 22, "lookup", value="NYC"),
        ent("city", 13, 17, "lookup", value="York"),
        ent("dest", 26, 31, "lookup", value="Paris"),
        ent("when", 32, 47, "builtin", value="t"),
        ent("back", 32, 47, "builtin", value="t"),
        ent("count", 53, 54, "builtin", value=2),
        ent("n", 44, 45, "builtin", value=5),
    ]
    expected = merge_entities(learned, rules)
    assert keys(expected) == [
        ("city", 9, 22, "lookup"),
        ("dest", 26, 31, "lookup"),
        ("when", 32, 47, "builtin"),
        ("count", 53, 54, "builtin"),
        ("bags", 55, 59, "model"),
    ]
    rng = random.Random(7)
    for _ in range(50):
        rng.shuffle(learned)
        rng.shuffle(rules)
        assert merge_entities(learned, rules) == expected


# Rule 2: the model's choice between entities. Text positions in CORRECTION.
CORRECTION = "actually, make it 50 for card 4821 to May Smith"
TYPED = {"amount", "count", "phone", "when"}  # entities with a built-in value type


def cent(entity: str, surface: str, source: EntitySource = "model", confidence: float = 0.8) -> Entity:
    start = CORRECTION.index(surface)
    return Entity(
        entity=entity,
        start=start,
        end=start + len(surface),
        text=surface,
        value=surface,
        source=source,
        confidence=1.0 if source != "model" else confidence,
    )


@pytest.mark.parametrize(
    ("learned", "rules", "trained", "winners"),
    [
        # 2a+2b: the bare-number builtin proposes "50" as a count; the learned amount (a value type) wins
        (
            [cent("amount", "50")],
            [cent("count", "50", "builtin")],
            {"amount", "count"},
            [("amount", "model")],
        ),
        # ...whether or not the model knows count: a builtin says what the value is, not whose it is
        ([cent("amount", "50")], [cent("count", "50", "builtin")], {"amount"}, [("amount", "model")]),
        ([cent("amount", "50")], [cent("count", "50", "builtin")], set(), [("amount", "model")]),
        # a regex of an entity the model knows yields to a value-type label on the same span...
        ([cent("count", "4821")], [cent("card", "4821", "regex")], {"count", "card"}, [("count", "model")]),
        # ...but a regex/lookup of an entity the model never learned keeps its place (rule 3: confidence)
        ([cent("count", "4821")], [cent("card", "4821", "regex")], {"count"}, [("card", "regex")]),
        ([cent("count", "4821")], [cent("card", "4821", "lookup")], {"count"}, [("card", "lookup")]),
        # a free-text entity over exactly a value mention does not erase it (2b): rule 3 keeps the rule
        (
            [cent("recipient", "50")],
            [cent("amount", "50", "builtin")],
            {"recipient", "amount"},
            [("amount", "builtin")],
        ),
        (
            [cent("recipient", "4821")],
            [cent("card", "4821", "regex")],
            {"recipient", "card"},
            [("card", "regex")],
        ),
        # ...but a longer free-text span makes the match part of a bigger mention ("May" in "May Smith")
        (
            [cent("recipient", "May Smith")],
            [cent("when", "May", "builtin")],
            {"recipient"},
            [("recipient", "model")],
        ),
        # agreement still comes first, and the other proposals on that span are dropped
        (
            [cent("card", "4821")],
            [cent("card", "4821", "regex"), cent("count", "4821", "builtin")],
            {"card", "count"},
            [("card", "regex")],
        ),
        # no learned span on the mention: the rules decide among themselves (3e: the entity's own
        # regex before the number every run of digits is)
        (
            [],
            [cent("card", "4821", "regex"), cent("count", "4821", "builtin")],
            {"card", "count"},
            [("card", "regex")],
        ),
        # a given entity (the caller's) still wins over everything
        ([cent("amount", "50", "given")], [cent("count", "50", "builtin")], {"count"}, [("amount", "given")]),
    ],
)
def test_learned_span_wins_over_another_entity_it_could_have_chosen(
    learned: list[Entity], rules: list[Entity], trained: set[str], winners: list[tuple[str, str]]
) -> None:
    merged = merge_entities(learned, rules, trained=trained, typed=TYPED)
    assert [(e.entity, e.source) for e in merged] == winners
    again = merge_entities(
        list(reversed(learned)), list(reversed(rules)), trained=sorted(trained), typed=TYPED
    )
    assert again == merged


def test_a_vetoed_match_does_not_hide_other_mentions() -> None:
    learned = [cent("amount", "50"), cent("card", "4821")]
    rules = [cent("count", "50", "builtin"), cent("count", "4821", "builtin"), cent("card", "4821", "regex")]
    merged = merge_entities(learned, rules, trained={"amount", "card", "count"}, typed=TYPED)
    assert [(e.entity, e.text, e.source) for e in merged] == [
        ("amount", "50", "model"),
        ("card", "4821", "regex"),
    ]


def test_a_learned_span_inside_a_longer_match_vetoes_nothing() -> None:
    # The tagger slipped and tagged "万元" (part of the amount "十万元") as a recipient: the exact
    # builtin amount is not erased, it wins as the longer span (rule 3).
    text = "给王强汇十万元"

    def span(entity: str, start: int, end: int, source: EntitySource = "model") -> Entity:
        confidence = 1.0 if source != "model" else 0.7
        return Entity(
            entity=entity,
            start=start,
            end=end,
            text=text[start:end],
            value=text[start:end],
            source=source,
            confidence=confidence,
        )

    learned = [span("recipient", 1, 3), span("recipient", 5, 7)]
    rules = [span("amount", 4, 7, "builtin")]
    merged = merge_entities(learned, rules, trained={"amount", "recipient"}, typed={"amount"})
    assert [(e.entity, e.text, e.source) for e in merged] == [
        ("recipient", "王强", "model"),
        ("amount", "十万元", "builtin"),
    ]


def test_a_learned_span_that_does_not_parse_vetoes_nothing() -> None:
    # "4821" tagged as a phone number does not parse as one (value None): the card regex stands.
    phone = cent("phone", "4821").model_copy(update={"value": None})
    merged = merge_entities([phone], [cent("card", "4821", "regex")], trained={"phone", "card"}, typed=TYPED)
    assert [(e.entity, e.source) for e in merged] == [("card", "regex")]
