"""Rule-based entities: lookup tables with synonyms, regular expressions and built-in value types.

Everything is compiled once in ``RuleExtractor.from_skill``; ``extract`` is called per utterance.

- **Lookup**: each entity's canonical values and synonyms become one regular expression, built as a
  character trie so matching costs the same for ten synonyms or ten thousand. The longest synonym at a
  position wins; Latin words need word boundaries (``cat`` is not found in ``concatenate``), CJK text
  needs none (``北京`` is found in ``我去北京``). Case-insensitive unless the entity is ``case_sensitive``.
  The value is the canonical value.
- **Regex**: each pattern is compiled once (case-insensitive unless ``case_sensitive``). A named group
  ``value`` selects the part of the match to normalise; the value is then looked up / parsed as for a span.
- **Built-in types**: an entity declared with ``type: money`` (number, datetime, email, phone) receives
  every money mention the value finders locate; several entities of one type all receive them and the
  learned model picks (see ``merge``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from skills_core.errors import Problem, SpecError
from skills_core.nlu.merge import SOURCE_PRIORITY, merge_entities
from skills_core.nlu.values import find_builtins, lookup_key, typed_value, warm_up
from skills_core.spec.models import EntityDef, Skill
from skills_core.spec.types import Entity, EntitySource

_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af\U00020000-\U0002ffff"
_LATIN_WORD = rf"[^\W{_CJK}]"  # a letter, digit or underscore that is not CJK
# Not inside a Latin word: either side of the edge is not a Latin word character.
_START = rf"(?:(?<!{_LATIN_WORD})|(?!{_LATIN_WORD}))"
_END = rf"(?:(?<!{_LATIN_WORD})|(?!{_LATIN_WORD}))"
_SOURCE_RANK = {source: rank for rank, source in enumerate(SOURCE_PRIORITY)}


def _trie_pattern(words: Iterable[str]) -> str:
    """One alternation for ``words``, factored as a trie; longer words are tried first.

    Word boundaries apply only where a Latin letter or digit meets another one, so they are checked
    once around the whole alternation (the engine backtracks into it to a shorter word if needed).
    """
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [_char(ch) + emit(node[ch]) for ch in sorted(k for k in node if k)]
        if "" in node:  # a word ends here: tried after the longer continuations
            branches.append("")
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return f"{_START}(?:{emit(trie)}){_END}"


def _char(ch: str) -> str:
    return r"\s+" if ch == " " else re.escape(ch)


@dataclass(frozen=True)
class _Pattern:
    entity: str
    pattern: re.Pattern[str]


def _problem(skill_name: str, path: str, *, expected: str, found: str, fix: str) -> Problem:
    return Problem(
        file=f"skill {skill_name!r}", line=None, expected=expected, found=found, fix=fix, path=path
    )


class RuleExtractor:
    """Finds rule-based entity mentions (lookup, regex, built-in types) in an utterance.

    Build it with ``from_skill``; ``extract`` is pure and safe to call from several threads.
    """

    def __init__(
        self,
        entities: Mapping[str, EntityDef],
        *,
        language: str = "en",
        default_currency: str | None = None,
        skill_name: str = "skill",
    ) -> None:
        self.language = language
        self.default_currency = default_currency
        self._defs = dict(entities)
        self._tables: dict[str, dict[str, str]] = {}
        self._lookups: list[_Pattern] = []
        self._regexes: list[_Pattern] = []
        self._builtins: dict[str, list[str]] = {}
        problems: list[Problem] = []
        for name in sorted(self._defs):
            definition = self._defs[name]
            self._tables[name] = self._compile_table(skill_name, name, definition, problems)
            if self._tables[name]:
                flags = 0 if definition.case_sensitive else re.IGNORECASE
                self._lookups.append(_Pattern(name, re.compile(_trie_pattern(self._tables[name]), flags)))
            for i, raw in enumerate(definition.regex):
                try:
                    compiled = re.compile(raw, 0 if definition.case_sensitive else re.IGNORECASE)
                except re.error as e:
                    problems.append(
                        _problem(
                            skill_name,
                            f"entities.{name}.regex.{i}",
                            expected="a valid Python regular expression",
                            found=f"{raw!r} ({e})",
                            fix="fix the pattern; escape literal characters such as . ( ) [ ] with a \\",
                        )
                    )
                    continue
                self._regexes.append(_Pattern(name, compiled))
            if definition.type != "text":
                self._builtins.setdefault(definition.type, []).append(name)
        if problems:
            raise SpecError(problems)

    @staticmethod
    def _compile_table(
        skill_name: str, name: str, definition: EntityDef, problems: list[Problem]
    ) -> dict[str, str]:
        table: dict[str, str] = {}
        for canonical, synonyms in definition.values.items():
            for surface in (canonical, *synonyms):
                key = lookup_key(str(surface), case_sensitive=definition.case_sensitive)
                if not key:
                    continue
                if table.setdefault(key, canonical) != canonical:
                    problems.append(
                        _problem(
                            skill_name,
                            f"entities.{name}.values.{canonical}",
                            expected="each synonym to belong to one canonical value",
                            found=f"{surface!r} listed under both {table[key]!r} and {canonical!r}",
                            fix=f"keep {surface!r} under one of them, or set case_sensitive: true",
                        )
                    )
        return table

    @classmethod
    def from_skill(
        cls, skill: Skill, *, default_currency: str | None = None, warm: bool = True
    ) -> RuleExtractor:
        """Compile the skill's lookup tables, regexes and built-in entity types.

        Args:
            skill: The validated skill.
            default_currency: ISO code for bare ``$``/dollar amounts (``CAD`` makes ``$5`` CAD).
            warm: Load the date parser's language data now when the skill has a datetime entity, so the
                first utterance is not the slow one (about 0.1 s, once per process).

        Raises:
            SpecError: A regex does not compile, or a synonym belongs to two canonical values.
        """
        extractor = cls(
            skill.entities, language=skill.language, default_currency=default_currency, skill_name=skill.name
        )
        if warm and "datetime" in extractor._builtins:
            warm_up(skill.language)
        return extractor

    @property
    def builtin_types(self) -> dict[str, list[str]]:
        """Built-in type -> the entities declared with it."""
        return {kind: list(names) for kind, names in self._builtins.items()}

    def _value(self, name: str, text: str, now: datetime | None) -> Any:
        return typed_value(
            self._defs[name],
            text,
            table=self._tables[name],
            now=now,
            language=self.language,
            default_currency=self.default_currency,
        )

    def extract(self, text: str, *, now: datetime | None = None) -> list[Entity]:
        """Every rule match in ``text``: lookup, regex and built-in mentions. Matches may overlap.

        Resolve overlaps (and combine with learned spans) with ``merge_entities`` or ``resolve``.
        Sorted by start, end, entity and source.
        """
        found: dict[tuple[str, int, int, str], Entity] = {}

        def add(name: str, start: int, end: int, value: Any, source: EntitySource) -> None:
            if end > start:
                key = (name, start, end, source)
                found.setdefault(
                    key,
                    Entity(
                        entity=name, start=start, end=end, text=text[start:end], value=value, source=source
                    ),
                )

        for lookup in self._lookups:
            for m in lookup.pattern.finditer(text):
                add(lookup.entity, m.start(), m.end(), self._value(lookup.entity, m.group(), now), "lookup")
        for regex in self._regexes:
            for m in regex.pattern.finditer(text):
                part = (
                    m["value"]
                    if "value" in regex.pattern.groupindex and m["value"] is not None
                    else m.group()
                )
                add(regex.entity, m.start(), m.end(), self._value(regex.entity, part, now), "regex")
        if self._builtins:
            mentions = find_builtins(
                self._builtins, text, now=now, language=self.language, default_currency=self.default_currency
            )
            for mention in mentions:
                for name in self._builtins[mention.entity]:
                    add(name, mention.start, mention.end, mention.value, "builtin")
        return sorted(found.values(), key=lambda e: (e.start, e.end, e.entity, _SOURCE_RANK[e.source]))

    def normalise(self, entity: Entity, *, now: datetime | None = None) -> Entity:
        """A learned span with its value filled in (canonical synonym, parsed value or stripped text).

        Spans that already have a value, and entities the skill does not declare, are returned unchanged.
        """
        if entity.value is not None or entity.entity not in self._defs:
            return entity
        return entity.model_copy(update={"value": self._value(entity.entity, entity.text, now)})

    def resolve(
        self, text: str, learned: Sequence[Entity] = (), *, now: datetime | None = None
    ) -> list[Entity]:
        """Normalise ``learned`` spans, extract rule matches from ``text`` and merge them (see ``merge``)."""
        spans = [self.normalise(e, now=now) for e in learned]
        return merge_entities(spans, self.extract(text, now=now))
