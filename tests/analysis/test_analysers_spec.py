"""The skill's ``analysers:`` section: schema and validation problems, each at its file and line."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from skills_core.errors import SpecError
from skills_core.spec.loader import load_skill, load_skill_text

HEAD = """\
name: t
intents:
  greet:
    examples: [hi, hello]
  bye:
    examples: [bye, see you]
"""

CASES: list[tuple[str, str, str, str]] = [
    # (id, yaml body with a '# <-' marked line, problem path, phrase in expected/found/fix)
    (
        "too_few_examples",
        """
        analysers:
          sentiment:
            labels:
              negative: [awful]  # <-
              positive: [great, thanks]
        """,
        "analysers.sentiment.labels.negative",
        "at least 2 examples per label",
    ),
    (
        "empty_label",
        """
        analysers:
          sentiment:
            labels:
              negative:  # <-
              positive: [great, thanks]
        """,
        "analysers.sentiment.labels.negative",
        "0 examples for label 'negative'",
    ),
    (
        "one_label",
        """
        analysers:
          sentiment:
            labels:  # <-
              positive: [great, thanks]
        """,
        "analysers.sentiment.labels",
        "at least two labels",
    ),
    (
        "no_labels",
        """
        analysers:
          sentiment:
            labels: {}  # <-
        """,
        "analysers.sentiment.labels",
        "0 labels",
    ),
    (
        "empty_example",
        """
        analysers:
          sentiment:
            labels:
              negative: [awful, bad]
              positive:
                - great
                - "  "  # <-
        """,
        "analysers.sentiment.labels.positive.1",
        "a non-empty example",
    ),
    (
        "example_in_two_labels",
        """
        analysers:
          sentiment:
            labels:
              negative: [awful, bad]
              positive:
                - great
                - Bad  # <-
        """,
        "analysers.sentiment.labels.positive.1",
        "'Bad' again (first in 'negative' at skill.yml:11)",
    ),
    (
        "reserved_label",
        """
        analysers:
          sentiment:
            labels:
              negative: [awful, bad]
              out_of_scope: [weather, sports]  # <-
        """,
        "analysers.sentiment.labels.out_of_scope",
        "reserved",
    ),
    (
        "bad_name",
        """
        analysers:
          my sentiment:  # <-
            labels:
              negative: [awful, bad]
              positive: [great, thanks]
        """,
        "analysers.my sentiment",
        "letters, digits",
    ),
    (
        "missing_labels",
        """
        analysers:
          sentiment:  # <-
            mode: fast
        """,
        "analysers.sentiment",
        "labels",
    ),
    (
        "bad_mode",
        """
        analysers:
          sentiment:
            mode: slow  # <-
            labels:
              negative: [awful, bad]
              positive: [great, thanks]
        """,
        "analysers.sentiment.mode",
        "slow",
    ),
]


@pytest.mark.parametrize(("body", "path", "phrase"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_problem(body: str, path: str, phrase: str) -> None:
    text = HEAD + textwrap.dedent(body)
    marked = [n for n, line in enumerate(text.splitlines(), start=1) if "# <-" in line]
    with pytest.raises(SpecError) as info:
        load_skill_text(text, filename="skill.yml")
    problems = [p for p in info.value.problems if p.path == path]
    assert len(problems) == 1, info.value
    problem = problems[0]
    assert (problem.file, problem.line) == ("skill.yml", marked[0])
    assert phrase in f"{problem.expected} | {problem.found} | {problem.fix}"


def test_valid_section() -> None:
    skill = load_skill_text(
        HEAD
        + textwrap.dedent(
            """
            analysers:
              sentiment:
                description: mood
                mode: finetune
                labels:
                  negative: [awful, bad]
                  positive: [great, thanks]
            """
        )
    )
    assert skill.analysers["sentiment"].labels == {
        "negative": ["awful", "bad"],
        "positive": ["great", "thanks"],
    }
    assert skill.analysers["sentiment"].mode == "finetune"


def test_empty_section() -> None:
    assert load_skill_text(HEAD + "analysers:\n").analysers == {}


def test_analysers_in_their_own_file(tmp_path: Path) -> None:
    (tmp_path / "skill.yml").write_text(HEAD)
    (tmp_path / "analysers.yml").write_text(
        "analysers:\n  urgency:\n    labels:\n      high: [now!, asap]\n      low: [whenever]\n"
    )
    with pytest.raises(SpecError) as info:
        load_skill(tmp_path)
    (problem,) = info.value.problems
    assert re.search(r"analysers\.yml$", problem.file) and problem.line == 5
