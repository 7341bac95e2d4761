"""The NLU training data a skill defines: parsed examples and the entities a model should learn."""

from __future__ import annotations

from skills_core.errors import Problem, SpecError
from skills_core.spec.annotations import AnnotationError, Example, parse_example
from skills_core.spec.models import Skill
from skills_core.spec.types import OUT_OF_SCOPE


def training_examples(skill: Skill) -> list[Example]:
    """Every intent example, then every out-of-scope example (intent ``OUT_OF_SCOPE``), markup parsed.

    Raises:
        SpecError: an example's annotation is malformed (cannot happen for a skill from ``load_skill``).
    """
    groups = [(name, f"intents.{name}.examples", intent.examples) for name, intent in skill.intents.items()]
    groups.append((OUT_OF_SCOPE, f"{OUT_OF_SCOPE}.examples", skill.out_of_scope.examples))
    examples: list[Example] = []
    problems: list[Problem] = []
    for intent, path, raws in groups:
        for i, raw in enumerate(raws):
            try:
                examples.append(parse_example(raw, intent))
            except AnnotationError as e:
                problems.append(
                    Problem(
                        f"<skill {skill.name}>",
                        None,
                        e.expected,
                        f"{e.found} in {raw!r}",
                        e.fix,
                        f"{path}.{i}",
                    )
                )
    if problems:
        raise SpecError(problems)
    return examples


def learned_entities(skill: Skill, examples: list[Example] | None = None) -> list[str]:
    """Sorted names of the entities a model should tag.

    Those annotated in examples or declared ``learned: true``, minus those declared ``learned: false``.

    Args:
        skill: The skill.
        examples: Its parsed examples, if already at hand (default: ``training_examples(skill)``).
    """
    annotated = {
        span.entity
        for ex in (training_examples(skill) if examples is None else examples)
        for span in ex.spans
    }
    names = annotated | {name for name, e in skill.entities.items() if e.learned}
    return sorted(n for n in names if skill.entities.get(n) is None or skill.entities[n].learned is not False)
