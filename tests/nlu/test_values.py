"""Value parsers and finders: numbers, money, e-mail, phone; built-in finding and normalising."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skills_core.errors import ConfigError
from skills_core.nlu.values import (
    BUILTIN_KINDS,
    find_builtin,
    find_builtins,
    normalise,
    parse_email,
    parse_money,
    parse_number,
    parse_phone,
)
from skills_core.spec.models import EntityDef

NOW = datetime(2024, 5, 15, 10, 30)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        ("1,250", 1250),
        ("1,250.5", 1250.5),
        ("2.50", 2.5),
        ("-3", -3),
        (" 7 ", 7),
        ("2.5 million", 2_500_000),
        ("3万", 30_000),
        ("1.5万", 15_000),
        ("fifty", 50),
        ("twenty-five", 25),
        ("two hundred and five", 205),
        ("one thousand and one", 1001),
        ("twenty five hundred", 2500),
        ("a hundred", 100),
        ("a dozen", 12),
        ("two dozen", 24),
        ("zero", 0),
        ("五十", 50),
        ("十五", 15),
        ("三百二十", 320),
        ("两千", 2000),
        ("两千零五", 2005),
        ("一亿二千万", 120_000_000),
        ("二〇二四", 2024),
        ("三点五", 3.5),
    ],
)
def test_parse_number(text: str, expected: float) -> None:
    value = parse_number(text)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    "text", ["", "abc", "one two", "five five", "hundred hundred", "a", "and", "1.2.3", "千万"]
)
def test_parse_number_rejects(text: str) -> None:
    assert parse_number(text) is None


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("$50", 50, "USD"),
        ("$19.99", 19.99, "USD"),
        ("50 dollars", 50, "USD"),
        ("50 bucks", 50, "USD"),
        ("fifty dollars", 50, "USD"),
        ("a hundred bucks", 100, "USD"),
        ("$5k", 5000, "USD"),
        ("50 cents", 0.5, "USD"),
        ("US$30", 30, "USD"),
        ("HK$30", 30, "HKD"),
        ("€20", 20, "EUR"),
        ("20€", 20, "EUR"),
        ("20 euros", 20, "EUR"),
        ("EUR 20", 20, "EUR"),
        ("eur 25.50", 25.5, "EUR"),
        ("£5", 5, "GBP"),
        ("5 quid", 5, "GBP"),
        ("¥100", 100, "JPY"),
        ("100 yen", 100, "JPY"),
        ("100元", 100, "CNY"),
        ("100块", 100, "CNY"),
        ("五十块", 50, "CNY"),
        ("三块五", 3.5, "CNY"),
        ("5元2角", 5.2, "CNY"),
        ("人民币100元", 100, "CNY"),
        ("RMB 30", 30, "CNY"),
        ("100美元", 100, "USD"),
        ("20 欧元", 20, "EUR"),
    ],
)
def test_parse_money(text: str, amount: float, currency: str) -> None:
    assert parse_money(text) == {"amount": pytest.approx(amount), "currency": currency}


@pytest.mark.parametrize(
    ("text", "default", "language", "currency"),
    [
        ("$5", "CAD", "en", "CAD"),  # a dollar default decides what "$" means
        ("$5", "EUR", "en", "USD"),  # a non-dollar default does not
        ("5 bucks", "AUD", "en", "AUD"),
        ("¥100", None, "zh", "CNY"),
        ("¥100", None, "zh-CN", "CNY"),
        ("¥100", None, "ja", "JPY"),
        ("¥100", "CNY", "en", "CNY"),
        ("50", "EUR", "en", "EUR"),
        ("50", None, "en", None),
    ],
)
def test_parse_money_currency_resolution(
    text: str, default: str | None, language: str, currency: str | None
) -> None:
    money = parse_money(text, default_currency=default, language=language)
    assert money is not None
    assert money["currency"] == currency


@pytest.mark.parametrize("text", ["", "dollars", "hello", "$", "元"])
def test_parse_money_rejects(text: str) -> None:
    assert parse_money(text) is None


def test_parse_money_bad_default_currency_says_how_to_fix() -> None:
    with pytest.raises(ConfigError, match=r"3-letter ISO 4217 code.*found 'dollars'.*Fix"):
        parse_money("5", default_currency="dollars")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("bob@example.com", "bob@example.com"),
        (" Bob.Smith@Example.COM ", "Bob.Smith@example.com"),
        ("<a.b+tag@mail.co.uk>", "a.b+tag@mail.co.uk"),
        ("bob@example", None),
        ("a..b@example.com", None),
        ("not an email", None),
        ("@example.com", None),
    ],
)
def test_parse_email(text: str, expected: str | None) -> None:
    assert parse_email(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+1 (415) 555-0123", "+14155550123"),
        ("(415) 555-0123", "4155550123"),
        ("415.555.0123", "4155550123"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("0044 20 7946 0018", "+442079460018"),
        ("13800138000", "13800138000"),
        ("555 0123", "5550123"),
        ("555-012", None),  # fewer than 7 digits
        ("1234567890123456", None),  # more than 15
        ("2024-06-01", None),  # a date
        ("3.14159265", None),  # a decimal
        ("call me", None),
    ],
)
def test_parse_phone(text: str, expected: str | None) -> None:
    assert parse_phone(text) == expected


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("number", "3 tickets and two hundred and five apples", [("3", 3), ("two hundred and five", 205)]),
        ("number", "the one I like, no one else", []),
        ("number", "one and two", [("one", 1), ("two", 2)]),
        ("number", "v1.2.3 and 3.5.2", []),
        ("number", "我要三张票，一起去，十分感谢，一共35个", [("三", 3), ("35", 35)]),
        ("number", "3万人 and 1,000,000 people", [("3万", 30_000), ("1,000,000", 1_000_000)]),
        ("money", "send $50 and 20 cents to bob", [("$50", {"amount": 50.0, "currency": "USD"}),
                                                   ("20 cents", {"amount": 0.2, "currency": "USD"})]),
        ("money", "我们一块去吧，给我五十块钱", [("五十块钱", {"amount": 50.0, "currency": "CNY"})]),
        ("money", "I won 5 games for 50 won", [("50 won", {"amount": 50.0, "currency": "KRW"})]),
        ("email", "我的邮箱是bob@example.com。", [("bob@example.com", "bob@example.com")]),
        ("email", "mail a.b@x.io, or c@y.org.", [("a.b@x.io", "a.b@x.io"), ("c@y.org", "c@y.org")]),
        ("phone", "call +1 415-555-0123 or (415) 555 0123", [("+1 415-555-0123", "+14155550123"),
                                                            ("(415) 555 0123", "4155550123")]),
        ("phone", "电话13800138000谢谢", [("13800138000", "13800138000")]),
        ("phone", "2 3 4 5 6 7 8 or 1,000,000 or $5000000 or 2024-06-01", []),
    ],
)  # fmt: skip
def test_find_builtin(kind: str, text: str, expected: list[tuple[str, object]]) -> None:
    found = find_builtin(kind, text, now=NOW, language="zh" if "我" in text else "en")
    assert [(e.text, e.value) for e in found] == expected
    for e in found:
        assert text[e.start : e.end] == e.text
        assert (e.entity, e.source) == (kind, "builtin")


def test_find_builtins_drops_mentions_inside_more_specific_ones() -> None:
    text = "Send $50 to bob99@example.com tomorrow at 5pm, call +1 415-555-0123, 2 tickets"
    found = find_builtins(BUILTIN_KINDS, text, now=NOW)
    assert [(e.entity, e.text) for e in found] == [
        ("money", "$50"),
        ("email", "bob99@example.com"),
        ("datetime", "tomorrow at 5pm"),
        ("phone", "+1 415-555-0123"),
        ("number", "2"),
    ]


def test_find_builtin_unknown_kind_lists_valid_names() -> None:
    with pytest.raises(ConfigError, match="one of number, money, datetime, email, phone; found 'colour'"):
        find_builtin("colour", "red")


@given(
    st.text(
        alphabet=st.sampled_from(list("ab 1,.5$€元五十一块@x.-+:()明天下午3点🙂👍🏽 tomorrow")), max_size=40
    )
)
@settings(max_examples=150, deadline=None)
def test_offsets_always_slice_the_text(text: str) -> None:
    for e in find_builtins(BUILTIN_KINDS, text, now=NOW, language="zh"):
        assert text[e.start : e.end] == e.text
        assert e.end > e.start


def test_offsets_with_emoji_and_cjk() -> None:
    text = "🙂👍🏽 我要3张票 🎉 for $20 明天下午三点 bob@example.com"
    found = find_builtins(BUILTIN_KINDS, text, now=NOW, language="zh")
    assert [(e.entity, text[e.start : e.end]) for e in found] == [
        ("number", "3"),
        ("money", "$20"),
        ("datetime", "明天下午三点"),
        ("email", "bob@example.com"),
    ]


@pytest.mark.parametrize(
    ("definition", "text", "expected"),
    [
        (EntityDef(values={"NYC": ["new york", "big apple"]}), " New  York ", "NYC"),
        (EntityDef(values={"NYC": ["new york"]}), "Boston", "Boston"),
        (EntityDef(values={"NYC": ["New York"]}, case_sensitive=True), "new york", "new york"),
        (EntityDef(), "  anything  ", "anything"),
        (EntityDef(type="number"), "two dozen", 24),
        (EntityDef(type="number", values={"2": ["a couple", "pair"]}), "a couple", 2),
        (EntityDef(type="number"), "lots", None),
        (EntityDef(type="money"), "fifty bucks", {"amount": 50.0, "currency": "USD"}),
        (EntityDef(type="email"), "Bob@Example.com", "Bob@example.com"),
        (EntityDef(type="phone"), "+1 415 555 0123", "+14155550123"),
        (EntityDef(type="datetime"), "tomorrow", {"value": "2024-05-16", "grain": "day"}),
        (EntityDef(type="datetime", values={"2024-12-25": ["christmas", "xmas"]}), "Xmas",
         {"value": "2024-12-25", "grain": "day"}),
    ],
)  # fmt: skip
def test_normalise(definition: EntityDef, text: str, expected: object) -> None:
    assert normalise(definition, text, now=NOW) == expected
