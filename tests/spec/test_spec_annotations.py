"""Inline ``[text](entity)`` / ``[text]{"entity": ..., "value": ...}`` annotations."""

from __future__ import annotations

import pytest

from skills_core.spec.annotations import AnnotationError, Span, parse_example


@pytest.mark.parametrize(
    ("raw", "text", "spans"),
    [
        ("hello there", "hello there", ()),
        ("send [50 dollars](amount) now", "send 50 dollars now", (Span(5, 15, "amount"),)),
        (
            "send [50 dollars](amount) to [Anna](recipient)",
            "send 50 dollars to Anna",
            (Span(5, 15, "amount"), Span(19, 23, "recipient")),
        ),
        (
            'open a [current account]{"entity": "account", "value": "checking"}',
            "open a current account",
            (Span(7, 22, "account", "checking"),),
        ),
        ('[ten]{"entity": "number", "value": 10} apples', "ten apples", (Span(0, 3, "number", 10),)),
        ("[Anna]( recipient )", "Anna", (Span(0, 4, "recipient"),)),
        ("[北京](city)今天天气怎么样", "北京今天天气怎么样", (Span(0, 2, "city"),)),
        ("查一下[上海](city)的天气", "查一下上海的天气", (Span(3, 5, "city"),)),
        ("pay (not now) [Bob](recipient)", "pay (not now) Bob", (Span(14, 17, "recipient"),)),
    ],
)
def test_parse_example_strips_markup_and_keeps_offsets(raw: str, text: str, spans: tuple[Span, ...]) -> None:
    example = parse_example(raw, "intent_x")
    assert example.text == text
    assert example.intent == "intent_x"
    assert example.spans == spans


@pytest.mark.parametrize(
    ("raw", "column", "needle"),
    [
        ("what [is this", 5, "stray '['"),
        ("what ] is [x](y)", 5, "stray ']'"),
        ("[oops [Anna](recipient)", 0, "stray '['"),  # a stray bracket *before* an annotation
        ("[a](b) and ] then [c](d)", 11, "stray ']'"),  # between two annotations
        ("send [50](amount", 5, "stray '['"),
        ("send [Anna] (recipient)", 5, "stray '['"),
        ("send [Anna]() now", 11, "entity name"),
        ("send [ Anna](recipient)", 5, "leading or trailing spaces"),
        ("[x]{entity: y}", 3, "JSON"),
        ('[x]{"value": 1}', 3, '"entity" key'),
        ('[x]{"entity": ""}', 3, '"entity" key'),
        ('[x]{"entity": "y", "role": "z"}', 3, "extra: role"),
    ],
)
def test_malformed_markup_raises_with_column(raw: str, column: int, needle: str) -> None:
    with pytest.raises(AnnotationError) as info:
        parse_example(raw, "i")
    error = info.value
    assert error.column == column
    assert needle in f"{error.expected} {error.found}"
    assert error.fix
    assert f"column {column + 1}" in str(error)


def test_annotation_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="stray"):
        parse_example("a ] b", "i")
