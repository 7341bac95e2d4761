"""Shared fixtures: offline model loading, an isolated BentoML home, the tiny test skills."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# BentoML reads its home when first imported: point it at a throw-away store, never the user's.
os.environ["BENTOML_HOME"] = tempfile.mkdtemp(prefix="skills-test-bentoml-")

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def tiny_skill_path() -> Path:
    return DATA / "tiny_skill"


@pytest.fixture(scope="session")
def tiny_zh_path() -> Path:
    return DATA / "tiny_zh"
