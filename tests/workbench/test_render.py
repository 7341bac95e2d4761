"""HTML fragments: what is shown is readable from class names and data attributes, and escaped."""

from __future__ import annotations

import re

from wb_support import make_parse

from skills_core.spec.annotations import Example
from skills_core.workbench.compare import compare
from skills_core.workbench.render import comparison_html, errors_html, intent_view_html
from skills_core.workbench.views import ErrorRow, Neighbour, intent_view


def _bars(html: str) -> list[tuple[str, float]]:
    return [(n, float(c)) for n, c in re.findall(r'data-intent="([^"]+)" data-confidence="([0-9.]+)"', html)]


def test_intent_view_html_shows_bars_decision_and_entities() -> None:
    text = "send 50 dollars to Anna"
    parse = make_parse(
        text,
        "transfer_money",
        [("transfer_money", 0.7), ("check_balance", 0.2), ("greet", 0.1)],
        entities=[(5, 15, "amount", {"amount": 50.0}), (19, 23, "recipient", "Anna")],
    )
    html = intent_view_html(intent_view(parse, threshold=0.15))
    assert _bars(html) == [("transfer_money", 0.7), ("check_balance", 0.2), ("greet", 0.1)]
    assert 'class="wb-decision" data-intent="transfer_money" data-in-scope="true"' in html
    assert re.findall(r'data-entity="(\w+)"', html) == ["amount", "recipient"]
    assert "threshold 0.150" in html
    assert f'data-text="{text}"' in html


def test_user_text_is_escaped() -> None:
    text = "<script>alert(1)</script>"
    html = intent_view_html(intent_view(make_parse(text, "greet", [("greet", 1.0)]), threshold=0.0))
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_errors_html_lists_neighbours() -> None:
    row = ErrorRow("yo", "greet", "goodbye", 0.4, "goodbye", [Neighbour("bye bye", "goodbye", 0.91)])
    html = errors_html([row])
    assert "bye bye" in html and "(goodbye, 0.91)" in html
    assert "no misclassified" in errors_html([])


def test_comparison_html() -> None:
    gold = [Example("yo", "greet")]
    before = [make_parse("yo", "goodbye", [("goodbye", 0.6)])]
    after = [make_parse("yo", "greet", [("greet", 0.7)])]
    html = comparison_html(compare(gold, before, after))
    assert "fixed" in html and "goodbye (0.60)" in html and "greet (0.70)" in html
    assert "no prediction changed" in comparison_html(compare(gold, before, before))
