"""The exceptions raised by Skills.

Every error the library raises on purpose is a ``SkillsError``. Leaf errors also
subclass the builtin that fits, so callers can catch either::

    SkillsError
    ├── SpecError(ValueError)          the skill YAML is wrong (carries every problem found)
    ├── ArtifactError(ValueError)      a saved model is missing, corrupt or does not match
    ├── ConfigError(ValueError)        a component or CLI option is wrong
    ├── NotTrainedError(RuntimeError)  predict/save called before training
    └── DialogueError(RuntimeError)    a flow or action could not run

Messages say what was expected, what was found and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass


class SkillsError(Exception):
    """Root of all errors raised by Skills."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a skill: where it is, what was expected, what was found, the fix."""

    file: str
    line: int | None
    expected: str
    found: str
    fix: str
    path: str = ""

    def format(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        at = f" ({self.path})" if self.path else ""
        return f"{where}{at}: expected {self.expected}; found {self.found}. Fix: {self.fix}"


class SpecError(SkillsError, ValueError):
    """The skill definition is invalid. ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the skill:"
        super().__init__("\n".join([head, *("  - " + p.format() for p in self.problems)]))


class ArtifactError(SkillsError, ValueError):
    """A saved model artifact is missing, corrupt or does not match the code or skill."""


class ConfigError(SkillsError, ValueError):
    """A configuration value or option is invalid."""


class NotTrainedError(SkillsError, RuntimeError):
    """A component was used before it was trained or loaded."""


class DialogueError(SkillsError, RuntimeError):
    """A flow or an action could not run."""
