"""Language identification of short texts; no guess for empty, symbol-only or ambiguous input."""

from __future__ import annotations

import pytest

from skills_core.analysis.language import DEFAULT_LANGUAGES, LanguageDetector, supported_languages
from skills_core.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("I want to check my balance", "en"),
        ("block my card please", "en"),
        ("thanks!", "en"),
        ("我想查一下余额", "zh"),
        ("你好", "zh"),
        ("请帮我冻结信用卡😀", "zh"),
        ("Ich möchte mein Konto sehen", "de"),
        ("danke", "de"),
        ("Je veux voir mon solde", "fr"),
        ("merci beaucoup", "fr"),
        ("Quiero ver mi saldo", "es"),
        ("Hola, necesito ayuda", "es"),
    ],
)
def test_short_texts(detector: LanguageDetector, text: str, code: str) -> None:
    guess = detector.detect(text)
    assert guess is not None
    assert guess.code == code
    assert detector.min_confidence <= guess.confidence <= 1.0


@pytest.mark.parametrize("text", ["", "   ", ":)", "😀😀😀", "12345", "!!!", "a", "ok"])
def test_no_guess_for_empty_short_or_ambiguous(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text) is None


def test_batch_equals_one_by_one(detector: LanguageDetector) -> None:
    texts = ["Quiero ver mi saldo", "", "你好", "thanks!"]
    assert detector.detect_batch(texts) == [detector.detect(t) for t in texts]


def test_defaults_are_supported() -> None:
    assert set(DEFAULT_LANGUAGES) <= set(supported_languages())
    assert {"en", "zh", "de", "fr", "es"} <= set(supported_languages())


@pytest.mark.parametrize(
    ("languages", "phrase"),
    [(["en", "klingon"], "'klingon'"), (["en"], "at least two"), (["en", "EN "], "at least two")],
)
def test_bad_languages(languages: list[str], phrase: str) -> None:
    with pytest.raises(ConfigError, match=phrase):
        LanguageDetector(languages, preload=False)
