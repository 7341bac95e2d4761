"""The ipywidgets front-ends, driven from Python without a browser: set a value, read the HTML."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from wb_support import CONVERSATIONS

from skills_core.nlu.evaluate import evaluate
from skills_core.runtime.agent import Agent
from skills_core.workbench import ChatSession, Workbench, conversation_cases
from skills_core.workbench.widgets import (
    ALL,
    ChatWidget,
    ErrorsTable,
    IntentDebugger,
    ReplayPanel,
    RetrainPanel,
)


def _bars(html: str) -> list[tuple[str, float]]:
    return [(n, float(c)) for n, c in re.findall(r'data-intent="([^"]+)" data-confidence="([0-9.]+)"', html)]


def test_intent_debugger_typing_shows_the_ranking(trained: Workbench) -> None:
    debugger = IntentDebugger(trained)
    debugger.text.value = "send 20 dollars to bob"  # what pressing Enter in the text box does
    html = debugger.output.value
    bars = _bars(html)
    parse = trained.parse("send 20 dollars to bob")
    assert [name for name, _ in bars] == [s.name for s in sorted(parse.ranking, key=lambda s: -s.confidence)]
    assert [c for _, c in bars] == sorted((c for _, c in bars), reverse=True)
    assert f'class="wb-decision" data-intent="{parse.intent}"' in html
    assert 'data-entity="amount"' in html and 'data-entity="recipient"' in html
    debugger.text.value = "   "
    assert debugger.output.value == ""


def test_intent_debugger_before_training_shows_the_fix(fresh: Workbench) -> None:
    assert "call workbench.train()" in IntentDebugger(fresh).show("hello")


def test_errors_table_filters_by_intent(trained: Workbench, labelled) -> None:
    table = ErrorsTable(trained, neighbours=2)
    assert table.filter.options[0] == ALL
    wrong = [c for c in trained.report.errors if not c.intent_correct]
    assert (
        table.output.value.count("<tr>") == len(wrong) + 1
        if wrong
        else "no misclassified" in table.output.value
    )
    # a report with known errors: swap it into the latest run to drive the filter
    gold, pred = labelled
    run = trained.runs[-1]
    trained.runs[-1] = replace(run, report=evaluate(gold, pred))
    try:
        table.refresh()
        assert list(table.filter.options) == [ALL, "check_balance", "greet", "transfer_money", "out_of_scope"]
        table.filter.value = "greet"
        assert "yo" in table.output.value and "how much have I got" not in table.output.value
        assert table.output.value.count("(") >= 2, "two nearest training examples are listed"
        table.filter.value = ALL
        assert "how much have I got" in table.output.value
    finally:
        trained.runs[-1] = run


def test_retrain_panel_reports_changes_and_errors(fresh: Workbench) -> None:
    fresh.train()
    calls = []
    panel = RetrainPanel(fresh, probes=["hey you"], on_retrained=lambda: calls.append(1))
    assert "expected one of the skill&#x27;s intents" in panel.add_and_retrain("nope", ["hello"])
    assert calls == [] and len(fresh.runs) == 1
    html = panel.add_and_retrain("greet", ["hey you", "yo"])
    assert "validation accuracy" in html and len(fresh.runs) == 2 and calls == [1]
    assert panel.examples.value == ""


def test_chat_widget_shows_state_after_every_turn(agent: Agent) -> None:
    chat = ChatWidget(ChatSession(agent, session_id="w"))
    chat.text.value = "send 50 dollars to Anna"
    assert chat.text.value == "", "the box clears after sending"
    assert "send 50 dollars to Anna" in chat.transcript.value
    assert "bot</b>:" in chat.transcript.value
    assert chat.session.turns[0].slots, "the transfer's entities fill its slots"
    assert "transfer_money" in chat.state.value
    assert "user_uttered" in chat.events.value and "flow_started" in chat.events.value
    chat.reset()
    assert chat.session.turns == [] and "say something" in chat.transcript.value and chat.events.value == ""


def test_replay_panel_marks_the_divergence(agent: Agent) -> None:
    cases = conversation_cases([CONVERSATIONS])
    panel = ReplayPanel(agent, cases, use_nlu=False)
    keys = list(panel.cases)
    assert 'data-passed="true"' in panel.replay(keys[0])
    html = panel.replay(keys[1])
    assert 'data-passed="false"' in html and "diverges at turn 2" in html
    assert "Send 50 euros to Anna?" in html
    assert "no conversation tests" in ReplayPanel(agent, []).output.value


@pytest.mark.parametrize("widget", ["debugger", "chat"])
def test_widgets_display_as_jupyter_widgets(trained: Workbench, agent: Agent, widget: str) -> None:
    shell = IntentDebugger(trained) if widget == "debugger" else ChatWidget(ChatSession(agent))
    bundle = shell._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data
