"""Training data derived from a skill: parsed examples and the entities a model learns."""

from __future__ import annotations

from pathlib import Path

import pytest

from skills_core.errors import SpecError
from skills_core.spec.annotations import Span
from skills_core.spec.dataset import learned_entities, training_examples
from skills_core.spec.loader import load_skill, load_skill_text
from skills_core.spec.models import Skill
from skills_core.spec.types import OUT_OF_SCOPE


def test_training_examples_cover_intents_then_out_of_scope(tiny_skill_path: Path) -> None:
    skill = load_skill(tiny_skill_path)
    examples = training_examples(skill)
    assert len(examples) == sum(len(i.examples) for i in skill.intents.values()) + 5
    assert [e.intent for e in examples[-5:]] == [OUT_OF_SCOPE] * 5
    first_transfer = next(e for e in examples if e.intent == "transfer_money")
    assert first_transfer.text == "send 50 dollars to Anna"
    assert first_transfer.spans == (Span(5, 15, "amount"), Span(19, 23, "recipient"))
    assert all("[" not in e.text for e in examples)


def test_training_examples_of_the_chinese_skill_have_character_spans(tiny_zh_path: Path) -> None:
    examples = training_examples(load_skill(tiny_zh_path))
    cities = {e.text[s.start : s.end] for e in examples for s in e.spans}
    assert cities == {"北京", "上海", "广州"}


@pytest.mark.parametrize(
    ("entities", "expected"),
    [
        ("amount: {type: money}\n  city: {values: [Paris]}", ["amount"]),
        ("amount: {type: money, learned: false}\n  city: {values: [Paris]}", []),
        ("amount: {type: money}\n  city: {values: [Paris], learned: true}", ["amount", "city"]),
    ],
)
def test_learned_entities(entities: str, expected: list[str]) -> None:
    skill = load_skill_text(
        "name: t\nintents:\n  pay: {examples: ['pay [5 euros](amount)', 'pay me']}\n"
        f"entities:\n  {entities}\n"
    )
    assert learned_entities(skill) == expected
    assert learned_entities(skill, training_examples(skill)) == expected


def test_tiny_skills_learn_their_annotated_entities(tiny_skill_path: Path, tiny_zh_path: Path) -> None:
    assert learned_entities(load_skill(tiny_skill_path)) == ["amount", "recipient"]
    assert learned_entities(load_skill(tiny_zh_path)) == ["city"]


def test_training_examples_of_an_unvalidated_skill_raise_spec_error() -> None:
    skill = Skill.model_validate({"name": "t", "intents": {"a": {"examples": ["ok", "bad [x"]}}})
    with pytest.raises(SpecError) as info:
        training_examples(skill)
    (problem,) = info.value.problems
    assert problem.path == "intents.a.examples.1"
    assert "stray '['" in problem.found
