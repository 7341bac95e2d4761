"""The DM on text analysis: the text_analysed event, language refusal and flow triggers."""

from __future__ import annotations

import pytest

from skills_core.dm import AnalyserLabel, DialogueManager, TextAnalysed, Tracker, reduce
from skills_core.dm.events import UserUttered
from skills_core.spec.loader import load_skill_text
from skills_core.spec.models import Skill
from skills_core.spec.types import IntentScore, Parse

SKILL = """
name: signals
language: en
settings: {languages: [en], on_other_language: %s}
intents:
  greet: {examples: [hi, hello]}
  check_balance: {examples: [my balance, how much money]}
  human_handoff: {examples: [a person please, get me a human]}
  affirm: {examples: ['yes', sure]}
  deny: {examples: ['no', nope]}
responses:
  utter_greet: [Hello!]
  utter_offer: [Do you want a person?]
  utter_balance: [You have 10.]
  utter_declined: [Okay.]
  utter_handoff: [A person will help.]
analysers:
  sentiment:
    labels:
      negative: [awful, terrible]
      neutral: [my balance, hello]
flows:
  balance:
    intents: [check_balance]
    steps:
      - say: utter_balance
  offer:
    triggers: [{analyser: sentiment, label: negative, min_confidence: 0.8}]
    steps:
      - confirm: utter_offer
        on_no: declined
      - link: handoff
      - id: declined
        say: utter_declined
  handoff:
    kind: handoff
    intents: [human_handoff]
    steps:
      - say: utter_handoff
"""


def skill(on_other: str = "refuse") -> Skill:
    return load_skill_text(SKILL % on_other)


def parse(intent: str, text: str = "text") -> Parse:
    return Parse(
        text=text, intent=intent, confidence=0.99, ranking=[IntentScore(name=intent, confidence=0.99)]
    )


def analysed(language: str | None = "en", negative: float = 0.0) -> TextAnalysed:
    label = AnalyserLabel(label="negative", confidence=negative) if negative else None
    return TextAnalysed(language=language, labels={"sentiment": label} if label else {})


def test_the_reducer_keeps_the_latest_analysis_and_clears_it_on_the_next_message() -> None:
    state = reduce([UserUttered(parse=parse("greet")), analysed("de", negative=0.9)])
    assert state.language == "de" and state.labels["sentiment"].label == "negative"
    state = reduce(
        [UserUttered(parse=parse("greet")), analysed("de", 0.9), UserUttered(parse=parse("greet"))]
    )
    assert state.language is None and dict(state.labels) == {}


@pytest.mark.parametrize(
    ("on_other", "language", "replies", "policy"),
    [
        ("refuse", "de", ["Sorry, I can't help in that language (de)."], "language"),
        ("refuse", "en", ["You have 10."], "flow"),
        ("refuse", None, ["You have 10."], "flow"),  # undetected: handled as usual
        ("continue", "de", ["You have 10."], "flow"),
        ("handoff", "de", ["A person will help."], "flow"),
    ],
)
def test_other_languages(on_other: str, language: str | None, replies: list[str], policy: str) -> None:
    dm = DialogueManager(skill(on_other))
    result = dm.handle(Tracker("s"), parse("check_balance"), analysis=analysed(language))
    assert result.texts == replies
    assert result.replies[0].reason.policy == policy
    assert ("handoff_requested" in [e.type for e in result.events]) == (
        on_other == "handoff" and language == "de"
    )


def test_a_refusal_re_asks_the_pending_question() -> None:
    dm = DialogueManager(skill())
    tracker = Tracker("s")
    dm.respond(tracker, parse("greet"), analysis=analysed(negative=0.95))
    result = dm.respond(tracker, parse("affirm"), analysis=analysed("fr"))
    assert result.texts == ["Sorry, I can't help in that language (fr).", "Do you want a person?"]
    assert result.state.active_flow == "offer"


@pytest.mark.parametrize(("confidence", "fires"), [(0.95, True), (0.8, True), (0.79, False)])
def test_a_trigger_fires_at_its_confidence(confidence: float, fires: bool) -> None:
    result = DialogueManager(skill()).handle(
        Tracker("s"), parse("greet"), analysis=analysed(negative=confidence)
    )
    assert (result.texts == ["Do you want a person?"]) == fires
    assert (result.state.active_flow == "offer") == fires


def test_a_triggered_flow_runs_once_and_the_intent_flow_waits_underneath() -> None:
    dm = DialogueManager(skill())
    tracker = Tracker("s")
    first = dm.respond(tracker, parse("check_balance"), analysis=analysed(negative=0.9))
    assert first.texts == ["Do you want a person?"]
    assert [f.flow for f in first.state.stack] == ["balance", "offer"]
    second = dm.respond(tracker, parse("deny"), analysis=analysed(negative=0.9))
    assert second.texts[0] == "Okay." and "You have 10." in second.texts
    again = dm.respond(tracker, parse("greet"), analysis=analysed(negative=0.99))
    assert again.texts == ["Hello!"]  # once per conversation
    assert tracker.state.triggered == ("offer",)


def test_yes_hands_off_and_a_handoff_intent_wins_over_a_trigger() -> None:
    dm = DialogueManager(skill())
    tracker = Tracker("s")
    dm.respond(tracker, parse("greet"), analysis=analysed(negative=0.9))
    assert dm.respond(tracker, parse("affirm")).texts == ["A person will help."]
    direct = dm.handle(Tracker("t"), parse("human_handoff"), analysis=analysed(negative=0.99))
    assert "offer" not in [e.flow for e in direct.events if e.type == "flow_started"]
