"""Chinese date/time mentions: grammar and resolution (dateparser reads few Chinese combinations).

Covers relative days (今天 明天 后天 大后天 昨天 今晚 明早), weekdays (周五 下周五 这个星期三),
periods (下周 下个月 明年), calendar dates (5月3日 2024年5月3日 3号), offsets (三天后 半小时后 两周前 过两天),
parts of the day (上午 下午 晚上...) and clock times (下午3点 三点半 十点一刻 8:30), in sequence.
``N号`` followed by a place word (3号楼, 5号线) is not a date; ``一点`` alone means "a little".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from skills_core.nlu.values.moments import (
    PART_DEFAULT_HOUR,
    Moment,
    PartOfDay,
    add_months,
    clock,
    day_moment,
    next_day_of_month,
    next_month_day,
    week_start,
)
from skills_core.nlu.values.numbers import parse_number

_ZN = r"(?:\d{1,4}|[零〇一二两三四五六七八九十]{1,3})"
_REL_DAYS = {
    "大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "昨晚": -1, "今天": 0, "今日": 0, "今晚": 0, "今早": 0,
    "今夜": 0, "明天": 1, "明日": 1, "明晚": 1, "明早": 1, "明夜": 1, "后天": 2, "大后天": 3,
}  # fmt: skip
_REL_DAY_PART: dict[str, PartOfDay] = {
    "今晚": "night", "昨晚": "night", "明晚": "night", "今夜": "night", "明夜": "night", "今早": "morning",
    "明早": "morning",
}  # fmt: skip
_PARTS: dict[str, PartOfDay] = {
    "早上": "morning", "早晨": "morning", "清晨": "morning", "上午": "morning", "中午": "noon",
    "下午": "afternoon", "傍晚": "evening", "晚上": "night", "夜里": "night", "夜间": "night",
    "凌晨": "early", "半夜": "early",
}  # fmt: skip
_WEEKDAY_CHARS = {
    "一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
    "1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6,
}  # fmt: skip
_WEEK_MOD = {"下下": 2, "下": 1, "上": -1, "这": 0, "本": 0}
_YEAR_WORDS = {"今": 0, "明": 1, "去": -1, "后": 2}
_UNITS = {"分钟": "minutes", "小时": "hours", "钟头": "hours", "天": "days", "日": "days", "周": "weeks",
          "星期": "weeks", "礼拜": "weeks", "月": "months", "年": "years"}  # fmt: skip


def _alt(words: Iterable[str]) -> str:
    return "|".join(sorted(words, key=lambda w: (-len(w), w)))


_UNIT = _alt(_UNITS)
_REL = rf"(?:{_ZN}|半)个?(?:{_UNIT})(?:之后|以后|后|之前|以前|前)|过{_ZN}个?(?:{_UNIT})"
_WEEK = r"(?:下下|下|上|这|本)?个?(?:周|星期|礼拜)[一二三四五六日天1-7]"
_PERIOD = (
    r"(?:下下|下|上|这|本)个?(?:周|星期|礼拜|月)(?![一二三四五六日天1-7])"
    r"|[今明去后]年(?!\d|[零〇一二两三四五六七八九十]|月)"
)
_PLACE = r"楼|线|房|门|床|窗|口|机|车|馆|厅|院|桌|柜|店|仓|站|位|码|球|选手|队|病房|包厢"
_DATE = (
    rf"(?:(?:\d{{4}}|[零〇一二三四五六七八九]{{4}}|[今明去后])年)?{_ZN}月(?:{_ZN}[日号])?"
    rf"|{_ZN}[日号](?!{_PLACE})|\d{{4}}年"
)
_PART = _alt(_PARTS)
_TIME = rf"{_ZN}[点點时](?:半|一刻|三刻|整|钟|{_ZN}分?)?|\d{{1,2}}:[0-5]\d"
GRAMMAR = re.compile(
    rf"(?<![0-9零〇一二两三四五六七八九十:])(?:"
    rf"(?P<date>{_REL}|{_alt(_REL_DAYS)}|{_WEEK}|{_DATE}|{_PERIOD})"
    rf"(?:的?\s?(?P<part>{_PART}))?(?:的?\s?(?P<time>{_TIME}))?"
    rf"|(?P<part2>{_PART})?\s?(?P<time2>{_TIME}))(?![0-9:])"
)
_REL_FULL = re.compile(rf"(?:过)?(?P<n>{_ZN}|半)个?(?P<unit>{_UNIT})(?P<dir>之后|以后|后|之前|以前|前)?")
_WEEK_FULL = re.compile(r"(?P<mod>下下|下|上|这|本)?个?(?:周|星期|礼拜)(?P<wd>.)")
_PERIOD_FULL = re.compile(r"(?P<mod>下下|下|上|这|本)个?(?P<unit>周|星期|礼拜|月)|(?P<y>[今明去后])年")
_DATE_FULL = re.compile(
    rf"(?:(?P<y>\d{{4}}|[零〇一二三四五六七八九]{{4}}|[今明去后])年)?(?:(?P<m>{_ZN})月)?(?:(?P<d>{_ZN})[日号])?"
)
_TIME_FULL = re.compile(
    rf"(?P<h>{_ZN})[点點时](?:(?P<half>半)|(?P<q>一刻|三刻)|整|钟|(?P<m>{_ZN})分?)?|(?P<hh>\d{{1,2}}):(?P<mm>\d\d)"
)


def _int(text: str) -> int | None:
    value = parse_number(text)
    return value if isinstance(value, int) else None


def _relative(text: str, now: datetime) -> Moment | None:
    m = _REL_FULL.fullmatch(text)
    if m is None or not (m["dir"] or text.startswith("过")):
        return None  # 六月 is June, not "six months"
    unit = _UNITS[m["unit"]]
    sign = -1 if m["dir"] and "前" in m["dir"] else 1
    if m["n"] == "半":
        if unit != "hours":
            return None
        return Moment(now + sign * timedelta(minutes=30), "minute")
    n = _int(m["n"])
    if n is None:
        return None
    if unit in ("minutes", "hours"):
        return Moment(now + sign * timedelta(**{unit: n}), "minute")
    if unit in ("days", "weeks"):
        return day_moment(now.date() + sign * timedelta(**{unit: n}))
    months = n * (12 if unit == "years" else 1)
    return day_moment(add_months(now.date(), sign * months))


def _calendar_date(text: str, now: datetime) -> Moment | None:
    m = _DATE_FULL.fullmatch(text)
    if m is None or not (m["y"] or m["m"] or m["d"]):
        return None
    today = now.date()
    year = None
    if m["y"]:
        year = today.year + _YEAR_WORDS[m["y"]] if m["y"] in _YEAR_WORDS else _int(m["y"])
    month = _int(m["m"]) if m["m"] else None
    day = _int(m["d"]) if m["d"] else None
    if year is not None and month is None and day is None:
        return day_moment(today.replace(year=year, month=1, day=1), "year")
    if month is None:
        if year is not None or day is None:
            return None
        found = next_day_of_month(today, day)
        return None if found is None else day_moment(found)
    if not 1 <= month <= 12:
        return None
    if day is None:
        y = year if year is not None else today.year + (month < today.month)
        return day_moment(today.replace(year=y, month=month, day=1), "month")
    found = next_month_day(today, month, day, year)
    return None if found is None else day_moment(found)


def _date(text: str, now: datetime) -> Moment | None:
    today = now.date()
    if text in _REL_DAYS:
        return day_moment(today + timedelta(days=_REL_DAYS[text]))
    if m := _WEEK_FULL.fullmatch(text):
        weekday = _WEEKDAY_CHARS.get(m["wd"])
        if weekday is None:
            return None
        if m["mod"] is None:
            return day_moment(today + timedelta(days=(weekday - today.weekday()) % 7))
        return day_moment(week_start(today) + timedelta(weeks=_WEEK_MOD[m["mod"]], days=weekday))
    if m := _PERIOD_FULL.fullmatch(text):
        if m["y"]:
            return day_moment(today.replace(year=today.year + _YEAR_WORDS[m["y"]], month=1, day=1), "year")
        step = _WEEK_MOD[m["mod"]]
        if m["unit"] == "月":
            return day_moment(add_months(today.replace(day=1), step), "month")
        return day_moment(week_start(today) + timedelta(weeks=step), "week")
    return _relative(text, now) or _calendar_date(text, now)


def _clock(text: str, now: datetime, moment: Moment | None, part: PartOfDay | None) -> datetime | None:
    m = _TIME_FULL.fullmatch(text)
    if m is None:
        return None
    if m["hh"]:
        hour, minute, twelve_hour = int(m["hh"]), int(m["mm"]), not m["hh"].startswith("0")
    else:
        h = _int(m["h"])
        if h is None:
            return None
        hour, twelve_hour = h, True
        if m["half"]:
            minute = 30
        elif m["q"]:
            minute = 15 if m["q"] == "一刻" else 45
        else:
            minute = (_int(m["m"]) if m["m"] else 0) or 0
    day = moment.when.date() if moment is not None else None
    return clock(now, day, hour, minute, part=part, twelve_hour=twelve_hour)


def resolve(match: re.Match[str], now: datetime, *, strict: bool) -> Moment | None:
    """The moment a ``GRAMMAR`` match denotes, or ``None`` when it is not a date after all."""
    date_text = match["date"]
    part_text = match["part"] or match["part2"]
    time_text = match["time"] or match["time2"]
    if strict and not date_text and not part_text and time_text in ("一点", "1点"):
        return None
    part = _PARTS[part_text] if part_text else _REL_DAY_PART.get(date_text or "")
    moment = _date(date_text, now) if date_text else None
    if date_text and moment is None:
        return None
    if time_text:
        if moment is not None and moment.grain != "day":
            return None  # 下周三点: a week has no single clock time
        when = _clock(time_text, now, moment, part)
        return None if when is None else Moment(when, "minute")
    if moment is not None and part is not None and moment.grain == "day":
        return Moment(moment.when.replace(hour=PART_DEFAULT_HOUR[part]), "hour")
    return moment
