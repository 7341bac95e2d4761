"""Small shared pieces of the value parsers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Mention:
    """A value found in text: character offsets (``text[start:end]``) and the normalised value."""

    start: int
    end: int
    value: Any


def base_language(language: str) -> str:
    """``"zh-CN"`` -> ``"zh"``; ``"en_GB"`` -> ``"en"``."""
    return language.replace("_", "-").split("-")[0].lower() or "en"
