"""Validation of what acts on the text analysis: settings.languages and flow triggers (file:line)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from skills_core.errors import Problem
from skills_core.spec.loader import load_skill_text

HEAD = """\
name: t
language: en
intents:
  greet: {examples: [hi, hello]}
responses:
  utter_offer: [Want a person?]
analysers:
  sentiment:
    labels:
      negative: [awful, terrible]
      neutral: [hello, my balance]
"""
FLOW = """\
flows:
  offer:
    triggers:
      - {analyser: %s, label: %s}
    steps:
      - say: utter_offer
"""


@pytest.mark.parametrize(
    ("tail", "line", "path", "found"),
    [
        ("settings: {languages: [en, EN]}\n", 12, "settings.languages.1", "'EN'"),
        ("settings: {languages: [de, fr]}\n", 12, "settings.languages", "[de, fr]"),
        (
            "settings: {languages: [en], language_response: utter_nope}\n",
            12,
            "settings.language_response",
            "unknown response 'utter_nope'",
        ),
        (FLOW % ("mood", "negative"), 15, "flows.offer.triggers.0.analyser", "unknown analyser 'mood'"),
        (FLOW % ("sentiment", "angry"), 15, "flows.offer.triggers.0.label", "unknown label 'angry'"),
    ],
)
def test_problems_name_the_file_and_line(
    problems_of: Callable[..., list[Problem]], tail: str, line: int, path: str, found: str
) -> None:
    (problem,) = problems_of(HEAD + tail)
    assert (problem.file, problem.line, problem.path) == ("skill.yml", line, path)
    assert found in problem.found and problem.fix


@pytest.mark.parametrize(
    "tail",
    [
        "settings: {languages: [en, zh], on_other_language: handoff}\n",
        "settings: {languages: [en]}\n",  # the built-in refusal needs no declaration
        "settings: {languages: [en], language_response: 'Only English, not {language}'}\n",
        FLOW % ("sentiment", "negative"),
    ],
)
def test_valid_settings_load(tail: str) -> None:
    skill = load_skill_text(HEAD + tail)
    assert skill.name == "t"


def test_a_trigger_confidence_outside_0_1_is_a_schema_problem(
    problems_of: Callable[..., list[Problem]],
) -> None:
    text = HEAD + FLOW.replace("label: %s}", "label: %s, min_confidence: 1.5}") % ("sentiment", "negative")
    (problem,) = problems_of(text)
    assert problem.path == "flows.offer.triggers.0.min_confidence" and problem.line == 15
