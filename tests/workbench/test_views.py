"""The intent debugger's view models: a Parse (and a report) in, what is shown out."""

from __future__ import annotations

import pytest
from wb_support import make_parse

from skills_core.nlu.evaluate import RankedIntent, evaluate
from skills_core.spec.types import OUT_OF_SCOPE, Entity
from skills_core.workbench.views import (
    Neighbour,
    confused_with,
    decision,
    error_filter_options,
    error_rows,
    intent_view,
    ranking_bars,
    segments,
)


def test_ranking_bars_are_sorted_and_mark_the_chosen_and_the_weak() -> None:
    parse = make_parse("x", "b", [("a", 0.2), ("b", 0.7), ("c", 0.1)])
    bars = ranking_bars(parse, threshold=0.15)
    assert [(b.name, b.chosen, b.below_threshold) for b in bars] == [
        ("b", True, False),
        ("a", False, False),
        ("c", False, True),
    ]


def test_ranking_bars_limit() -> None:
    parse = make_parse("x", "i0", [(f"i{i}", 0.5 - i / 100) for i in range(20)])
    assert [b.name for b in ranking_bars(parse, threshold=0.0, limit=3)] == ["i0", "i1", "i2"]


@pytest.mark.parametrize(
    ("fallback", "in_scope", "needle"),
    [
        (None, True, "top intent greet 0.600 >= threshold 0.400"),
        (
            ("out_of_scope", "classified as out-of-scope (p=0.700)", "greet"),
            False,
            "the out-of-scope class won",
        ),
        (("low_confidence", "top intent below", "greet"), False, "below the threshold 0.400"),
        (("ambiguous", "too close", "greet"), False, "closer than the margin 0.100"),
    ],
)
def test_decision_explains_with_numbers(
    fallback: tuple[str, str, str] | None, in_scope: bool, needle: str
) -> None:
    intent = "greet" if fallback is None else OUT_OF_SCOPE
    parse = make_parse("hey", intent, [("greet", 0.6), ("goodbye", 0.3)], fallback=fallback)
    d = decision(parse, threshold=0.4, margin=0.1)
    assert d.in_scope is in_scope
    assert d.intent == intent
    assert needle in d.explanation
    assert d.reason == (None if fallback is None else fallback[0])
    if fallback is not None:
        assert "best in-scope candidate: greet" in d.explanation


def test_decision_in_scope_names_the_margin_when_one_is_set() -> None:
    parse = make_parse("hey", "greet", [("greet", 0.6), ("goodbye", 0.3)])
    assert "margin over goodbye 0.300 >= 0.100" in decision(parse, threshold=0.4, margin=0.1).explanation


def _entity(text: str, start: int, end: int, name: str, value: object = None) -> Entity:
    return Entity(entity=name, start=start, end=end, text=text[start:end], value=value)


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([], [("send 50 to Anna", None)]),
        (
            [(5, 7, "amount", 50), (11, 15, "recipient", "Anna")],
            [("send ", None), ("50", "amount"), (" to ", None), ("Anna", "recipient")],
        ),
        ([(0, 4, "verb", None)], [("send", "verb"), (" 50 to Anna", None)]),
        # overlapping mentions: the earlier, longer one wins; empty spans are dropped
        (
            [(5, 15, "all", None), (11, 15, "recipient", None), (3, 3, "empty", None)],
            [("send ", None), ("50 to Anna", "all")],
        ),
    ],
)
def test_segments_cover_the_text(
    spans: list[tuple[int, int, str, object]], expected: list[tuple[str, str | None]]
) -> None:
    text = "send 50 to Anna"
    segs = segments(text, [_entity(text, s, e, n, v) for s, e, n, v in spans])
    assert [(s.text, s.entity) for s in segs] == expected
    assert "".join(s.text for s in segs) == text
    for s in segs:
        assert text[s.start : s.end] == s.text


def test_intent_view_carries_values() -> None:
    text = "send 50 dollars to Anna"
    parse = make_parse(
        text,
        "transfer_money",
        [("transfer_money", 0.8), ("check_balance", 0.2)],
        entities=[(5, 15, "amount", {"amount": 50.0, "currency": "USD"})],
    )
    view = intent_view(parse, threshold=0.3)
    assert view.decision.in_scope
    assert [b.name for b in view.bars] == ["transfer_money", "check_balance"]
    mention = next(s for s in view.segments if s.entity)
    assert (mention.text, mention.value) == ("50 dollars", {"amount": 50.0, "currency": "USD"})


def test_error_rows_and_filter(labelled) -> None:
    gold, pred = labelled
    report = evaluate(gold, pred)
    rows = error_rows(report)
    assert [(r.text, r.gold, r.predicted, r.confused_with) for r in rows] == [
        ("how much have I got", "check_balance", "transfer_money", "transfer_money"),
        ("yo", "greet", OUT_OF_SCOPE, OUT_OF_SCOPE),
    ]
    assert error_filter_options(report) == ["check_balance", "greet", "transfer_money", OUT_OF_SCOPE]
    assert [r.text for r in error_rows(report, intent="greet")] == ["yo"]
    assert [r.text for r in error_rows(report, intent="transfer_money")] == ["how much have I got"]
    assert error_rows(report, intent="goodbye") == []
    near = {"yo": [Neighbour("hey", "greet", 0.9)]}
    assert error_rows(report, intent="greet", nearest=near)[0].nearest == near["yo"]


@pytest.mark.parametrize(
    ("ranking", "expected"),
    [
        ([("greet", 0.3), ("goodbye", 0.25)], OUT_OF_SCOPE),  # the right intent led, then fell back
        ([("goodbye", 0.35), ("greet", 0.3)], "goodbye"),  # a wrong intent led
        ([], OUT_OF_SCOPE),
    ],
)
def test_confused_with_for_an_oos_prediction(labelled, ranking: list, expected: str) -> None:
    gold, pred = labelled
    case = next(c for c in evaluate(gold, pred).errors if c.text == "yo")
    ranked = [RankedIntent(name=n, confidence=c) for n, c in ranking]
    assert confused_with(case.model_copy(update={"ranking": ranked})) == expected
