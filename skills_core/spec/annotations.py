"""Inline entity annotations in training examples.

``send [50 dollars](amount) to [Anna](recipient)`` and, with a normalised value,
``open a [current account]{"entity": "account", "value": "checking"}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_ANNOTATION = re.compile(r"\[(?P<text>[^\[\]]+)\](?:\((?P<name>[^()]+)\)|(?P<json>\{[^{}]*\}))")


class AnnotationError(ValueError):
    """An example's annotation markup is malformed. ``column`` is 0-based in the raw example."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
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
        AnnotationError: the JSON form is invalid, lacks ``entity``, or brackets are unbalanced.
    """
    parts: list[str] = []
    spans: list[Span] = []
    pos = 0
    length = 0
    for match in _ANNOTATION.finditer(raw):
        before = raw[pos : match.start()]
        parts.append(before)
        length += len(before)
        surface = match.group("text")
        if match.group("name") is not None:
            entity, value = match.group("name").strip(), None
        else:
            try:
                payload = json.loads(match.group("json"))
            except json.JSONDecodeError as e:
                raise AnnotationError(
                    f'expected JSON like {{"entity": "name", "value": "x"}} after [{surface}]; '
                    f"found {match.group('json')!r} ({e.msg})",
                    match.start("json"),
                ) from e
            if not isinstance(payload, dict) or not isinstance(payload.get("entity"), str):
                raise AnnotationError(
                    f'expected an "entity" key in {match.group("json")}; add "entity": "<name>"',
                    match.start("json"),
                )
            entity, value = payload["entity"].strip(), payload.get("value")
        spans.append(Span(start=length, end=length + len(surface), entity=entity, value=value))
        parts.append(surface)
        length += len(surface)
        pos = match.end()
    rest = raw[pos:]
    parts.append(rest)
    text = "".join(parts)
    for ch in "[]":
        col = rest.find(ch)
        if col >= 0:
            raise AnnotationError(
                f"expected '[text](entity)' markup; found a stray '{ch}' (escape-free brackets are not "
                "allowed in examples: remove it or complete the annotation)",
                pos + col,
            )
    return Example(text=text, intent=intent, spans=tuple(spans))
