"""Calendar helpers shared by the date grammars: a resolved moment, clock times, week and month arithmetic."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal, TypedDict

Grain = Literal["minute", "hour", "day", "week", "month", "year"]
PartOfDay = Literal["morning", "noon", "afternoon", "evening", "night", "early"]

PART_DEFAULT_HOUR: dict[PartOfDay, int] = {
    "morning": 9,
    "noon": 12,
    "afternoon": 15,
    "evening": 18,
    "night": 20,
    "early": 0,
}


class DateValue(TypedDict):
    """A resolved date/time: ISO 8601 ``value`` and how precise it is (``grain``).

    Day, week, month and year grains give a date (``2024-05-16``; a week is its Monday, a month its
    1st); minute and hour grains give a date-time (``2024-05-16T17:00:00``, with the offset of ``now``
    when ``now`` is timezone-aware).
    """

    value: str
    grain: Grain


@dataclass(frozen=True, slots=True)
class Moment:
    """A resolved point in time (naive, in the local time of ``now``) and its grain."""

    when: datetime
    grain: Grain

    def to_value(self, tz: tzinfo | None) -> DateValue:
        if self.grain in ("minute", "hour"):
            when = self.when.replace(second=0, microsecond=0, tzinfo=tz)
            return DateValue(value=when.isoformat(timespec="seconds"), grain=self.grain)
        return DateValue(value=self.when.date().isoformat(), grain=self.grain)


def day_moment(day: date, grain: Grain = "day") -> Moment:
    return Moment(datetime.combine(day, time()), grain)


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months``, clamped to the last day of the target month (Jan 31 + 1 = Feb 29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def next_day_of_month(today: date, day_of_month: int) -> date | None:
    """The first date on or after ``today`` whose day of month is ``day_of_month``."""
    for months in range(13):
        first = add_months(today.replace(day=1), months)
        if day_of_month <= calendar.monthrange(first.year, first.month)[1]:
            candidate = first.replace(day=day_of_month)
            if candidate >= today:
                return candidate
    return None


def next_month_day(today: date, month: int, day_of_month: int, year: int | None) -> date | None:
    """``month``/``day`` in ``year``, or its next occurrence on or after ``today`` when no year is given."""
    years = [year] if year is not None else [today.year, today.year + 1, today.year + 4]
    for y in years:
        try:
            candidate = date(y, month, day_of_month)
        except ValueError:
            continue
        if year is not None or candidate >= today:
            return candidate
    return None


def clock(
    now: datetime,
    day: date | None,
    hour: int,
    minute: int,
    *,
    meridiem: Literal["am", "pm"] | None = None,
    part: PartOfDay | None = None,
    twelve_hour: bool = True,
) -> datetime | None:
    """A clock time on ``day``, or at its next occurrence after ``now`` when no day is given.

    An hour with no am/pm and no part of day (``at 5``, ``3点``) is read on a 12-hour clock when
    ``twelve_hour``: with a day, 1-7 means the afternoon (``tomorrow at 5`` is 17:00, a business-hours
    reading); without a day, whichever of h and h+12 comes next.
    """
    if hour > 24 or minute > 59:
        return None
    shift = 0
    if hour == 24:
        hour, shift = 0, 1
    if meridiem == "pm" and hour < 12:
        hour += 12
    elif meridiem == "am" and hour == 12:
        hour = 0
    elif meridiem is None and part is not None:
        if part in ("afternoon", "evening", "night") and 1 <= hour < 12:
            hour += 12
        elif part == "night" and hour == 12:
            hour, shift = 0, 1
        elif part == "noon" and 1 <= hour <= 2:
            hour += 12
        elif part in ("morning", "early") and hour == 12:
            hour = 0
    ambiguous = twelve_hour and meridiem is None and part is None and 1 <= hour <= 12
    if day is not None:
        if ambiguous and hour <= 7:
            hour += 12
        return datetime.combine(day + timedelta(days=shift), time(hour, minute))
    hours = [hour, hour + 12] if ambiguous and hour < 12 else [hour]
    for offset in range(shift, shift + 2):
        for h in hours:
            candidate = datetime.combine(now.date() + timedelta(days=offset), time(h, minute))
            if candidate > now:
                return candidate
    return None
