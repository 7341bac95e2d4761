"""Built-in value types: find their mentions in text and normalise the text of a span of an entity type."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal, cast, get_args

from skills_core.errors import ConfigError
from skills_core.nlu.values.common import Mention
from skills_core.nlu.values.contacts import find_emails, find_phones, parse_email, parse_phone
from skills_core.nlu.values.dates import find_datetimes, parse_datetime
from skills_core.nlu.values.money import find_money, parse_money
from skills_core.nlu.values.numbers import find_numbers, parse_number
from skills_core.spec.models import EntityDef
from skills_core.spec.types import Entity

BuiltinKind = Literal["number", "money", "datetime", "email", "phone"]
BUILTIN_KINDS: tuple[BuiltinKind, ...] = get_args(BuiltinKind)

# Most specific first: a mention contained in a more specific one is dropped ("5" inside "$5" or
# inside "June 5", digits inside an e-mail address, a phone number that is really part of a price).
_SPECIFICITY: dict[str, int] = {"email": 0, "money": 1, "datetime": 2, "phone": 3, "number": 4}


def _check_kind(kind: str) -> BuiltinKind:
    if kind not in BUILTIN_KINDS:
        raise ConfigError(
            f"expected a built-in value type, one of {', '.join(BUILTIN_KINDS)}; found {kind!r}. "
            "Fix: use one of those names (a `text` entity has no built-in finder)."
        )
    return cast(BuiltinKind, kind)


def _find(
    kind: BuiltinKind, text: str, *, now: datetime | None, language: str, default_currency: str | None
) -> list[Mention]:
    if kind == "number":
        return find_numbers(text, language=language)
    if kind == "money":
        return find_money(text, default_currency=default_currency, language=language)
    if kind == "datetime":
        return find_datetimes(text, now=now, language=language)
    if kind == "email":
        return find_emails(text)
    return find_phones(text)


def _entities(kind: str, text: str, mentions: Iterable[Mention]) -> list[Entity]:
    return [
        Entity(
            entity=kind, start=m.start, end=m.end, text=text[m.start : m.end], value=m.value, source="builtin"
        )
        for m in mentions
    ]


def find_builtin(
    kind: str,
    text: str,
    *,
    now: datetime | None = None,
    language: str = "en",
    default_currency: str | None = None,
) -> list[Entity]:
    """Mentions of one built-in value type in ``text``, as entities named after the type (source ``builtin``).

    Args:
        kind: ``number``, ``money``, ``datetime``, ``email`` or ``phone``.
        text: Free text.
        now: Reference time for relative dates; default: the current local time.
        language: The skill language.
        default_currency: ISO code for ``$``-style markers (see ``parse_money``).
    """
    checked = _check_kind(kind)
    return _entities(
        kind, text, _find(checked, text, now=now, language=language, default_currency=default_currency)
    )


def find_builtins(
    kinds: Iterable[str],
    text: str,
    *,
    now: datetime | None = None,
    language: str = "en",
    default_currency: str | None = None,
) -> list[Entity]:
    """Mentions of several built-in types; one contained in a mention of a more specific type is dropped.

    Specificity: email > money > datetime > phone > number. Partial overlaps are kept (the merge step
    resolves them). Sorted by start, then end, then type.
    """
    found: list[Entity] = []
    for kind in sorted({_check_kind(k) for k in kinds}, key=_SPECIFICITY.__getitem__):
        for e in find_builtin(kind, text, now=now, language=language, default_currency=default_currency):
            if not any(
                _SPECIFICITY[o.entity] < _SPECIFICITY[kind] and o.start <= e.start and e.end <= o.end
                for o in found
            ):
                found.append(e)
    return sorted(found, key=lambda e: (e.start, e.end, _SPECIFICITY[e.entity]))


def parse_builtin(
    kind: str,
    text: str,
    *,
    now: datetime | None = None,
    language: str = "en",
    default_currency: str | None = None,
) -> Any:
    """The value of the whole of ``text`` read as ``kind``; ``None`` when it does not parse."""
    checked = _check_kind(kind)
    if checked == "number":
        return parse_number(text)
    if checked == "money":
        return parse_money(text, default_currency=default_currency, language=language)
    if checked == "datetime":
        return parse_datetime(text, now=now, language=language)
    if checked == "email":
        return parse_email(text)
    return parse_phone(text)


def lookup_key(text: str, *, case_sensitive: bool = False) -> str:
    """The key a surface form is looked up by: whitespace collapsed, lower-cased unless case-sensitive."""
    collapsed = " ".join(text.split())
    return collapsed if case_sensitive else collapsed.lower()


def synonym_table(entity_def: EntityDef) -> dict[str, str]:
    """Lookup key of every canonical value and synonym -> canonical value (the first declaration wins)."""
    table: dict[str, str] = {}
    for canonical, synonyms in entity_def.values.items():
        for surface in (canonical, *synonyms):
            key = lookup_key(str(surface), case_sensitive=entity_def.case_sensitive)
            if key:
                table.setdefault(key, canonical)
    return table


def typed_value(
    entity_def: EntityDef,
    text: str,
    *,
    table: Mapping[str, str] | None = None,
    now: datetime | None = None,
    language: str = "en",
    default_currency: str | None = None,
) -> Any:
    """``normalise`` with a precomputed synonym table (see ``synonym_table``)."""
    stripped = text.strip()
    lookup = synonym_table(entity_def) if table is None else table
    canonical = lookup.get(lookup_key(stripped, case_sensitive=entity_def.case_sensitive))
    if entity_def.type == "text":
        return stripped if canonical is None else canonical
    if canonical is not None:
        value = parse_builtin(
            entity_def.type, canonical, now=now, language=language, default_currency=default_currency
        )
        return canonical if value is None else value
    return parse_builtin(
        entity_def.type, stripped, now=now, language=language, default_currency=default_currency
    )


def normalise(
    entity_def: EntityDef,
    text: str,
    *,
    now: datetime | None = None,
    language: str = "en",
    default_currency: str | None = None,
) -> Any:
    """The value of a span of an entity: canonical lookup value, parsed built-in value, or the stripped text.

    A lookup synonym gives its canonical value (converted by the type's parser for typed entities); a
    typed entity gives its parsed value, or ``None`` when the text does not parse; a ``text`` entity
    gives the stripped text.
    """
    return typed_value(entity_def, text, now=now, language=language, default_currency=default_currency)
