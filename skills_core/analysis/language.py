"""Language identification for short texts, offline, with lingua (``lingua-language-detector``).

The detector is built once for a restricted set of languages (fewer candidates: faster and fewer
confusions on short chat messages) in lingua's high-accuracy mode with the models preloaded. The
low-accuracy mode is twice as fast but guesses wrong or gives up on texts of a few words
("I want to check my balance" came out French), so it is not used.
"""

from __future__ import annotations

from collections.abc import Sequence

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder
from pydantic import BaseModel, ConfigDict, Field

from skills_core.errors import ConfigError

DEFAULT_LANGUAGES = ("en", "zh", "de", "fr", "es")
"""Candidates when none are given: the skills' languages plus the most common ones users switch to."""


class LanguageGuess(BaseModel):
    """The language of a text: ISO 639-1 code and lingua's confidence (0-1, over the candidates)."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="ISO 639-1 code, lower case (en, zh, de...).")
    confidence: float = Field(ge=0.0, le=1.0)


def supported_languages() -> list[str]:
    """Every ISO 639-1 code lingua can detect, sorted."""
    return sorted(lang.iso_code_639_1.name.lower() for lang in Language.all())


def _language(code: str) -> Language:
    try:
        return Language.from_iso_code_639_1(IsoCode639_1.from_str(code.strip().lower()))
    except ValueError as e:
        raise ConfigError(
            f"expected ISO 639-1 language codes lingua supports ({', '.join(supported_languages())}); "
            f"found {code!r}. Fix: use one of those codes"
        ) from e


class LanguageDetector:
    """Detects the language of short texts among ``languages``; build once and reuse (thread-safe).

    Args:
        languages: ISO 639-1 codes of the candidate languages (at least two).
        min_letters: Texts with fewer alphabetic characters (emoji, digits and punctuation do not count)
            get no guess.
        min_confidence: No guess when the top language's confidence is below this.
        min_margin: No guess when the top two languages are closer than this (ambiguous: "ok").
        preload: Load the language models now rather than on first use (5 languages: about 3 s and
            140 MB; 12 languages: 9 s, 300 MB, and more confusions on short texts).
    """

    def __init__(
        self,
        languages: Sequence[str] = DEFAULT_LANGUAGES,
        *,
        min_letters: int = 2,
        min_confidence: float = 0.3,
        min_margin: float = 0.1,
        preload: bool = True,
    ) -> None:
        codes = list(dict.fromkeys(code.strip().lower() for code in languages))
        if len(codes) < 2:
            raise ConfigError(
                f"expected at least two candidate languages; found {codes}. "
                "Fix: add the languages users may write in, e.g. ['en', 'zh']"
            )
        self.languages = codes
        self.min_letters = min_letters
        self.min_confidence = min_confidence
        self.min_margin = min_margin
        builder = LanguageDetectorBuilder.from_languages(*(_language(c) for c in codes))
        if preload:
            builder = builder.with_preloaded_language_models()
        self._detector = builder.build()

    def detect(self, text: str) -> LanguageGuess | None:
        """The language of ``text``, or None when it is empty, too short or ambiguous."""
        if sum(ch.isalpha() for ch in text) < self.min_letters:
            return None
        values = self._detector.compute_language_confidence_values(text)
        if not values:
            return None
        top = values[0].value
        second = values[1].value if len(values) > 1 else 0.0
        if top < self.min_confidence or top - second < self.min_margin:
            return None
        code = values[0].language.iso_code_639_1.name.lower()
        return LanguageGuess(code=code, confidence=round(min(1.0, float(top)), 6))

    def detect_batch(self, texts: Sequence[str]) -> list[LanguageGuess | None]:
        """``detect`` for each text, in order."""
        return [self.detect(text) for text in texts]
