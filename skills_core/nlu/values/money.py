"""Money: an amount and an ISO 4217 currency code.

Currency markers: symbols (``$ € £ ¥ ₹ ...``, ``US$ HK$ ...``), ISO codes (``EUR 20``, ``20 usd``),
words (``dollars bucks euros pounds quid yen yuan ...``) and Chinese (``元 块 块钱 美元 欧元 人民币 ...``).

Ambiguous markers are resolved like this: ``$``/``dollars``/``bucks``/``cents`` mean the default currency
when it is a dollar currency, else USD; ``¥`` means CNY in Chinese skills, JPY otherwise (or the default
currency when that is CNY or JPY). ``pounds`` is read as money (GBP), never as a weight.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TypedDict

from skills_core.errors import ConfigError
from skills_core.nlu.values.common import Mention, base_language
from skills_core.nlu.values.numbers import AMOUNT_DIGITS, EN_WORDS, ZH_WORDS, parse_number


class Money(TypedDict):
    """A money value. ``currency`` is ``None`` only for a bare amount with no default currency."""

    amount: float
    currency: str | None


_DOLLAR = "$"  # marker: a dollar currency, resolved against the default
_YEN_YUAN = "¥"  # marker: CNY or JPY, resolved by language
_CENTS = "cents"  # marker: hundredths of a dollar currency
_DOLLAR_CURRENCIES = {"USD", "CAD", "AUD", "NZD", "HKD", "SGD", "TWD"}
_CODES = (
    "USD", "EUR", "GBP", "JPY", "CNY", "RMB", "HKD", "CAD", "AUD", "NZD", "CHF", "SEK", "NOK", "DKK", "INR",
    "KRW", "RUB", "BRL", "MXN", "SGD", "TWD", "THB", "ZAR", "TRY", "PLN", "ILS", "AED", "SAR",
)  # fmt: skip
_SYMBOLS = {
    "US$": "USD", "C$": "CAD", "CA$": "CAD", "A$": "AUD", "AU$": "AUD", "HK$": "HKD", "NZ$": "NZD",
    "S$": "SGD", "R$": "BRL", "NT$": "TWD", "$": _DOLLAR, "€": "EUR", "£": "GBP", "¥": _YEN_YUAN,
    "￥": _YEN_YUAN, "₹": "INR", "₩": "KRW", "₽": "RUB", "₺": "TRY", "₪": "ILS", "฿": "THB",
}  # fmt: skip
_WORDS = {
    "dollar": _DOLLAR, "dollars": _DOLLAR, "buck": _DOLLAR, "bucks": _DOLLAR, "cent": _CENTS, "cents": _CENTS,
    "euro": "EUR", "euros": "EUR", "pound": "GBP", "pounds": "GBP", "quid": "GBP", "yen": "JPY",
    "yuan": "CNY", "renminbi": "CNY", "rupee": "INR", "rupees": "INR", "franc": "CHF", "francs": "CHF",
    "peso": "MXN", "pesos": "MXN", "ruble": "RUB", "rubles": "RUB", "rouble": "RUB", "roubles": "RUB",
    "won": "KRW",
}  # fmt: skip
_ZH_WORDS = {
    "美元": "USD", "美金": "USD", "欧元": "EUR", "英镑": "GBP", "日元": "JPY", "港元": "HKD", "港币": "HKD",
    "人民币": "CNY", "块钱": "CNY", "块": "CNY", "元": "CNY",
}  # fmt: skip


def _alternation(items: Iterable[str]) -> str:
    return "|".join(re.escape(s) for s in sorted(items, key=lambda s: (-len(s), s)))


_SYM = _alternation(_SYMBOLS)
_LATIN = rf"(?<![A-Za-z])(?:{_alternation([*_CODES, *_WORDS])})(?![A-Za-z])"
_ZH = _alternation(_ZH_WORDS)
_AMOUNT = rf"(?<![A-Za-z0-9_.,])(?:{AMOUNT_DIGITS}(?:k(?![A-Za-z]))?|{EN_WORDS}|{ZH_WORDS})"
# 三块五 = 3.5 yuan: one digit of 角 may follow 块/元.
_JIAO = r"(?P<jiao>[一二三四五六七八九1-9])(?:毛|角)?(?![\d零〇一二两三四五六七八九十百千万亿个张位件本次天])"
_MONEY = re.compile(
    rf"(?P<pre>{_SYM}|(?<![A-Za-z])(?:{_alternation(_CODES)}|RMB)(?![A-Za-z])|人民币)\s?(?P<amt1>{_AMOUNT})(?:\s?(?:元|块钱|块))?"
    rf"|(?P<amt2>{_AMOUNT})\s?(?:(?P<zh>{_ZH})(?!儿|去|走|来|玩|住|坐|聊)(?:{_JIAO})?|(?P<suf>{_LATIN}|{_SYM}))",
    re.IGNORECASE,
)


def _check_currency(default_currency: str | None) -> str | None:
    if default_currency is None:
        return None
    code = default_currency.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ConfigError(
            "expected default_currency to be a 3-letter ISO 4217 code such as 'USD'; "
            f"found {default_currency!r}. "
            "Fix: pass a currency code, or None to leave bare amounts without a currency."
        )
    return code


def _resolve(marker: str, *, default_currency: str | None, language: str) -> str:
    if marker in (_DOLLAR, _CENTS):
        return default_currency if default_currency in _DOLLAR_CURRENCIES else "USD"
    if marker == _YEN_YUAN:
        if default_currency in ("CNY", "JPY"):
            return default_currency
        return "CNY" if base_language(language) == "zh" else "JPY"
    return "CNY" if marker == "RMB" else marker


def _marker(token: str) -> str:
    for table in (_SYMBOLS, _ZH_WORDS):
        if token in table:
            return table[token]
    upper = token.upper()
    if upper in _SYMBOLS:
        return _SYMBOLS[upper]
    if upper in _CODES or upper == "RMB":
        return upper
    return _WORDS[token.lower()]


def _amount(text: str) -> Decimal | None:
    stripped = text.strip()
    scale = 1
    if stripped[-1:] in ("k", "K") and stripped[:-1].strip()[-1:].isdigit():
        stripped, scale = stripped[:-1], 1000
    value = parse_number(stripped)
    return None if value is None else Decimal(str(value)) * scale


def _from_match(m: re.Match[str], *, default_currency: str | None, language: str) -> Money | None:
    amount = _amount(m["amt1"] or m["amt2"])
    if amount is None:
        return None
    token = m["pre"] or m["zh"] or m["suf"]
    marker = _marker(token)
    if marker == _CENTS:
        amount /= 100
    if m["jiao"]:
        amount += Decimal(str(parse_number(m["jiao"]))) / 10
    return Money(
        amount=float(amount), currency=_resolve(marker, default_currency=default_currency, language=language)
    )


def parse_money(text: str, *, default_currency: str | None = None, language: str = "en") -> Money | None:
    """The money value ``text`` spells (``$50``, ``50 bucks``, ``EUR 20``, ``fifty dollars``, ``三块五``).

    A bare amount (``50``) gets ``default_currency`` (``None`` when not given).

    Args:
        text: The whole string to read.
        default_currency: ISO code for bare amounts and for ``$``-style markers (``CAD`` makes ``$5`` CAD).
        language: The skill language (decides ``¥``).
    """
    default = _check_currency(default_currency)
    stripped = text.strip()
    m = _MONEY.fullmatch(stripped)
    if m is not None:
        return _from_match(m, default_currency=default, language=language)
    value = parse_number(stripped)
    if value is None:
        return None
    return Money(amount=float(value), currency=default)


def find_money(text: str, *, default_currency: str | None = None, language: str = "en") -> list[Mention]:
    """Money mentions in ``text``; a mention needs a currency marker (a bare ``50`` is a number)."""
    default = _check_currency(default_currency)
    found: list[Mention] = []
    for m in _MONEY.finditer(text):
        value = _from_match(m, default_currency=default, language=language)
        if value is not None:
            found.append(Mention(m.start(), m.end(), value))
    return found
