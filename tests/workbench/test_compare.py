"""Which predictions changed between two models."""

from __future__ import annotations

import pytest
from wb_support import make_parse

from skills_core.errors import ConfigError
from skills_core.spec.annotations import Example
from skills_core.workbench.compare import compare

GOLD = [Example(t, i) for t, i in [("a", "x"), ("b", "x"), ("c", "y"), ("d", "y"), ("e", "z")]]


def _parses(intents: list[str]) -> list:
    return [make_parse(g.text, i, [(i, 0.9)]) for g, i in zip(GOLD, intents, strict=True)]


def test_kinds_and_accuracy() -> None:
    before = _parses(["x", "y", "y", "x", "x"])  # right: a, c
    after = _parses(["x", "x", "z", "y", "y"])  # right: a, b, d
    result = compare(GOLD, before, after)
    assert {c.text: c.kind for c in result.changes} == {
        "b": "fixed",
        "c": "broken",
        "d": "fixed",
        "e": "changed",
    }
    assert (result.before_accuracy, result.after_accuracy) == (pytest.approx(0.4), pytest.approx(0.6))
    assert [c.text for c in result.fixed] == ["b", "d"]
    assert [c.text for c in result.broken] == ["c"]
    assert result.headline() == "validation accuracy 0.400 -> 0.600; 2 fixed, 1 broken, 4 changed of 5"


def test_probes_without_gold() -> None:
    before = [make_parse("p", "x", [("x", 0.5)]), make_parse("q", "x", [("x", 0.5)])]
    after = [make_parse("p", "y", [("y", 0.5)]), make_parse("q", "x", [("x", 0.6)])]
    same = _parses(["x"] * 5)
    result = compare(GOLD, same, same, probes_before=before, probes_after=after)
    assert [(c.text, c.kind, c.gold) for c in result.changes] == [("p", "probe", None)]
    assert result.count == 7


@pytest.mark.parametrize(
    ("gold", "before", "after"),
    [
        (GOLD, _parses(["x"] * 5), _parses(["x"] * 5)[:4]),
        (GOLD[:4], _parses(["x"] * 5), _parses(["x"] * 5)),
        (GOLD, _parses(["x"] * 5), list(reversed(_parses(["x"] * 5)))),
    ],
)
def test_mismatched_predictions_are_refused(gold: list, before: list, after: list) -> None:
    with pytest.raises(ConfigError, match="expected"):
        compare(gold, before, after)
