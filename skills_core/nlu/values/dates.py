"""Dates and times: ``parse_datetime`` for a whole string, ``find_datetimes`` for mentions in free text.

English and Chinese text go through precise grammars (``dates_en``, ``dates_zh``) that give exact
character offsets and refuse bare numbers and words like "may" or "second" out of date context;
calendar words are resolved by dateparser. Other languages use ``dateparser.search.search_dates``
restricted to the skill language, with its noisier results filtered. Dates prefer the future
(``friday`` is the next Friday), relative to ``now``.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

from dateparser.date import DateDataParser
from dateparser.search import search_dates

from skills_core.errors import ConfigError
from skills_core.nlu.values import dates_en, dates_zh
from skills_core.nlu.values.common import Mention, base_language
from skills_core.nlu.values.moments import DateValue, Grain, Moment

# Locales that write numeric dates month-first.
_MONTH_FIRST = {"en", "en-us", "en-ca", "en-ph"}
_HAS_LETTER_OR_DATE = re.compile(r"[^\W\d_]|\d[-/.:]\d")


def _settings(now: datetime) -> dict[str, Any]:
    return {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": now,
        "PREFER_DAY_OF_MONTH": "first",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }


@lru_cache(maxsize=16)
def _parser(language: str, now: datetime) -> DateDataParser:
    # One parser per (language, now): a batch of calls for one utterance shares it, and dateparser's
    # language data is loaded once per process either way.
    _check_language(language)
    return DateDataParser(languages=[language], settings=_settings(now))


@cache
def _check_language(language: str) -> None:
    # dateparser only complains about an unknown language at the first parse, deep inside it.
    try:
        DateDataParser(languages=[language]).get_date_data("2020-01-01")
    except ValueError as e:
        raise ConfigError(
            f"expected a language that dateparser supports for date parsing; found {language!r} ({e}). "
            "Fix: set the skill's `language` to an ISO 639-1 code such as 'en', 'zh', 'fr'."
        ) from e


def _local(now: datetime | None) -> datetime:
    """``now`` as a naive local time (dateparser and the grammars compute without offsets)."""
    current = datetime.now() if now is None else now
    return current.replace(tzinfo=None)


def _dateparser_moment(text: str, language: str, now: datetime) -> Moment | None:
    if not _HAS_LETTER_OR_DATE.search(text):
        return None  # dateparser reads bare numbers as dates: "42" is the year 2042
    data = _parser(language, now).get_date_data(text)
    if data.date_obj is None:
        return None
    parts = set(getattr(data, "parts", ()) or ())
    grain: Grain = (
        "minute" if "time" in parts else data.period if data.period in ("week", "month", "year") else "day"
    )
    when = data.date_obj.replace(tzinfo=None)
    if grain == "month":
        when = when.replace(day=1)
    elif grain == "year":
        when = when.replace(month=1, day=1)
    return Moment(when, grain)


def _en_parse(now: datetime) -> dates_en.DateParse:
    def parse(text: str) -> datetime | None:
        data = _parser("en", now).get_date_data(text)
        return None if data.date_obj is None else data.date_obj.replace(tzinfo=None)

    return parse


def _grammar_moment(
    match: re.Match[str], lang: str, language: str, now: datetime, *, strict: bool
) -> Moment | None:
    if lang == "zh":
        return dates_zh.resolve(match, now, strict=strict)
    day_first = language.lower().replace("_", "-") not in _MONTH_FIRST
    return dates_en.resolve(match, now, _en_parse(now), day_first=day_first, strict=strict)


_GRAMMARS = {"en": dates_en.GRAMMAR, "zh": dates_zh.GRAMMAR}


def parse_datetime(text: str, *, now: datetime | None = None, language: str = "en") -> DateValue | None:
    """The date/time ``text`` denotes, e.g. ``{"value": "2024-05-16T17:00:00", "grain": "minute"}``.

    Args:
        text: The whole string to read (``tomorrow at 5pm``, ``next friday``, ``下周五下午3点``).
        now: Reference time for relative expressions; default: the current local time. Its timezone,
            when it has one, is attached to minute- and hour-grain values.
        language: The skill language.
    """
    local = _local(now)
    tz = now.tzinfo if now is not None else None
    stripped = text.strip()
    if not stripped:
        return None
    lang = base_language(language)
    grammar = _GRAMMARS.get(lang)
    if grammar is not None and (m := grammar.fullmatch(stripped)):
        moment = _grammar_moment(m, lang, language, local, strict=False)
        if moment is not None:
            return moment.to_value(tz)
    moment = _dateparser_moment(stripped, lang, local)
    return None if moment is None else moment.to_value(tz)


def find_datetimes(text: str, *, now: datetime | None = None, language: str = "en") -> list[Mention]:
    """Date/time mentions in ``text`` with character offsets; values as ``parse_datetime`` gives them."""
    local = _local(now)
    tz = now.tzinfo if now is not None else None
    lang = base_language(language)
    grammar = _GRAMMARS.get(lang)
    if grammar is None:
        return _search(text, lang, local, tz)
    found: list[Mention] = []
    for m in grammar.finditer(text):
        moment = _grammar_moment(m, lang, language, local, strict=True)
        if moment is not None:
            start, end = (m.start("core"), m.end("core")) if lang == "en" else m.span()
            found.append(Mention(start, end, moment.to_value(tz)))
    return found


def _search(text: str, lang: str, now: datetime, tz: Any) -> list[Mention]:
    _check_language(lang)
    results = search_dates(text, languages=[lang], settings=_settings(now)) or []
    found: list[Mention] = []
    cursor = 0
    for surface, _ in results:
        start = text.find(surface, cursor)
        candidate = surface.strip()
        if start < 0 or len(candidate) < 3:
            continue
        start += surface.index(candidate)
        moment = _dateparser_moment(candidate, lang, now)
        if moment is not None:
            found.append(Mention(start, start + len(candidate), moment.to_value(tz)))
            cursor = start + len(candidate)
    return found


def warm_up(language: str = "en") -> None:
    """Load dateparser's data for ``language`` now, so the first real parse is not the slow one."""
    parse_datetime("tomorrow" if base_language(language) != "zh" else "明天", language=language)
    _parser(base_language(language), _local(None)).get_date_data("1 January 2020")
