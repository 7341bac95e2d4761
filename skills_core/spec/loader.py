"""Load a skill from one YAML file or a folder of them, with file:line in every problem.

YAML is read with ruamel.yaml's round-trip loader, which keeps the line of every key and list
item; those lines go into a :class:`SourceMap` keyed by JSON path, so that a pydantic error at
``("intents", "greet", "examples", 3)`` or a semantic problem found later points at the right line.

A folder is merged (see :mod:`skills_core.spec.merge`): every ``*.yml`` / ``*.yaml`` file under
it, recursively, sorted by relative path; hidden files and folders, and folders named ``tests``
(conversation tests live there, see ``skills_core.dm.testing``), are skipped. Problems are collected
in three passes (YAML syntax, schema, semantic checks) and raised together as one ``SpecError``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from skills_core.errors import Problem, SpecError
from skills_core.spec.merge import NAMED_SECTIONS, Document, merge_documents
from skills_core.spec.models import Skill
from skills_core.spec.schema_errors import schema_problems
from skills_core.spec.sourcemap import PathKey, SourceMap
from skills_core.spec.validate import ANY, DEFAULT_MIN_EXAMPLES, validate_skill

SKILL_SUFFIXES = (".yml", ".yaml")
_SECTIONS = (*NAMED_SECTIONS, "out_of_scope", "settings", "nlu")


def load_skill(path: str | Path, *, min_examples: int = DEFAULT_MIN_EXAMPLES) -> Skill:
    """Load and validate a skill from a YAML file or a folder of YAML files.

    Args:
        path: A ``.yml``/``.yaml`` file, or a folder whose YAML files are merged.
        min_examples: Fewest examples an intent may have.

    Raises:
        SpecError: with every problem found (file, line, expected, found, fix).
    """
    root = Path(path)
    files = skill_files(root)
    docs: list[Document] = []
    problems: list[Problem] = []
    for file in files:
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            problems.append(
                Problem(
                    str(file),
                    e.object[: e.start].count(b"\n") + 1 if isinstance(e, UnicodeDecodeError) else None,
                    "a readable UTF-8 text file",
                    f"{type(e).__name__}: {e}",
                    "save it as UTF-8",
                )
            )
            continue
        doc = _read_yaml(text, str(file), problems)
        if doc is not None:
            docs.append(doc)
    default_file = str(files[0]) if len(files) == 1 else str(root)
    return _build(docs, problems, default_file=default_file, min_examples=min_examples)


def load_skill_text(
    text: str, *, filename: str = "<string>", min_examples: int = DEFAULT_MIN_EXAMPLES
) -> Skill:
    """Load and validate a skill from YAML text (problems name ``filename``).

    Raises:
        SpecError: with every problem found.
    """
    problems: list[Problem] = []
    doc = _read_yaml(text, filename, problems)
    return _build([doc] if doc else [], problems, default_file=filename, min_examples=min_examples)


TESTS_FOLDER = "tests"
"""Subfolders of a skill with this name hold conversation tests and are not part of the skill."""


def _skipped(relative: Path) -> bool:
    folders = relative.parts[:-1]
    return any(part.startswith(".") for part in relative.parts) or TESTS_FOLDER in folders


def skill_files(path: Path) -> list[Path]:
    """The YAML files that make up the skill at ``path`` (a file, or a folder searched recursively).

    In a folder, hidden files and folders (``.name``) and every subfolder named ``tests`` are skipped:
    ``<skill>/tests/*.yml`` hold conversation tests (``skills test``), not skill definitions.

    Raises:
        SpecError: the path does not exist, is not YAML, or the folder holds no YAML file.
    """
    if path.is_file():
        if path.suffix.lower() not in SKILL_SUFFIXES:
            raise SpecError(
                [Problem(str(path), None, "a .yml or .yaml file", f"'{path.suffix}'", "rename it")]
            )
        return [path]
    if path.is_dir():
        files = sorted(
            (
                p
                for p in path.rglob("*")
                if p.suffix.lower() in SKILL_SUFFIXES and p.is_file() and not _skipped(p.relative_to(path))
            ),
            key=lambda p: p.relative_to(path).as_posix(),
        )
        if files:
            return files
        raise SpecError(
            [
                Problem(
                    str(path), None, "a folder holding *.yml/*.yaml files", "no YAML file", "add skill files"
                )
            ]
        )
    raise SpecError(
        [Problem(str(path), None, "a skill YAML file or folder", "nothing at this path", "check the path")]
    )


MAX_VALUES = 1_000_000
_TOO_MANY = MAX_VALUES + 1


def _expanded_size(node: Any, sizes: dict[int, int], open_: set[int]) -> int:
    """How many values ``node`` holds with every alias expanded; shared nodes are counted once each."""
    if not isinstance(node, dict | list):
        return 1
    key = id(node)
    if key in sizes:
        return sizes[key]
    if key in open_:  # a node that contains itself expands forever
        return _TOO_MANY
    open_.add(key)
    total = 1
    for child in node.values() if isinstance(node, dict) else node:
        total = min(total + _expanded_size(child, sizes, open_), _TOO_MANY)
        if total == _TOO_MANY:
            break
    open_.discard(key)
    sizes[key] = total
    return total


def _read_yaml(text: str, file: str, problems: list[Problem]) -> Document | None:
    try:
        node = YAML(typ="rt").load(text)
    except DuplicateKeyError as e:
        mark = e.problem_mark
        problems.append(
            Problem(
                file,
                mark.line + 1 if mark else None,
                "each key once in a mapping",
                str(e.problem).split(" with value")[0].removeprefix("found "),
                "merge the two entries into one, or rename one of them",
            )
        )
        return None
    except MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        context = f" ({e.context} at line {e.context_mark.line + 1})" if e.context and e.context_mark else ""
        fix = _yaml_fix(str(e.problem), text, mark.line if mark else None)
        problems.append(
            Problem(
                file,
                mark.line + 1 if mark else None,
                f"valid YAML{context}",
                str(e.problem).removeprefix("found "),
                fix,
            )
        )
        return None
    except YAMLError as e:
        problems.append(Problem(file, None, "valid YAML", str(e), "fix the YAML syntax"))
        return None
    if node is None:
        return None  # an empty file contributes nothing
    size = _expanded_size(node, {}, set())
    if size > MAX_VALUES:  # aliases of aliases ("billion laughs") would make every later pass hang
        alias = re.search(r"(^|[\s\[{,:-])\*[\w-]", text, re.MULTILINE)
        problems.append(
            Problem(
                file,
                text.count("\n", 0, alias.start()) + 1 if alias else None,
                f"at most {MAX_VALUES:,} YAML values once aliases (*name) are expanded",
                "more (aliases that repeat aliases)" if size == _TOO_MANY else f"{size:,}",
                "write the repeated parts out, or use fewer nested aliases",
            )
        )
        return None
    if not isinstance(node, dict):
        problems.append(
            Problem(
                file,
                1,
                "a mapping at the top level (name:, intents:, ...)",
                "a list" if isinstance(node, list) else f"the scalar {node!r}",
                "start the file with 'name: my_skill' and the sections as keys",
            )
        )
        return None
    doc = Document(file=file, data={})
    doc.data = _plain(node, (), doc)
    for section in _SECTIONS:
        if section in doc.data and doc.data[section] is None:
            del doc.data[section]  # `slots:` with nothing under it (yet) is an empty section
    return doc


def _yaml_fix(problem: str, text: str, line: int | None) -> str:
    lines = text.splitlines()
    nearby = [lines[n].strip() for n in (line, (line or 0) - 1) if n is not None and 0 <= n < len(lines)]
    if "\\t" in problem or "\t" in problem:
        return "indent with spaces, not tabs"
    if any(s.startswith("- [") for s in nearby):
        return "quote an example that starts with '[': - \"[Anna](recipient) ...\""
    return "check indentation, colons, quotes and brackets there"


def _plain(node: Any, path: PathKey, doc: Document) -> Any:
    """Convert ruamel's round-trip nodes into plain Python, recording the line of every key/item."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for k, v in node.items():
            key = str(k)
            sub = (*path, key)
            doc.lines[sub] = (doc.file, _line(node, "key", k, sub, doc))
            out[key] = _plain(v, sub, doc)
        return out
    if isinstance(node, list):
        items = []
        for i, v in enumerate(node):
            sub = (*path, i)
            doc.lines[sub] = (doc.file, _line(node, "item", i, sub, doc))
            items.append(_plain(v, sub, doc))
        return items
    if isinstance(node, bool):
        return bool(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def _line(node: Any, kind: str, key: Any, path: PathKey, doc: Document) -> int:
    try:
        return int(getattr(node.lc, kind)(key)[0]) + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        # keys brought in by a YAML merge (<<: *anchor) have no position of their own
        return doc.lines.get(path[:-1], (doc.file, 1))[1]


def _build(docs: list[Document], unreadable: list[Problem], *, default_file: str, min_examples: int) -> Skill:
    if unreadable:
        # a file that does not parse would make every later check report noise
        raise SpecError(unreadable)
    merged = merge_documents(docs, default_file=default_file)
    problems = list(merged.problems)
    skill, unchecked = _validate_schema(merged.data, merged.source, problems)
    if skill is not None:
        problems += validate_skill(
            skill, source=merged.source, min_examples=min_examples, unchecked=unchecked
        )
    if problems or skill is None:
        problems.sort(key=lambda p: (p.file, p.line or 0))
        raise SpecError(problems)
    return skill


def _validate_schema(
    data: dict[str, Any], source: SourceMap, problems: list[Problem]
) -> tuple[Skill | None, dict[str, set[str]]]:
    """Validate against the pydantic schema; on errors, retry without the broken items.

    Returns the skill (None when even the pruned data fails) and, per section, the names of the
    items dropped (``ANY`` for a whole section), so that references to them are not reported twice.
    """
    try:
        return Skill.model_validate(data), {}
    except ValidationError as e:
        problems += schema_problems(e, data, source)
        errors = e.errors()
    pruned = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    unchecked: dict[str, set[str]] = {}
    for err in errors:
        loc = err["loc"]
        section = str(loc[0]) if loc else ""
        if section == "name":
            pruned["name"] = "unnamed"
        elif section in NAMED_SECTIONS and len(loc) >= 2 and isinstance(pruned.get(section), dict):
            pruned[section].pop(str(loc[1]), None)
            unchecked.setdefault(section, set()).add(str(loc[1]))
        else:
            pruned.pop(section, None)
            unchecked[section] = {ANY}
    try:
        return Skill.model_validate(pruned), unchecked
    except ValidationError:
        return None, unchecked
