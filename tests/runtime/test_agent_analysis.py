"""The Agent's text analysis: recorded per turn, PII masking of stored events, language refusal,
analysers stored with (and loaded from) the skill's model."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from runtime_support import TINY, FakeModel

from skills_core.analysis.analysers import AnalyserResult, LabelScore
from skills_core.errors import ConfigError
from skills_core.nlu.train import config_for
from skills_core.runtime.actions import load_actions
from skills_core.runtime.agent import Agent
from skills_core.runtime.analysis import MASK_ENV, mask_pii_enabled
from skills_core.runtime.plans import MemoryPlanStore
from skills_core.runtime.registry import ModelRegistry
from skills_core.runtime.skills import find_model, stored_analysers, train_and_store_all
from skills_core.spec.loader import load_skill
from skills_core.spec.models import Skill

EMAIL = "anna.smith@example.com"
GERMAN = "Ich möchte bitte meinen Kontostand sehen, danke schön"


class KeywordSentiment:
    """An analyser stand-in: 'awful' is negative (0.9), anything else neutral."""

    def predict(self, texts: Sequence[str]) -> list[AnalyserResult]:
        out = []
        for text in texts:
            label, conf = ("negative", 0.9) if "awful" in text else ("neutral", 0.8)
            other = "neutral" if label == "negative" else "negative"
            ranking = [LabelScore(label=label, confidence=conf), LabelScore(label=other, confidence=1 - conf)]
            out.append(AnalyserResult(label=label, confidence=conf, ranking=ranking))
        return out


@pytest.fixture(scope="module")
def skill() -> Skill:
    return load_skill(TINY)


def agent_for(skill: Skill, **options: Any) -> Agent:
    registry = ModelRegistry(loader=FakeModel, plans=MemoryPlanStore())
    registry.start("fake:a", watch=False)
    return Agent(
        skill=skill,
        registry=registry,
        actions=load_actions(TINY),
        analysers={"sentiment": KeywordSentiment()},  # type: ignore[dict-item]
        **options,
    )


def test_every_turn_records_its_analysis(skill: Skill) -> None:
    agent = agent_for(skill, mask_pii=False)
    turn = agent.handle("s1", f"hello, this is awful, write to {EMAIL}")
    (event,) = [e for e in turn.events if e["type"] == "text_analysed"]
    assert [e["type"] for e in turn.events].index("text_analysed") == 2  # after session_started, user_uttered
    assert event["language"] == "en" and event["masked"] is False
    assert event["labels"] == {"sentiment": {"label": "negative", "confidence": 0.9}}
    start = turn.text.index(EMAIL)
    assert event["pii"] == [{"type": "email", "start": start, "end": start + len(EMAIL)}]
    data = json.loads(json.dumps(turn.to_dict()))
    assert data["analysis"]["language"]["code"] == "en"
    assert data["analysis"]["pii"][0]["type"] == "email"
    assert data["analysis"]["analysers"]["sentiment"]["label"] == "negative"
    stored = agent.session("s1")
    assert stored is not None and EMAIL in json.dumps(stored["events"])  # masking is off


def test_batches_record_the_same_analysis_as_single_turns(skill: Skill) -> None:
    agent = agent_for(skill)
    single = agent.handle("a", "hello there")
    (batched,) = agent.handle_batch([("b", "hello there")])
    assert not isinstance(batched, Exception)
    assert batched.analysis == single.analysis


def test_masking_hides_pii_in_stored_and_returned_events(skill: Skill) -> None:
    agent = agent_for(skill, mask_pii=True)
    turn = agent.handle("s2", f"hello, my email is {EMAIL}")
    stored = agent.session("s2")
    assert stored is not None
    for events in (turn.events, stored["events"]):
        text = json.dumps(events)
        assert EMAIL not in text
        (user,) = [e for e in events if e["type"] == "user_uttered"]
        assert user["parse"]["text"] == "hello, my email is [EMAIL]"
    assert next(e for e in turn.events if e["type"] == "text_analysed")["masked"] is True
    assert turn.analysis is not None and turn.analysis["masked"] == "hello, my email is [EMAIL]"
    assert agent.handle("s2", "bye").state["turn"] == 2  # the masked log reloads


@pytest.mark.parametrize(
    ("env", "setting", "expected"),
    [(None, False, False), (None, True, True), ("1", False, True), ("off", True, False), ("", True, True)],
)
def test_mask_setting_and_environment(skill: Skill, env: str | None, setting: bool, expected: bool) -> None:
    configured = skill.model_copy(
        update={"settings": skill.settings.model_copy(update={"mask_pii_in_events": setting})}
    )
    environ = {} if env is None else {MASK_ENV: env}
    assert mask_pii_enabled(configured, environ=environ) is expected


def test_a_bad_mask_variable_says_what_to_set(skill: Skill) -> None:
    with pytest.raises(ConfigError, match=MASK_ENV):
        mask_pii_enabled(skill, environ={MASK_ENV: "maybe"})


def test_messages_in_other_languages_are_refused(skill: Skill) -> None:
    settings = skill.settings.model_copy(update={"languages": ["en"]})
    agent = agent_for(skill.model_copy(update={"settings": settings}))
    turn = agent.handle("s3", GERMAN)
    assert [r.reason["policy"] for r in turn.replies] == ["language"]
    assert turn.replies[0].text == "Sorry, I can't help in that language (de)."
    assert turn.state["active_flow"] is None
    assert agent.handle("s3", "I want to send money to Anna").replies[0].reason["policy"] != "language"


@pytest.mark.slow
def test_analysers_are_stored_and_loaded_with_the_model(data_dir: Path, tiny_tags: list[str]) -> None:
    skill = load_skill(data_dir / "analysis_skill")
    stored = train_and_store_all(skill, config=config_for(skill, epochs=1, progress=False))
    assert find_model(skill) == stored.tag
    loaded = stored_analysers(stored.tag, device="cpu")
    assert list(loaded) == ["sentiment"]
    texts = ["I hate this app", "thank you so much"]
    assert [r.label for r in loaded["sentiment"].predict(texts)] == [
        r.label for r in stored.analysers["sentiment"].predict(texts)
    ]
    assert stored_analysers(tiny_tags[0]) == {}  # a model stored without analysers loads with none
    changed = skill.model_copy(update={"analysers": {}})
    assert find_model(changed) is None  # the stored one has analysers this skill no longer declares
