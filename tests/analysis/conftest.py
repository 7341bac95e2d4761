"""Fixtures for the analysis tests: one language detector and one tiny trained sentiment analyser."""

from __future__ import annotations

from pathlib import Path

import pytest

from skills_core.analysis.analysers import Analyser, train_analysers
from skills_core.analysis.language import LanguageDetector
from skills_core.nlu.train import config_for
from skills_core.spec.loader import load_skill
from skills_core.spec.models import Skill

TEST_LANGUAGES = ("en", "zh", "de", "fr", "es")


@pytest.fixture(scope="session")
def analysis_skill(data_dir: Path) -> Skill:
    return load_skill(data_dir / "analysis_skill")


@pytest.fixture(scope="session")
def detector() -> LanguageDetector:
    """Built once: preloading five language models takes a few seconds."""
    return LanguageDetector(TEST_LANGUAGES)


@pytest.fixture(scope="session")
def sentiment(analysis_skill: Skill) -> Analyser:
    """The tiny skill's sentiment analyser, fast mode, 3 epochs, no hold-out (so it can overfit)."""
    config = config_for(analysis_skill, epochs=3, validation_fraction=0.0, progress=False)
    return train_analysers(analysis_skill, config=config)["sentiment"]
