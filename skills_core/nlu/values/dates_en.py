"""English date/time mentions: a precise grammar for finding them, dateparser for the calendar words.

The grammar knows relative days (``tomorrow``, ``the day after tomorrow``), weekdays (``next friday``),
month-day forms (``June 3rd, 2025``, ``the 3rd of june``), ``the 5th``, numeric dates, relative offsets
(``in 3 days``, ``two weeks ago``), periods (``next week``), clock times (``5pm``, ``17:30``,
``half past five``, ``noon``) and their combinations (``tomorrow morning at 9``, ``5pm on friday``).
Words that are dates only in context (``may``, ``march``, ``sat``, ``sun``...) need a preposition
(``in may``, ``on sat``) or a day number. Bare numbers are never dates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from typing import Literal

from skills_core.nlu.values.moments import (
    PART_DEFAULT_HOUR,
    Moment,
    PartOfDay,
    add_months,
    clock,
    day_moment,
    next_day_of_month,
    week_start,
)
from skills_core.nlu.values.numbers import parse_number

DateParse = Callable[[str], datetime | None]
"""Reads a calendar expression (``next friday``, ``June 3``) relative to ``now``; dateparser in practice."""

_MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12,
}  # fmt: skip
_MONTH_ABBR = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
               "oct": 10, "nov": 11, "dec": 12}  # fmt: skip
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_ABBR = {"mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4,
                 "sat": 5, "sun": 6}  # fmt: skip
# Dates only in context: alone they are verbs, nouns or abbreviations of something else.
_NEED_CONTEXT = {"may", "march", *_MONTH_ABBR, *_WEEKDAY_ABBR}
_PARTS: dict[str, PartOfDay] = {
    "morning": "morning",
    "afternoon": "afternoon",
    "evening": "evening",
    "night": "night",
}


def _alt(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=lambda w: (-len(w), w)))


_E = r"(?![A-Za-z0-9])"  # end of a word
_MONTH = rf"(?:(?:{_alt(_MONTHS)})|(?:{_alt(_MONTH_ABBR)})\.?){_E}"
_WD_FULL = rf"(?:{_alt(_WEEKDAYS)}){_E}"
_WD_ABBR = rf"(?:{_alt(_WEEKDAY_ABBR)})\.?{_E}"
_MOD = r"(?:next|this|last|coming|upcoming|previous)\s+"
_DAY = r"(?:3[01]|[12]\d|0?[1-9])"
_ORD = r"(?:st|nd|rd|th)"
_YEAR = r"(?:19|20)\d{2}"
_DAYN = rf"{_DAY}{_ORD}?{_E}"
_NUMW = (
    r"(?:\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty)"
)
_UNIT = r"(?:minutes?|mins?|hours?|hrs?|days?|weeks?|fortnights?|months?|years?)(?![A-Za-z])"
_REL = (
    rf"in\s+{_NUMW}\s+{_UNIT}(?:\s+time)?|{_NUMW}\s+{_UNIT}\s+(?:from\s+now|from\s+today|later|ago|hence){_E}"
)
_REL_DAY = (
    r"(?:(?:the\s+)?day\s+after\s+tomorrow|(?:the\s+)?day\s+before\s+yesterday|today|tonight|tomorrow|tmrw|tmr"
    rf"|yesterday|right\s+now){_E}"
)
_PART = rf"(?:morning|afternoon|evening|night){_E}"
_PERIOD = rf"(?:next|this|last|coming|previous)\s+(?:weekend|week|month|year){_E}|this\s+{_PART}"
_NUMERIC = (
    rf"{_YEAR}[-/.](?:1[0-2]|0?[1-9])[-/.]{_DAY}(?![\d/-]|\.\d)"
    rf"|\d{{1,2}}[-/.]\d{{1,2}}[-/.](?:{_YEAR}|\d{{2}})(?![\d/-]|\.\d)"
)
_MONTHDAY = (
    rf"{_MONTH}\s+{_DAYN}(?:,?\s+{_YEAR}{_E})?|(?:the\s+)?{_DAYN}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR}{_E})?"
    rf"|{_MONTH}(?:,?\s+{_YEAR}{_E})?"
)
_ORDDAY = rf"the\s+{_DAY}{_ORD}{_E}(?:\s+of\s+(?:the|this|next)\s+month{_E})?"
_WEEKDAY = rf"(?:{_MOD})?{_WD_FULL}|{_MOD}{_WD_ABBR}|{_WD_ABBR}"
_DATE = rf"(?:{_NUMERIC}|{_REL}|{_REL_DAY}|{_PERIOD}|{_MONTHDAY}|{_ORDDAY}|{_WEEKDAY})"
_DATE_PART = rf"{_DATE}(?:\s+(?:in\s+the\s+)?{_PART}|\s+at\s+night{_E})?"
_H12 = r"(?:1[0-2]|0?[1-9])"
_H24 = r"(?:[01]?\d|2[0-3])"
_AMPM = r"(?:[ap]\.m\.?|[ap]m)(?![A-Za-z])"
_HOUR_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_HOUR = rf"(?:{_H12}|{_alt(_HOUR_WORDS)})"
_TIME = (
    rf"(?:{_H12}(?::[0-5]\d)?\s?{_AMPM}|{_H24}:[0-5]\d(?:\s?{_AMPM})?|noon|midday|midnight"
    rf"|{_HOUR}\s+o'?clock|(?:half|quarter)\s+past\s+{_HOUR}|quarter\s+to\s+{_HOUR}){_E}"
)
_PREFIX = r"on|in|during|by|until|till|before|after|since|from|for|of|at|around"
GRAMMAR = re.compile(
    rf"(?<![A-Za-z0-9:/.-])(?:(?P<pre>{_PREFIX})\s+)?(?P<core>"
    rf"(?P<date>{_DATE_PART})(?:(?:,?\s+(?:at\s+|@\s*|around\s+)?|\s*@\s*)(?P<time>{_TIME})"
    rf"|\s+at\s+(?P<bare>{_H24}){_E}(?![:.]\d))?"
    rf"|(?P<time2>{_TIME})(?:,?\s+(?:on\s+)?(?P<date2>{_DATE_PART}))?)",
    re.IGNORECASE,
)
_NUMERIC_FULL = re.compile(_NUMERIC)
_ORDDAY_FULL = re.compile(rf"the\s+(?P<d>{_DAY}){_ORD}(?:\s+of\s+(?P<which>the|this|next)\s+month)?", re.I)
_PERIOD_FULL = re.compile(
    r"(?P<mod>next|this|last|coming|previous)\s+(?P<unit>weekend|week|month|year|morning|afternoon|evening|night)",
    re.I,
)
_REL_FULL = re.compile(
    rf"(?:in\s+)?(?P<n>{_NUMW})\s+(?P<unit>{_UNIT})(?:\s+time)?(?:\s+(?P<dir>from\s+now|from\s+today|later|ago|hence))?",
    re.I,
)
_MONTH_ONLY = re.compile(rf"{_MONTH}(?:,?\s+{_YEAR})?", re.I)
_PART_SUFFIX = re.compile(rf"\s+(?:in\s+the\s+|at\s+)?(?P<part>{_PART})$", re.I)
_CLOCK = re.compile(
    rf"(?P<h>\d{{1,2}})(?::(?P<m>\d\d))?\s?(?:(?P<ap>[ap])m)?|(?P<word>noon|midday|midnight)"
    rf"|(?P<oh>{_HOUR})\s+o'?clock|(?P<rel>half\s+past|quarter\s+past|quarter\s+to)\s+(?P<rh>{_HOUR})",
    re.I,
)
_REWRITES = [
    (re.compile(r"\b(?:tmrw|tmr)\b", re.I), "tomorrow"),
    (re.compile(r"\b(?:coming|upcoming)\s+", re.I), ""),
    (re.compile(r"\bprevious\b", re.I), "last"),
    *((re.compile(rf"\b{abbr}\b\.?", re.I), _WEEKDAYS[day]) for abbr, day in _WEEKDAY_ABBR.items()),
]


def _numeric(text: str, *, day_first: bool) -> date | None:
    parts = [int(p) for p in re.split(r"[-/.]", text)]
    if len(str(parts[0])) == 4 or text[:4].isdigit():
        year, month, day = parts
    else:
        a, b, year = parts
        # Dots are day-first everywhere; slashes follow the locale (en-US: month first).
        day, month = (a, b) if day_first or "." in text else (b, a)
        year += 2000 if year < 100 else 0
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _period(mod: str, unit: str, today: date) -> Moment:
    step = {"next": 1, "coming": 1, "last": -1, "previous": -1}.get(mod.lower(), 0)
    unit = unit.lower()
    if unit == "week":
        return day_moment(week_start(today) + timedelta(weeks=step), "week")
    if unit == "weekend":
        saturday = today + timedelta(days=(5 - today.weekday()) % 7 if today.weekday() != 6 else -1)
        return day_moment(saturday + timedelta(weeks=step), "day")
    if unit == "month":
        return day_moment(add_months(today.replace(day=1), step), "month")
    return day_moment(date(today.year + step, 1, 1), "year")


def _relative(m: re.Match[str], now: datetime) -> Moment | None:
    count = 1 if m["n"].lower() in ("a", "an") else parse_number(m["n"])
    if not isinstance(count, int):
        return None
    sign = -1 if m["dir"] and m["dir"].lower() == "ago" else 1
    unit = m["unit"].lower()
    if unit.startswith("min") or unit.startswith("h"):
        minutes = count * (1 if unit.startswith("min") else 60)
        return Moment(now + timedelta(minutes=sign * minutes), "minute")
    if unit.startswith(("day", "week", "fortnight")):
        days = count * (1 if unit.startswith("day") else 7 if unit.startswith("week") else 14)
        return day_moment(now.date() + timedelta(days=sign * days))
    months = count * (1 if unit.startswith("month") else 12)
    return day_moment(add_months(now.date(), sign * months))


def _date(text: str, now: datetime, parse: DateParse, *, day_first: bool) -> Moment | None:
    """A date expression (no clock time) as a moment."""
    today = now.date()
    if _NUMERIC_FULL.fullmatch(text):
        day = _numeric(text, day_first=day_first)
        return None if day is None else day_moment(day)
    if m := _ORDDAY_FULL.fullmatch(text):
        start = add_months(today.replace(day=1), 1) if m["which"] == "next" else today
        day = next_day_of_month(start, int(m["d"]))
        return None if day is None else day_moment(day)
    if (m := _PERIOD_FULL.fullmatch(text)) and m["unit"].lower() in ("weekend", "week", "month", "year"):
        return _period(m["mod"], m["unit"], today)
    if text.lower().replace(" ", "") == "rightnow":
        return Moment(now, "minute")
    if m := _REL_FULL.fullmatch(text):
        return _relative(m, now)
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    when = parse(text)
    if when is None:
        return None
    if _MONTH_ONLY.fullmatch(text):
        return day_moment(when.date().replace(day=1), "month")
    return day_moment(when.date())


def _hour(text: str) -> int:
    return int(text) if text.isdigit() else _HOUR_WORDS[text.lower()]


def _clock(text: str, now: datetime, day: date | None, part: PartOfDay | None) -> datetime | None:
    m = _CLOCK.fullmatch(text.strip().replace(".", ""))
    if m is None:
        return None
    if m["word"]:
        word = m["word"].lower()
        hour = 0 if word == "midnight" else 12
        return clock(now, day, hour, 0, meridiem="am" if word == "midnight" else "pm")
    meridiem: Literal["am", "pm"] | None = None
    if m["h"]:
        hour, minute = int(m["h"]), int(m["m"] or 0)
        if m["ap"]:
            meridiem = "am" if m["ap"].lower() == "a" else "pm"
        twelve_hour = not m["h"].startswith("0")
    elif m["oh"]:
        hour, minute, twelve_hour = _hour(m["oh"]), 0, True
    else:
        rel, hour, twelve_hour = m["rel"].lower(), _hour(m["rh"]), True
        minute = 30 if rel.startswith("half") else 15 if "past" in rel else 45
        if rel == "quarter to":
            hour = hour - 1 or 12
    return clock(now, day, hour, minute, meridiem=meridiem, part=part, twelve_hour=twelve_hour)


def resolve(
    match: re.Match[str], now: datetime, parse: DateParse, *, day_first: bool, strict: bool
) -> Moment | None:
    """The moment a ``GRAMMAR`` match denotes, or ``None`` when it is not a date after all.

    Args:
        strict: Apply the context rules for ambiguous words (finding in free text); ``False`` when the
            text is known to be a date (a learned span).
    """
    date_text = match["date"] or match["date2"]
    time_text = match["time"] or match["time2"]
    if strict and not time_text and not match["pre"] and date_text.lower().rstrip(".") in _NEED_CONTEXT:
        return None
    part: PartOfDay | None = None
    day: Moment | None = None
    if date_text:
        if (m := _PERIOD_FULL.fullmatch(date_text)) and m["unit"].lower() in _PARTS:
            part, date_text = _PARTS[m["unit"].lower()], "today"  # this morning
        elif date_text.lower() == "tonight":
            part, date_text = "night", "today"
        elif pm := _PART_SUFFIX.search(date_text):
            part, date_text = _PARTS[pm["part"].lower()], date_text[: pm.start()]  # friday evening
        day = _date(date_text, now, parse, day_first=day_first)
        if day is None:
            return None
    if time_text or match["bare"]:
        if day is not None and day.grain not in ("day",):
            return None  # "next week at 5pm" has no single day
        on = day.when.date() if day is not None else None
        when = (
            _clock(time_text, now, on, part)
            if time_text
            else clock(
                now, on, int(match["bare"]), 0, part=part, twelve_hour=not match["bare"].startswith("0")
            )
        )
        return None if when is None else Moment(when, "minute")
    if day is not None and part is not None and day.grain == "day":
        return Moment(day.when.replace(hour=PART_DEFAULT_HOUR[part]), "hour")
    return day
