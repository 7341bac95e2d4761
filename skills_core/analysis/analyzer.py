"""One call for every analysis of a batch of texts: language, personal data, custom analysers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from skills_core.analysis.analysers import Analyser, AnalyserResult
from skills_core.analysis.language import LanguageDetector, LanguageGuess
from skills_core.analysis.pii import PIIDetector, PIISpan


class Analysis(BaseModel):
    """Everything known about one text. Parts whose component is not configured stay empty."""

    model_config = ConfigDict(frozen=True)

    text: str
    language: LanguageGuess | None = Field(
        default=None, description="None when undetected, too short, ambiguous, or no detector is set."
    )
    pii: list[PIISpan] = Field(default_factory=list, description="Personal data found, in text order.")
    masked: str = Field(
        description="The text with its PII masked (the text itself when none is found or searched)."
    )
    analysers: dict[str, AnalyserResult] = Field(default_factory=dict, description="Result per analyser.")


class TextAnalyzer:
    """Runs a language detector, a PII detector and custom analysers over texts; build once, reuse.

    Args:
        detector: The language detector (None: no language).
        analysers: Trained analysers by name (none: no classification).
        pii: The PII detector (None: no PII search; ``masked`` is the text).
    """

    def __init__(
        self,
        *,
        detector: LanguageDetector | None = None,
        analysers: Mapping[str, Analyser] | None = None,
        pii: PIIDetector | None = None,
    ) -> None:
        self.detector = detector
        self.analysers = dict(analysers or {})
        self.pii = pii

    def analyze(self, texts: Sequence[str]) -> list[Analysis]:
        """Analyse many texts at once (each analyser runs one batch); results equal one-by-one calls."""
        texts = list(texts)
        languages = self.detector.detect_batch(texts) if self.detector else [None] * len(texts)
        spans = [self.pii.find(t) for t in texts] if self.pii else [[] for _ in texts]
        results = {name: a.predict(texts) for name, a in self.analysers.items()}
        return [
            Analysis(
                text=text,
                language=languages[i],
                pii=spans[i],
                masked=self.pii.apply(text, spans[i]) if self.pii else text,
                analysers={name: res[i] for name, res in results.items()},
            )
            for i, text in enumerate(texts)
        ]

    def analyze_one(self, text: str) -> Analysis:
        """Analyse one text (the same as ``analyze([text])[0]``)."""
        return self.analyze([text])[0]
