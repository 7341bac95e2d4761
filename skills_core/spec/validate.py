"""Semantic checks on a skill that already fits the schema: references, duplicates, annotations.

Every check appends to one list, so a single run reports every problem found.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from skills_core.errors import Problem
from skills_core.spec.annotations import AnnotationError, parse_example
from skills_core.spec.checker import ANY, Checker
from skills_core.spec.models import Skill
from skills_core.spec.sourcemap import SourceMap
from skills_core.spec.types import OUT_OF_SCOPE
from skills_core.spec.validate_analysers import check_analysers
from skills_core.spec.validate_analysis import check_analysis
from skills_core.spec.validate_flows import check_flows
from skills_core.spec.variables import response_variables

DEFAULT_MIN_EXAMPLES = 2

__all__ = ["ANY", "DEFAULT_MIN_EXAMPLES", "validate_skill"]


def validate_skill(
    skill: Skill,
    *,
    source: SourceMap | None = None,
    min_examples: int = DEFAULT_MIN_EXAMPLES,
    unchecked: Mapping[str, Collection[str]] | None = None,
) -> list[Problem]:
    """Every semantic problem of ``skill``; an empty list when it is valid.

    Args:
        skill: A skill that passed the schema.
        source: Where each path came from; without it problems have no line.
        min_examples: Fewest examples an intent may have.
        unchecked: Per section, names that exist but failed the schema (already reported), so that
            references to them are not reported again; ``ANY`` stands for the whole section.
    """
    checker = Checker(skill, source or SourceMap(), unchecked or {})
    _check_intents(checker, min_examples)
    _check_examples(checker)
    _check_entities(checker)
    _check_slots(checker)
    _check_responses(checker)
    check_flows(checker)
    check_analysers(checker, min_examples)
    check_analysis(checker)
    return checker.problems


def _check_intents(c: Checker, min_examples: int) -> None:
    if not c.skill.intents and not c.unchecked.get("intents"):
        c.add(
            ("intents",),
            expected="at least one intent with examples",
            found="no intents",
            fix="add an 'intents:' section, e.g. 'intents: {greet: {examples: [hi, hello]}}'",
        )
    default = " (the default minimum)" if min_examples == DEFAULT_MIN_EXAMPLES else ""
    for name, intent in c.skill.intents.items():
        if name == OUT_OF_SCOPE:
            c.add(
                ("intents", name),
                expected=f"'{OUT_OF_SCOPE}' only as the top-level section of negative examples",
                found=f"an intent named '{OUT_OF_SCOPE}'",
                fix=f"move its examples to a top-level '{OUT_OF_SCOPE}: {{examples: [...]}}'",
            )
        count = len(intent.examples)
        if count < min_examples:
            c.add(
                ("intents", name, "examples"),
                expected=f"at least {min_examples} examples per intent{default}",
                found=f"{count} example{'s' if count != 1 else ''} for intent '{name}'",
                fix="add varied examples (5-10 per intent train well)",
            )


def _check_examples(c: Checker) -> None:
    seen: dict[str, tuple[str, tuple[str | int, ...]]] = {}
    groups = [(name, ("intents", name, "examples"), i.examples) for name, i in c.skill.intents.items()]
    groups.append((OUT_OF_SCOPE, (OUT_OF_SCOPE, "examples"), c.skill.out_of_scope.examples))
    for intent, base, examples in groups:
        for i, raw in enumerate(examples):
            path = (*base, i)
            try:
                example = parse_example(raw, intent)
            except AnnotationError as e:
                c.add(
                    path,
                    expected=e.expected,
                    found=f"{e.found} at column {e.column + 1} of {raw!r}",
                    fix=e.fix,
                )
                continue
            if not example.text.strip():
                c.add(
                    path,
                    expected="a non-empty example",
                    found=repr(raw),
                    fix="write the utterance or delete it",
                )
                continue
            for span in example.spans:
                c.require(path, "entity", span.entity)
            key = " ".join(example.text.casefold().split())
            if key in seen:
                other, other_path = seen[key]
                where = c.source.where(other_path)
                same = other == intent
                c.add(
                    path,
                    expected="each example once" + ("" if same else ", in one intent only"),
                    found=f"{example.text!r} again (first in '{other}' at {where})",
                    fix="delete the repeat"
                    if same
                    else f"keep it in either '{other}' or '{intent}', not both",
                )
            else:
                seen[key] = (intent, path)


def _check_entities(c: Checker) -> None:
    for name, entity in c.skill.entities.items():
        for i, pattern in enumerate(entity.regex):
            try:
                re.compile(pattern)
            except re.error as e:
                c.add(
                    ("entities", name, "regex", i),
                    expected="a valid Python regular expression",
                    found=f"{pattern!r} ({e})",
                    fix="fix the pattern (escape literal characters such as '(' '[' '.' with a backslash)",
                )
        owner: dict[str, str] = {}
        for value, synonyms in entity.values.items():
            for surface in [value, *synonyms]:
                key = surface if entity.case_sensitive else surface.casefold()
                first = owner.setdefault(key, value)
                if first != value:
                    c.add(
                        ("entities", name, "values", value),
                        expected="each synonym under one value",
                        found=f"'{surface}' under both '{first}' and '{value}'",
                        fix=f"keep '{surface}' under only one of them",
                    )


def _check_slots(c: Checker) -> None:
    for name, slot in c.skill.slots.items():
        if slot.entity is not None:
            c.require(("slots", name, "entity"), "entity", slot.entity)
        if slot.type == "categorical" and not slot.values:
            c.add(
                ("slots", name),
                expected="'values' listing the categories of a categorical slot",
                found=f"categorical slot '{name}' without values",
                fix="add 'values: [a, b, ...]', or use another type such as text",
            )
        elif slot.type != "categorical" and slot.values:
            c.add(
                ("slots", name, "values"),
                expected="'values' only on categorical slots",
                found=f"values on a slot of type {slot.type}",
                fix="set 'type: categorical', or remove 'values'",
            )


def _check_responses(c: Checker) -> None:
    passed = response_variables(c.skill)
    for name, variants in c.skill.responses.items():
        if not variants:
            c.add(
                ("responses", name),
                expected="at least one variant",
                found=f"response '{name}' with no text",
                fix=f"give it text, e.g. '{name}: [Hello!]', or delete it",
            )
        for i, variant in enumerate(variants):
            c.check_placeholders(("responses", name, i), variant.text, variables=passed.get(name, ()))
