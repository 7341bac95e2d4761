"""RuleExtractor: lookup tables with synonyms, regexes, built-in types, and resolving with learned spans."""

from __future__ import annotations

from datetime import datetime

import pytest

from skills_core.errors import SpecError
from skills_core.nlu.rules import RuleExtractor
from skills_core.spec.models import Skill
from skills_core.spec.types import Entity

NOW = datetime(2024, 5, 15, 10, 30)


def make_skill(entities: dict[str, object], language: str = "en") -> Skill:
    return Skill.model_validate({"name": "test", "language": language, "entities": entities})


@pytest.fixture(scope="module")
def travel() -> RuleExtractor:
    skill = make_skill(
        {
            "city": {
                "values": {
                    "NYC": ["new york", "new york city", "big apple"],
                    "York": [],
                    "Beijing": ["北京", "peking"],
                    "LA": ["los angeles", "L.A."],
                }
            },
            "account": {"values": ["checking", "savings"], "regex": [r"acct-(?P<value>\d{4})"]},
            "order_id": {"regex": r"ORD-\d{6}", "case_sensitive": True},
            "amount": {"type": "money"},
            "departure": {"type": "datetime"},
            "return_date": {"type": "datetime"},
            "guests": {"type": "number"},
        }
    )
    return RuleExtractor.from_skill(skill, warm=False)


def spans(text: str, entities: list[Entity]) -> list[tuple[str, str, object, str]]:
    for e in entities:
        assert text[e.start : e.end] == e.text
    return [(e.entity, e.text, e.value, e.source) for e in entities]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fly to New  York City", [("city", "New  York City", "NYC", "lookup")]),  # longest, any spacing
        ("fly to new york", [("city", "new york", "NYC", "lookup")]),
        ("the BIG APPLE!", [("city", "BIG APPLE", "NYC", "lookup")]),
        ("york and newyork and yorkshire", [("city", "york", "York", "lookup")]),  # word boundaries
        ("L.A. or LA", [("city", "L.A.", "LA", "lookup"), ("city", "LA", "LA", "lookup")]),
        ("我想去北京玩", [("city", "北京", "Beijing", "lookup")]),  # no boundaries in CJK text
        ("我想去peking玩", [("city", "peking", "Beijing", "lookup")]),  # Latin word next to CJK
        ("🙂北京🙂 peking", [("city", "北京", "Beijing", "lookup"), ("city", "peking", "Beijing", "lookup")]),
        ("move it to Savings", [("account", "Savings", "savings", "lookup")]),
        ("nothing here", []),
    ],
)
def test_lookup(travel: RuleExtractor, text: str, expected: list[tuple[str, str, object, str]]) -> None:
    found = [e for e in travel.extract(text, now=NOW) if e.source == "lookup"]
    assert spans(text, found) == expected


def test_regex_value_group_case_sensitivity_and_offsets(travel: RuleExtractor) -> None:
    text = "🎉 acct-1234 then ACCT-9999, order ORD-123456 not ord-654321"
    found = [e for e in travel.extract(text, now=NOW) if e.source == "regex"]
    assert spans(text, found) == [
        ("account", "acct-1234", "1234", "regex"),
        ("account", "ACCT-9999", "9999", "regex"),
        ("order_id", "ORD-123456", "ORD-123456", "regex"),
    ]


def test_builtin_types_are_named_after_the_declaring_entities(travel: RuleExtractor) -> None:
    text = "2 of us, $300, tomorrow at 5pm"
    found = [e for e in travel.extract(text, now=NOW) if e.source == "builtin"]
    when = {"value": "2024-05-16T17:00:00", "grain": "minute"}
    assert spans(text, found) == [
        ("guests", "2", 2, "builtin"),
        ("amount", "$300", {"amount": 300.0, "currency": "USD"}, "builtin"),
        ("departure", "tomorrow at 5pm", when, "builtin"),  # both datetime entities get it;
        ("return_date", "tomorrow at 5pm", when, "builtin"),  # the model decides which one
    ]
    assert travel.builtin_types == {
        "money": ["amount"],
        "datetime": ["departure", "return_date"],
        "number": ["guests"],
    }


def test_extract_is_deterministic(travel: RuleExtractor) -> None:
    text = "from new york to LA tomorrow, acct-1234, 3 guests, €20"
    first = travel.extract(text, now=NOW)
    assert first == travel.extract(text, now=NOW)
    keys = [(e.start, e.end, e.entity) for e in first]
    assert keys == sorted(keys)


