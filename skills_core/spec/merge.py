"""Merge the YAML documents of a skill folder into one mapping, keeping where every path came from.

Mappings merge key by key. Defining the same intent, entity, slot, response or flow in two files
is a problem, except that an intent's ``examples`` (and ``out_of_scope.examples``) may be split
across files and are concatenated. Other keys given in several files must agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from skills_core.errors import Problem
from skills_core.spec.sourcemap import PathKey, SourceMap, dotted

NAMED_SECTIONS = {
    "intents": "intent",
    "entities": "entity",
    "slots": "slot",
    "responses": "response",
    "flows": "flow",
}


@dataclass
class Document:
    """One parsed YAML file: plain data and the line of every path in it."""

    file: str
    data: dict[str, Any]
    lines: dict[PathKey, tuple[str, int]] = field(default_factory=dict)


@dataclass
class Merged:
    """The merged data, where each path came from, and the conflicts found."""

    data: dict[str, Any] = field(default_factory=dict)
    source: SourceMap = field(default_factory=SourceMap)
    problems: list[Problem] = field(default_factory=list)
    offsets: dict[PathKey, int] = field(default_factory=dict)
    rejected: set[PathKey] = field(default_factory=set)


def _is_concat(path: PathKey) -> bool:
    intent_examples = len(path) == 3 and path[0] == "intents" and path[2] == "examples"
    return intent_examples or path == ("out_of_scope", "examples")


def merge_documents(docs: list[Document], *, default_file: str) -> Merged:
    """Merge ``docs`` in order; the first definition of a path keeps its place and line.

    Args:
        docs: The parsed files, in merge order.
        default_file: Where to locate paths no file defines (the folder, or the single file).
    """
    m = Merged(source=SourceMap(default_file=default_file))
    for doc in docs:
        m.offsets, m.rejected = {}, set()
        for key, value in doc.data.items():
            _merge_value(m, m.data, key, value, (key,), doc)
        for path, loc in doc.lines.items():
            dst = _remap(path, m)
            if dst is not None:
                m.source.lines.setdefault(dst, loc)
    if len(docs) == 1:
        m.source.lines.setdefault((), (docs[0].file, 1))
    return m


def _merge_value(
    m: Merged, parent: dict[str, Any], key: str, value: Any, path: PathKey, doc: Document
) -> None:
    if key not in parent:
        parent[key] = value
        return
    current = parent[key]
    here, first = f"{doc.file}:{doc.lines[path][1]}", m.source.where(path)
    section = path[0]
    if (
        len(path) == 2
        and section in NAMED_SECTIONS
        and not (section == "intents" and isinstance(current, dict) and isinstance(value, dict))
    ):
        kind = NAMED_SECTIONS[section]
        m.problems.append(
            Problem(
                doc.file,
                doc.lines[path][1],
                f"each {kind} defined once across the skill's files",
                f"{kind} '{key}' defined at {first} and again at {here}",
                "keep one definition and delete or rename the other",
                dotted(path),
            )
        )
        m.rejected.add(path)
    elif _is_concat(path) and isinstance(current, list) and isinstance(value, list):
        m.offsets[path] = len(current)
        current.extend(value)
    elif isinstance(current, dict) and isinstance(value, dict):
        for k, v in value.items():
            _merge_value(m, current, k, v, (*path, k), doc)
    elif current != value:
        m.problems.append(
            Problem(
                doc.file,
                doc.lines[path][1],
                f"'{dotted(path)}' set once, or to the same value in every file",
                f"{_short(current)} at {first} and {_short(value)} at {here}",
                "keep one of the two values",
                dotted(path),
            )
        )
        m.rejected.add(path)


def _remap(path: PathKey, m: Merged) -> PathKey | None:
    """Where a path of the document being merged ended up in the merged data (None: dropped)."""
    for n in range(1, len(path) + 1):
        prefix = path[:n]
        if prefix in m.rejected:
            return None
        offset = m.offsets.get(prefix)
        if offset is not None and n < len(path) and isinstance(path[n], int):
            return (*prefix, path[n] + offset, *path[n + 1 :])
    return path


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
