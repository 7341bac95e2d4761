"""Custom analysers: overfit a tiny sentiment set, save, load, predict the same; the TextAnalyzer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skills_core.analysis.analysers import (
    Analyser,
    analyser_config,
    analyser_examples,
    load_analysers,
    save_analysers,
)
from skills_core.analysis.analyzer import TextAnalyzer
from skills_core.analysis.language import LanguageDetector
from skills_core.analysis.pii import PIIDetector
from skills_core.errors import ArtifactError, ConfigError
from skills_core.nlu.train import config_for
from skills_core.spec.models import Skill

TEXTS = ["this is terrible", "thank you so much", "what is my balance", "I hate this app, terrible"]


def test_overfits_the_examples(sentiment: Analyser, analysis_skill: Skill) -> None:
    examples = analyser_examples(analysis_skill, "sentiment")
    assert sentiment.labels == ["negative", "neutral", "positive"]
    assert [r.label for r in sentiment.predict([e.text for e in examples])] == [e.intent for e in examples]
    report = sentiment.evaluate(examples)
    assert report.accuracy == 1.0
    assert report.labels == ["negative", "neutral", "positive"]


def test_result_shape(sentiment: Analyser) -> None:
    (result,) = sentiment.predict(["this is terrible"])
    assert result.ranking[0].label == result.label == "negative"
    assert sorted(s.label for s in result.ranking) == sentiment.labels
    assert result.confidence == result.ranking[0].confidence
    assert [s.confidence for s in result.ranking] == sorted(
        (s.confidence for s in result.ranking), reverse=True
    )
    assert sum(s.confidence for s in result.ranking) == pytest.approx(1.0, abs=1e-4)
    assert sentiment.predict([]) == []


def test_batch_equals_one_by_one(sentiment: Analyser) -> None:
    batch = sentiment.predict(TEXTS)
    for text, result in zip(TEXTS, batch, strict=True):
        (single,) = sentiment.predict([text])
        assert single.label == result.label
        assert single.confidence == pytest.approx(result.confidence, abs=1e-5)


def test_save_load_predicts_the_same(sentiment: Analyser, tmp_path: Path) -> None:
    save_analysers({"sentiment": sentiment}, tmp_path / "analysers")
    loaded = load_analysers(tmp_path / "analysers", device="cpu")
    assert list(loaded) == ["sentiment"]
    assert loaded["sentiment"].name == "sentiment"
    assert loaded["sentiment"].version == sentiment.version
    assert loaded["sentiment"].predict(TEXTS) == sentiment.predict(TEXTS)
    assert sentiment.version.startswith("tiny_sentiment.sentiment-")


def test_damaged_artifacts(sentiment: Analyser, tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="no such file"):
        load_analysers(tmp_path / "missing")
    path = save_analysers({"sentiment": sentiment}, tmp_path / "a")
    (path / "analysers.json").write_text(json.dumps({"format": "other/9", "analysers": []}))
    with pytest.raises(ArtifactError, match="'other/9'"):
        load_analysers(path)
    (path / "analysers.json").write_text(json.dumps({"format": "skills-analysers/1", "analysers": "x"}))
    with pytest.raises(ArtifactError, match="list of analyser names"):
        load_analysers(path)
    (path / "sentiment" / "analyser.json").write_text("{not json")
    with pytest.raises(ArtifactError, match="readable JSON"):
        Analyser.load(path / "sentiment")


def test_unknown_analyser(analysis_skill: Skill) -> None:
    with pytest.raises(ConfigError, match="sentiment"):
        analyser_examples(analysis_skill, "urgency")


def test_config_mode(analysis_skill: Skill) -> None:
    base = config_for(analysis_skill, epochs=3)
    assert analyser_config(analysis_skill, "sentiment", config=base) == base
    finetune = analysis_skill.model_copy(deep=True)
    finetune.analysers["sentiment"].mode = "finetune"
    cfg = analyser_config(finetune, "sentiment", config=base)
    assert (cfg.mode, cfg.epochs) == ("finetune", 3)


def test_text_analyzer(sentiment: Analyser, detector: LanguageDetector) -> None:
    analyzer = TextAnalyzer(detector=detector, analysers={"sentiment": sentiment}, pii=PIIDetector())
    texts = ["this is terrible, call me on 13812345678", "thank you so much", ""]
    batch = analyzer.analyze(texts)
    first = batch[0]
    assert first.language is not None and first.language.code == "en"
    assert [s.type for s in first.pii] == ["phone"]
    assert first.masked == "this is terrible, call me on [PHONE]"
    assert first.analysers["sentiment"].label == "negative"
    assert batch[1].analysers["sentiment"].label == "positive"
    assert batch[2].language is None and batch[2].pii == []
    for text, analysis in zip(texts, batch, strict=True):
        single = analyzer.analyze_one(text)
        assert (single.language, single.pii, single.masked) == (
            analysis.language,
            analysis.pii,
            analysis.masked,
        )
        assert single.analysers["sentiment"].label == analysis.analysers["sentiment"].label


def test_text_analyzer_without_components() -> None:
    (analysis,) = TextAnalyzer().analyze(["mail bob@example.com"])
    assert analysis.language is None
    assert analysis.pii == []
    assert analysis.masked == "mail bob@example.com"
    assert analysis.analysers == {}