def test_case_sensitive_lookup() -> None:
    extractor = RuleExtractor.from_skill(make_skill({"code": {"values": ["ABC"], "case_sensitive": True}}))
    assert [e.text for e in extractor.extract("abc ABC aBc")] == ["ABC"]


def test_typed_lookup_values_are_parsed() -> None:
    skill = make_skill({"size": {"type": "number", "values": {"2": ["a couple", "pair"]}}})
    extractor = RuleExtractor.from_skill(skill)
    found = extractor.extract("a couple of seats, a pair")
    assert [(e.text, e.value, e.source) for e in found] == [("a couple", 2, "lookup"), ("pair", 2, "lookup")]


def test_big_lookup_compiles_once_and_matches() -> None:
    values = {f"product {i}": [f"p{i}", f"item number {i}"] for i in range(2000)}
    extractor = RuleExtractor.from_skill(make_skill({"product": {"values": values}}))
    text = "I want item number 1999 and p7, not p77x"
    assert [(e.text, e.value) for e in extractor.extract(text)] == [
        ("item number 1999", "product 1999"),
        ("p7", "product 7"),
    ]


def test_bad_regex_and_ambiguous_synonym_are_reported_together() -> None:
    skill = make_skill(
        {"code": {"regex": ["ok\\d", "bad("]}, "city": {"values": {"NYC": ["ny"], "Nyack": ["NY"]}}}
    )
    with pytest.raises(SpecError) as info:
        RuleExtractor.from_skill(skill)
    problems = info.value.problems
    assert [p.path for p in problems] == ["entities.city.values.Nyack", "entities.code.regex.1"]
    assert all(p.expected and p.found and p.fix for p in problems)
    assert "'NY' listed under both 'NYC' and 'Nyack'" in str(info.value)


def test_normalise_learned_spans(travel: RuleExtractor) -> None:
    def span(entity: str, text: str, value: object = None) -> Entity:
        return Entity(entity=entity, start=0, end=len(text), text=text, value=value, confidence=0.8)

    assert travel.normalise(span("city", "Big Apple")).value == "NYC"
    assert travel.normalise(span("city", " Boston ")).value == "Boston"
    assert travel.normalise(span("amount", "fifty bucks")).value == {"amount": 50.0, "currency": "USD"}
    assert travel.normalise(span("departure", "next friday"), now=NOW).value == {
        "value": "2024-05-17",
        "grain": "day",
    }
    assert travel.normalise(span("guests", "lots")).value is None
    assert travel.normalise(span("city", "NY", value="given")).value == "given"  # already set
    assert travel.normalise(span("unknown", "x")).value is None  # not declared: unchanged


def test_resolve_uses_learned_labels_to_pick_between_same_type_entities(travel: RuleExtractor) -> None:
    text = "leave tomorrow at 5pm, back next friday"
    t0, t1 = text.index("tomorrow"), text.index("next")

    def model(entity: str, start: int, end: int) -> Entity:
        return Entity(entity=entity, start=start, end=end, text=text[start:end], confidence=0.7)

    learned = [
        model("departure", t0, t0 + len("tomorrow at")),
        model("return_date", t1, t1 + len("next friday")),
    ]
    resolved = travel.resolve(text, learned, now=NOW)
    assert spans(text, resolved) == [
        ("departure", "tomorrow at 5pm", {"value": "2024-05-16T17:00:00", "grain": "minute"}, "builtin"),
        ("return_date", "next friday", {"value": "2024-05-17", "grain": "day"}, "builtin"),
    ]


def test_resolve_without_learned_spans_gives_non_overlapping_rules(travel: RuleExtractor) -> None:
    text = "new york city acct-1234"
    resolved = travel.resolve(text, now=NOW)
    assert spans(text, resolved) == [
        ("city", "new york city", "NYC", "lookup"),
        ("account", "acct-1234", "1234", "regex"),  # beats the number 1234 inside it
    ]


def test_chinese_skill() -> None:
    skill = make_skill(
        {
            "city": {"values": {"北京": ["北京市", "帝都"], "上海": []}},
            "when": {"type": "datetime"},
            "price": {"type": "money"},
        },
        language="zh",
    )
    extractor = RuleExtractor.from_skill(skill)
    text = "明天下午三点从帝都到上海，预算五百块"
    assert spans(text, extractor.resolve(text, now=NOW)) == [
        ("when", "明天下午三点", {"value": "2024-05-16T15:00:00", "grain": "minute"}, "builtin"),
        ("city", "帝都", "北京", "lookup"),
        ("city", "上海", "上海", "lookup"),
        ("price", "五百块", {"amount": 500.0, "currency": "CNY"}, "builtin"),
    ]
