"""Where each part of a loaded skill came from: a JSON path maps to a file and a 1-based line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from skills_core.errors import Problem

PathKey = tuple[str | int, ...]


def dotted(path: Sequence[str | int]) -> str:
    """``("intents", "greet", "examples", 2)`` -> ``"intents.greet.examples.2"``."""
    return ".".join(str(p) for p in path)


@dataclass
class SourceMap:
    """Maps JSON paths of the merged skill data to ``(file, line)``.

    A path that has no entry of its own (a default value, a key that is missing) is located at its
    nearest ancestor that has one; with none, at ``default_file`` without a line.
    """

    default_file: str = "<skill>"
    lines: dict[PathKey, tuple[str, int]] = field(default_factory=dict)

    def locate(self, path: Sequence[str | int]) -> tuple[str, int | None]:
        """The file and line of ``path`` (or of its nearest located ancestor)."""
        key = tuple(path)
        for n in range(len(key), -1, -1):
            hit = self.lines.get(key[:n])
            if hit is not None:
                return hit
        return self.default_file, None

    def problem(self, path: Sequence[str | int], *, expected: str, found: str, fix: str) -> Problem:
        """A :class:`Problem` located at ``path``."""
        file, line = self.locate(path)
        return Problem(file=file, line=line, expected=expected, found=found, fix=fix, path=dotted(path))

    def where(self, path: Sequence[str | int]) -> str:
        """``file:line`` of ``path``, for messages that point at a second location."""
        file, line = self.locate(path)
        return f"{file}:{line}" if line is not None else file
