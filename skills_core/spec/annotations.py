"""Inline entity annotations in training examples.

``send [50 dollars](amount) to [Anna](recipient)`` and, with a normalised value,
``open a [current account]{"entity": "account", "value": "checking"}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from skills_core.errors import SkillsError

_ANNOTATION = re.compile(r"\[(?P<text>[^\[\]]+)\](?:\((?P<name>[^()]*)\)|(?P<json>\{[^{}]*\}))")
_JSON_KEYS = ("entity", "value")
_MARKUP = '\'[text](entity)\' or \'[text]{"entity": "name", "value": "x"}\' markup'


class AnnotationError(SkillsError, ValueError):
    """An example's annotation markup is malformed. ``column`` is 0-based in the raw example."""

    def __init__(self, *, expected: str, found: str, fix: str, column: int) -> None:
        super().__init__(f"expected {expected}; found {found} at column {column + 1}. Fix: {fix}")
        self.expected = expected
        self.found = found
        self.fix = fix
        self.column = column


@dataclass(frozen=True)
class Span:
    """An annotated entity mention: character offsets into the plain example text."""

    start: int
    end: int
    entity: str
    value: Any = None


@dataclass(frozen=True)
class Example:
    """A training utterance with its intent and annotated entity spans."""

    text: str
    intent: str
    spans: tuple[Span, ...] = field(default_factory=tuple)


def parse_example(raw: str, intent: str) -> Example:
    """Strip the markup from ``raw`` and return the plain text with character spans.

    Raises:
        AnnotationError: a stray bracket, an empty or space-padded annotated text, an empty entity
            name, or a JSON form that is invalid, lacks ``entity`` or has other keys.
    """
    parts: list[str] = []
    spans: list[Span] = []
    pos = 0
    length = 0
    for match in _ANNOTATION.finditer(raw):
        before = raw[pos : match.start()]
        _check_no_brackets(before, pos)
        parts.append(before)
        length += len(before)
        surface = match.group("text")
        if surface != surface.strip() or not surface.strip():
            raise AnnotationError(
                expected="annotated text without leading or trailing spaces",
                found=f"[{surface}]",
                fix=f"write [{surface.strip()}] and keep the spaces outside the brackets",
                column=match.start(),
            )
        entity, value = _entity_and_value(match)
        spans.append(Span(start=length, end=length + len(surface), entity=entity, value=value))
        parts.append(surface)
        length += len(surface)
        pos = match.end()
    rest = raw[pos:]
    _check_no_brackets(rest, pos)
    parts.append(rest)
    return Example(text="".join(parts), intent=intent, spans=tuple(spans))


def _entity_and_value(match: re.Match[str]) -> tuple[str, Any]:
    surface = match.group("text")
    if match.group("name") is not None:
        name = match.group("name").strip()
        if not name:
            raise AnnotationError(
                expected="an entity name in the parentheses",
                found=f"[{surface}]()",
                fix=f"write [{surface}](entity_name)",
                column=match.start("name") - 1,
            )
        return name, None
    raw_json = match.group("json")
    column = match.start("json")
    try:
        payload = json.loads(raw_json)
    except json.JSONDecodeError as e:
        raise AnnotationError(
            expected='JSON like {"entity": "name", "value": "x"}',
            found=f"{raw_json} ({e.msg})",
            fix='use double quotes around keys and strings: {"entity": "name", "value": "x"}',
            column=column,
        ) from e
    if (
        not isinstance(payload, dict)
        or not isinstance(payload.get("entity"), str)
        or not payload["entity"].strip()
    ):
        raise AnnotationError(
            expected='an "entity" key with a name',
            found=raw_json,
            fix='add "entity": "<name>"',
            column=column,
        )
    extra = sorted(set(payload) - set(_JSON_KEYS))
    if extra:
        raise AnnotationError(
            expected='only the keys "entity" and "value"',
            found=f"{raw_json} (extra: {', '.join(extra)})",
            fix="remove " + ", ".join(f'"{k}"' for k in extra),
            column=column,
        )
    return payload["entity"].strip(), payload.get("value")


def _check_no_brackets(chunk: str, offset: int) -> None:
    for col, ch in enumerate(chunk):
        if ch in "[]":
            raise AnnotationError(
                expected=_MARKUP,
                found=f"a stray '{ch}'",
                fix="complete the annotation, or remove the bracket (examples cannot hold plain brackets)",
                column=offset + col,
            )
