"""Load conversation-test files, with file:line in every problem."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from skills_core.dm.testing.schema import Conversation, ConversationFile
from skills_core.errors import Problem, SpecError
from skills_core.spec.sourcemap import PathKey, SourceMap

SUFFIXES = (".yml", ".yaml")


@dataclass(frozen=True)
class ConversationCase:
    """A test conversation with where it came from; ``id`` suits ``pytest.mark.parametrize(ids=...)``."""

    conversation: Conversation
    file: str = "<string>"
    line: int | None = None
    turn_lines: tuple[int | None, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return self.conversation.name

    @property
    def id(self) -> str:
        return self.conversation.name.replace(" ", "_")

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.line is not None else self.file


def _plain(node: Any, path: PathKey, file: str, lines: dict[PathKey, tuple[str, int]]) -> Any:
    """ruamel round-trip nodes -> plain Python, recording the 1-based line of each key and item."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            sub = (*path, str(key))
            with contextlib.suppress(AttributeError, KeyError, TypeError):
                lines[sub] = (file, int(node.lc.key(key)[0]) + 1)
            out[str(key)] = _plain(value, sub, file, lines)
        return out
    if isinstance(node, list):
        items = []
        for i, value in enumerate(node):
            sub = (*path, i)
            with contextlib.suppress(AttributeError, KeyError, IndexError, TypeError):
                lines[sub] = (file, int(node.lc.item(i)[0]) + 1)
            items.append(_plain(value, sub, file, lines))
        return items
    for kind in (bool, str, int, float):
        if isinstance(node, kind):
            return kind(node)
    return node


def _is_union_tag(part: str) -> bool:
    # pydantic puts the tried union member ("list[EntityGiven]", "function-after[...]") into error paths
    return "[" in part or part[:1].isupper()


def load_conversations_text(text: str, *, filename: str = "<string>") -> list[ConversationCase]:
    """Load test conversations from YAML text.

    Raises:
        SpecError: the YAML is invalid or does not follow the conversation-test format (every problem).
    """
    try:
        node = YAML(typ="rt").load(text)
    except YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise SpecError(
            [
                Problem(
                    filename,
                    line,
                    "valid YAML",
                    str(e).splitlines()[0],
                    "check indentation, quotes and colons",
                )
            ]
        ) from e
    source = SourceMap(default_file=filename)
    data = _plain(node, (), filename, source.lines)
    try:
        parsed = ConversationFile.model_validate(data)
    except ValidationError as e:
        problems = []
        for error in e.errors():
            loc = tuple(p for p in error["loc"] if isinstance(p, int) or not _is_union_tag(p))
            problems.append(
                source.problem(
                    loc,
                    expected=error["msg"].removeprefix("Value error, "),
                    found=repr(error.get("input"))[:120],
                    fix="follow the format in skills_core.dm.testing.schema (conversations: [{name, turns}])",
                )
            )
        raise SpecError(problems) from e
    cases = []
    for i, conversation in enumerate(parsed.conversations):
        turn_lines = tuple(
            source.locate(("conversations", i, "turns", j))[1] for j in range(len(conversation.turns))
        )
        cases.append(
            ConversationCase(
                conversation=conversation,
                file=filename,
                line=source.locate(("conversations", i))[1],
                turn_lines=turn_lines,
            )
        )
    return cases


def load_conversations(path: str | Path) -> list[ConversationCase]:
    """Load every test conversation in a YAML file, or in all ``*.yml``/``*.yaml`` files under a folder.

    Raises:
        SpecError: a file is missing, unreadable, or not in the conversation-test format.
    """
    root = Path(path)
    if root.is_dir():
        files = sorted(p for p in root.rglob("*") if p.suffix in SUFFIXES and p.is_file())
    elif root.is_file():
        files = [root]
    else:
        files = []
    if not files:
        raise SpecError(
            [
                Problem(
                    str(root),
                    None,
                    "a conversation-test YAML file or a folder of them",
                    "nothing there",
                    "check the path",
                )
            ]
        )
    cases: list[ConversationCase] = []
    problems: list[Problem] = []
    for file in files:
        try:
            cases += load_conversations_text(file.read_text(encoding="utf-8"), filename=str(file))
        except SpecError as e:
            problems += e.problems
        except (OSError, UnicodeDecodeError) as e:
            problems.append(
                Problem(
                    str(file), None, "a readable UTF-8 file", f"{type(e).__name__}: {e}", "save it as UTF-8"
                )
            )
    if problems:
        raise SpecError(problems)
    return cases
