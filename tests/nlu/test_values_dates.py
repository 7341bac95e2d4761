"""Date/time parsing and finding, with a fixed ``now`` (Wednesday 2024-05-15 10:30)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from skills_core.errors import ConfigError
from skills_core.nlu.values import find_datetimes, parse_datetime

NOW = datetime(2024, 5, 15, 10, 30)


@pytest.mark.parametrize(
    ("text", "value", "grain"),
    [
        ("today", "2024-05-15", "day"),
        ("tomorrow", "2024-05-16", "day"),
        ("tmrw", "2024-05-16", "day"),
        ("yesterday", "2024-05-14", "day"),
        ("the day after tomorrow", "2024-05-17", "day"),
        ("friday", "2024-05-17", "day"),
        ("next friday", "2024-05-17", "day"),
        ("next sat", "2024-05-18", "day"),
        ("monday", "2024-05-20", "day"),
        ("in 3 days", "2024-05-18", "day"),
        ("in two weeks", "2024-05-29", "day"),
        ("a week from now", "2024-05-22", "day"),
        ("3 days ago", "2024-05-12", "day"),
        ("3 years ago", "2021-05-15", "day"),
        ("in 2 months", "2024-07-15", "day"),
        ("in 2 hours", "2024-05-15T12:30:00", "minute"),
        ("in 30 minutes", "2024-05-15T11:00:00", "minute"),
        ("june 3", "2024-06-03", "day"),
        ("June 3rd, 2025", "2025-06-03", "day"),
        ("the 3rd of june", "2024-06-03", "day"),
        ("3 may", "2025-05-03", "day"),  # already past this year: the future one
        ("the 5th", "2024-06-05", "day"),
        ("the 20th", "2024-05-20", "day"),
        ("the 5th of next month", "2024-06-05", "day"),
        ("june", "2024-06-01", "month"),
        ("2024-06-01", "2024-06-01", "day"),
        ("06/05/2024", "2024-06-05", "day"),  # en: month first
        ("01.06.2024", "2024-06-01", "day"),  # dots: day first
        ("next week", "2024-05-20", "week"),
        ("this weekend", "2024-05-18", "day"),
        ("next month", "2024-06-01", "month"),
        ("next year", "2025-01-01", "year"),
        ("5pm", "2024-05-15T17:00:00", "minute"),
        ("at 5pm", "2024-05-15T17:00:00", "minute"),
        ("9am", "2024-05-16T09:00:00", "minute"),  # 9am today has passed
        ("17:30", "2024-05-15T17:30:00", "minute"),
        ("noon", "2024-05-15T12:00:00", "minute"),
        ("half past five", "2024-05-15T17:30:00", "minute"),
        ("quarter to 6", "2024-05-15T17:45:00", "minute"),
        ("5 o'clock", "2024-05-15T17:00:00", "minute"),
        ("tonight", "2024-05-15T20:00:00", "hour"),
        ("tomorrow morning", "2024-05-16T09:00:00", "hour"),
        ("this afternoon", "2024-05-15T15:00:00", "hour"),
        ("friday evening", "2024-05-17T18:00:00", "hour"),
        ("tomorrow night at 11", "2024-05-16T23:00:00", "minute"),
        ("this morning at 8", "2024-05-15T08:00:00", "minute"),
        ("tomorrow at 5pm", "2024-05-16T17:00:00", "minute"),
        ("tomorrow at 5", "2024-05-16T17:00:00", "minute"),  # business-hours reading
        ("tomorrow at 9", "2024-05-16T09:00:00", "minute"),
        ("friday night at 8", "2024-05-17T20:00:00", "minute"),
        ("5pm on friday", "2024-05-17T17:00:00", "minute"),
        ("2024-06-01 at 14:30", "2024-06-01T14:30:00", "minute"),
        ("may", "2025-05-01", "month"),  # a known date span: no context needed
    ],
)
def test_parse_datetime_en(text: str, value: str, grain: str) -> None:
    assert parse_datetime(text, now=NOW, language="en") == {"value": value, "grain": grain}


@pytest.mark.parametrize(
    ("text", "value", "grain"),
    [
        ("明天", "2024-05-16", "day"),
        ("后天", "2024-05-17", "day"),
        ("大后天", "2024-05-18", "day"),
        ("昨天", "2024-05-14", "day"),
        ("周五", "2024-05-17", "day"),
        ("下周五", "2024-05-24", "day"),
        ("这个星期三", "2024-05-15", "day"),
        ("星期天", "2024-05-19", "day"),
        ("5月3日", "2025-05-03", "day"),
        ("6月3号", "2024-06-03", "day"),
        ("2024年5月3日", "2024-05-03", "day"),
        ("3号", "2024-06-03", "day"),
        ("六月", "2024-06-01", "month"),
        ("下周", "2024-05-20", "week"),
        ("下个月", "2024-06-01", "month"),
        ("明年", "2025-01-01", "year"),
        ("三天后", "2024-05-18", "day"),
        ("两周前", "2024-05-01", "day"),
        ("一个月后", "2024-06-15", "day"),
        ("过两天", "2024-05-17", "day"),
        ("半小时后", "2024-05-15T11:00:00", "minute"),
        ("3小时后", "2024-05-15T13:30:00", "minute"),
        ("明天下午三点", "2024-05-16T15:00:00", "minute"),
        ("下午3点", "2024-05-15T15:00:00", "minute"),
        ("三点半", "2024-05-15T15:30:00", "minute"),  # 3:30 has passed: the afternoon one
        ("十点一刻", "2024-05-15T22:15:00", "minute"),
        ("8:30", "2024-05-15T20:30:00", "minute"),
        ("今晚8点", "2024-05-15T20:00:00", "minute"),
        ("今天晚上8点半", "2024-05-15T20:30:00", "minute"),
        ("中午1点", "2024-05-15T13:00:00", "minute"),
        ("明天早上", "2024-05-16T09:00:00", "hour"),
        ("下周五晚上", "2024-05-24T20:00:00", "hour"),
        ("周五的下午", "2024-05-17T15:00:00", "hour"),
    ],
)
def test_parse_datetime_zh(text: str, value: str, grain: str) -> None:
    assert parse_datetime(text, now=NOW, language="zh") == {"value": value, "grain": grain}


def test_parse_datetime_other_language_uses_dateparser() -> None:
    assert parse_datetime("demain", now=NOW, language="fr") == {"value": "2024-05-16", "grain": "day"}
    assert parse_datetime("demain à 17h", now=NOW, language="fr") == {
        "value": "2024-05-16T17:00:00",
        "grain": "minute",
    }


@pytest.mark.parametrize("text", ["", "blursday", "hello there", "42"])
def test_parse_datetime_rejects(text: str) -> None:
    assert parse_datetime(text, now=NOW) is None


def test_aware_now_gives_offset_for_times_and_plain_dates_for_days() -> None:
    now = NOW.replace(tzinfo=timezone(timedelta(hours=8)))
    assert parse_datetime("tomorrow at 5pm", now=now) == {
        "value": "2024-05-16T17:00:00+08:00",
        "grain": "minute",
    }
    assert parse_datetime("tomorrow", now=now) == {"value": "2024-05-16", "grain": "day"}


def test_unsupported_language_says_how_to_fix() -> None:
    with pytest.raises(ConfigError, match=r"language that dateparser supports.*found 'xx'.*Fix"):
        find_datetimes("demain", now=NOW, language="xx")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I want to fly tomorrow at 5pm to Paris", [("tomorrow at 5pm", "2024-05-16T17:00:00")]),
        ("book 2 tickets for next friday please", [("next friday", "2024-05-17")]),
        ("transfer 30 euros on june 3rd", [("june 3rd", "2024-06-03")]),
        ("call me in 3 days", [("in 3 days", "2024-05-18")]),
        ("book for 2 people at 7pm", [("7pm", "2024-05-15T19:00:00")]),
        ("see you on the 5th", [("the 5th", "2024-06-05")]),
        ("from monday to friday", [("monday", "2024-05-20"), ("friday", "2024-05-17")]),
        ("march forward in may", [("may", "2025-05-01")]),
        ("on sat", [("sat", "2024-05-18")]),
        ("meet 2024-06-01 at 14:30", [("2024-06-01 at 14:30", "2024-06-01T14:30:00")]),
        # false positives dateparser's search would report
        ("I may need a second one", []),
        ("Sun is shining", []),
        ("wait a minute", []),
        ("I am 30 years old", []),
        ("call 555-123-4567 now", []),
        ("my number is 4155550123", []),
        ("it costs $50 and 20 cents", []),
        ("5 amigos", []),
    ],
)
def test_find_datetimes_en(text: str, expected: list[tuple[str, str]]) -> None:
    found = find_datetimes(text, now=NOW, language="en")
    assert [(text[m.start : m.end], m.value["value"]) for m in found] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("我想明天下午三点去北京", [("明天下午三点", "2024-05-16T15:00:00")]),
        ("帮我订周日的票", [("周日", "2024-05-19")]),
        ("我5月3日到，住三天", [("5月3日", "2025-05-03")]),
        ("三天后给我打电话", [("三天后", "2024-05-18")]),
        ("🙂明天见🙂", [("明天", "2024-05-16")]),
        ("便宜一点", []),  # "a little", not one o'clock
        ("3号楼在哪", []),  # building 3, not the 3rd
        ("坐5号线", []),
    ],
)
def test_find_datetimes_zh(text: str, expected: list[tuple[str, str]]) -> None:
    found = find_datetimes(text, now=NOW, language="zh")
    assert [(text[m.start : m.end], m.value["value"]) for m in found] == expected


def test_find_datetimes_other_language_filters_bare_numbers() -> None:
    text = "je viens demain, appelle 0612345678"
    found = find_datetimes(text, now=NOW, language="fr")
    assert [(text[m.start : m.end], m.value["value"]) for m in found] == [("demain", "2024-05-16")]
