"""Numbers in text: digits with separators, English number words and Chinese numerals.

``parse_number`` reads a whole string; ``find_numbers`` locates number mentions in free text.
Integral values come back as ``int``; a decimal written without a multiplier (``2.50``) as ``float``.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from skills_core.nlu.values.common import Mention, base_language

_EN_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9,
}  # fmt: skip
_EN_TEENS = {
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_EN_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
_EN_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9}
_EN_MULTIPLIERS = {"hundred", "dozen", *_EN_SCALES}
_EN_WORD = "|".join(sorted([*_EN_UNITS, *_EN_TEENS, *_EN_TENS, *_EN_MULTIPLIERS], key=lambda w: (-len(w), w)))

# "one" is a pronoun after these words ("the one I ordered", "no one"), not a quantity.
_ONE_AS_PRONOUN = {
    "the", "this", "that", "which", "no", "any", "every", "each", "another", "other", "last", "first",
    "next", "only", "same", "right", "wrong", "new", "old", "big", "small", "little",
}  # fmt: skip

_ZH_DIGITS = dict(zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
_ZH_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG_UNITS = {"万": 10**4, "亿": 10**8}
ZH_NUMERAL = "[零〇一二两三四五六七八九十百千万亿]"
# Chinese measure words: a lone numeral character is a number only when one of these follows
# ("三张票"), because single characters like 一 are parts of countless words (一起, 一下, 统一).
_ZH_CLASSIFIER = (
    "个|位|张|件|本|次|块|元|天|年|月|日|号|岁|人|间|台|辆|份|杯|瓶|只|条|双|套|箱|斤|公斤|公里|米|"
    "分钟|小时|周|星期|层|晚|夜|袋|盒|包|片|口|家|种|笔|单|趟|班|站|倍|成|折"
)

DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
"""Digits with optional thousands separators and a decimal part (no sign, no boundaries)."""

_SCALE_SUFFIX = r"(?:\s?[万亿千百]|\s+(?:thousand|million|billion)\b)"
AMOUNT_DIGITS = rf"{DIGITS}{_SCALE_SUFFIX}?"
"""Digits optionally followed by a scale (``3万``, ``5 million``)."""

_A_BEFORE_MULTIPLIER = r"(?:an?\s+(?=(?:hundred|thousand|million|billion|dozen)\b))"
# Runs are bounded (no number needs more words or characters) so that long junk input stays linear.
EN_WORDS = rf"(?:{_A_BEFORE_MULTIPLIER}?(?:{_EN_WORD})(?:(?:\s+and\s+|\s*-\s*|\s+)(?:{_EN_WORD})){{0,15}})"
"""A run of English number words (validated by the parser, not by the pattern)."""

ZH_WORDS = rf"(?<!{ZH_NUMERAL})(?:[零〇一二两三四五六七八九十]{ZH_NUMERAL}{{0,15}})"
"""A run of Chinese numerals starting with a digit or 十 (so 千万 "by all means" is not a number)."""

_ASCII_BEFORE = r"(?<![A-Za-z0-9_.,])"
_ASCII_AFTER = r"(?![A-Za-z0-9_]|[.,]\d)"
_DIGITS_FIND = re.compile(rf"{_ASCII_BEFORE}(?:(?<![^\s(\[])-)?{AMOUNT_DIGITS}{_ASCII_AFTER}", re.IGNORECASE)
_EN_FIND = re.compile(rf"(?<![A-Za-z0-9_-]){EN_WORDS}(?![A-Za-z0-9_-])", re.IGNORECASE)
_ZH_FIND = re.compile(rf"{ZH_WORDS}(?P<after>{_ZH_CLASSIFIER})?")
_DIGITS_FULL = re.compile(
    rf"(?P<sign>[-+])?\s*(?P<num>{DIGITS})\s*(?P<scale>[万亿千百]|thousand|million|billion)?", re.IGNORECASE
)
_ZH_FULL = re.compile(rf"{ZH_WORDS}(?:点[零〇一二三四五六七八九]+)?")
_MAX_NUMBER_WORDS = 16
_TOKEN = re.compile(r"[A-Za-z]+")
_LAST_WORD = re.compile(r"([A-Za-z]+)[^A-Za-z]*$")
_SCALE_WORDS = {"万": 10**4, "亿": 10**8, "千": 1000, "百": 100, **_EN_SCALES}


def _as_number(value: Decimal, *, keep_float: bool) -> int | float:
    if value == value.to_integral_value() and not keep_float:
        return int(value)
    return float(value)


def _parse_digits(text: str) -> int | float | None:
    m = _DIGITS_FULL.fullmatch(text)
    if m is None:
        return None
    try:
        value = Decimal(m["num"].replace(",", ""))
    except InvalidOperation:
        return None
    scale = m["scale"]
    if scale:
        value *= _SCALE_WORDS[scale.lower()]
    if m["sign"] == "-":
        value = -value
    return _as_number(value, keep_float="." in m["num"] and not scale)


def _parse_en_words(words: list[str]) -> int | None:
    """Validate and evaluate English number words; ``None`` when they do not form one number."""
    total = current = 0
    last = ""  # kind of the previous word: unit, teen, tens, hundred, scale, dozen, a, and
    scales_seen: list[int] = []
    for i, word in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word in ("a", "an"):
            if i != 0 or nxt not in _EN_MULTIPLIERS:
                return None
            current, last = 1, "a"
        elif word == "and":
            if last not in ("hundred", "scale") or not nxt or nxt in _EN_MULTIPLIERS:
                return None
            last = "and"
        elif word in _EN_UNITS:
            if last not in ("", "hundred", "scale", "tens", "and"):
                return None
            current, last = current + _EN_UNITS[word], "unit"
        elif word in _EN_TEENS:
            if last not in ("", "hundred", "scale", "and"):
                return None
            current, last = current + _EN_TEENS[word], "teen"
        elif word in _EN_TENS:
            if last not in ("", "hundred", "scale", "and"):
                return None
            current, last = current + _EN_TENS[word], "tens"
        elif word == "hundred":
            if last not in ("", "a", "unit", "teen", "tens") or current >= 100:
                return None
            current, last = (current or 1) * 100, "hundred"
        elif word == "dozen":
            if last not in ("", "a", "unit", "teen", "tens") or nxt:
                return None
            current, last = (current or 1) * 12, "dozen"
        elif word in _EN_SCALES:
            scale = _EN_SCALES[word]
            if last not in ("", "a", "unit", "teen", "tens", "hundred") or any(
                s <= scale for s in scales_seen
            ):
                return None
            total += (current or 1) * scale
            current, last = 0, "scale"
            scales_seen.append(scale)
        else:
            return None
    if last in ("and", "a"):
        return None
    return total + current


def _zh_integer(text: str) -> int | None:
    if not text:
        return None
    if not any(ch in _ZH_SMALL_UNITS or ch in _ZH_BIG_UNITS for ch in text):
        # Digit-by-digit reading: 二〇二四 -> 2024.
        if any(ch not in _ZH_DIGITS for ch in text):
            return None
        return int("".join(str(_ZH_DIGITS[ch]) for ch in text))
    total = section = number = 0
    for ch in text:
        if ch in _ZH_DIGITS:
            number = _ZH_DIGITS[ch]
        elif ch in _ZH_SMALL_UNITS:
            section += (number or 1) * _ZH_SMALL_UNITS[ch]
            number = 0
        elif ch == "万":
            total += (section + number) * _ZH_BIG_UNITS[ch]
            section = number = 0
        elif ch == "亿":  # scales everything read so far: 一万亿 = 10**12
            total = (total + section + number) * _ZH_BIG_UNITS[ch]
            section = number = 0
        else:
            return None
    return total + section + number


def _parse_zh(text: str) -> int | float | None:
    integer, dot, fraction = text.partition("点")
    whole = _zh_integer(integer)
    if whole is None:
        return None
    if not dot:
        return whole
    digits = "".join(str(_ZH_DIGITS[ch]) for ch in fraction if ch in _ZH_DIGITS)
    if len(digits) != len(fraction) or not digits:
        return None
    return float(Decimal(f"{whole}.{digits}"))


def parse_number(text: str) -> int | float | None:
    """The number ``text`` spells, or ``None``.

    Accepts digits (``1,250.5``, ``-3``, ``3万``, ``2.5 million``), English words
    (``two hundred and five``, ``a dozen``) and Chinese numerals (``三百二十``, ``两千``, ``三点五``).
    """
    stripped = text.strip()
    if not stripped:
        return None
    value = _parse_digits(stripped)
    if value is not None:
        return value
    if _ZH_FULL.fullmatch(stripped):
        return _parse_zh(stripped)
    words = [w.lower() for w in re.split(r"[\s-]+", stripped) if w]
    if all(_TOKEN.fullmatch(w) for w in words):
        return _parse_en_words(words)
    return None


def _en_mentions(text: str) -> list[Mention]:
    found: list[Mention] = []
    for run in _EN_FIND.finditer(text):
        tokens = [
            (m.start() + run.start(), m.end() + run.start(), m.group().lower())
            for m in _TOKEN.finditer(run.group())
        ]
        i = 0
        while i < len(tokens):
            # Longest prefix from i that reads as one number; otherwise skip the word.
            for j in range(min(len(tokens), i + _MAX_NUMBER_WORDS), i, -1):
                value = _parse_en_words([t[2] for t in tokens[i:j]])
                if value is not None:
                    start, end = tokens[i][0], tokens[j - 1][1]
                    if not (
                        j - i == 1
                        and tokens[i][2] == "one"
                        and _previous_word(text, start) in _ONE_AS_PRONOUN
                    ):
                        found.append(Mention(start, end, value))
                    i = j
                    break
            else:
                i += 1
    return found


def _previous_word(text: str, start: int) -> str:
    m = _LAST_WORD.search(text, max(0, start - 40), start)
    return m.group(1).lower() if m else ""


def find_numbers(text: str, *, language: str = "en") -> list[Mention]:
    """Number mentions in ``text`` with character offsets.

    Args:
        text: Free text.
        language: The skill language; English number words are read for English only, digits and
            Chinese numerals always.
    """
    found = [
        Mention(m.start(), m.end(), value)
        for m in _DIGITS_FIND.finditer(text)
        if (value := _parse_digits(m.group())) is not None
    ]
    for m in _ZH_FIND.finditer(text):
        numeral = m.group()[: len(m.group()) - len(m["after"] or "")]
        if (len(numeral) == 1 and not m["after"]) or numeral == "一一":
            continue
        value = _parse_zh(numeral)
        if value is not None:
            found.append(Mention(m.start(), m.start() + len(numeral), value))
    if base_language(language) == "en":
        found.extend(_en_mentions(text))
    return sorted(found, key=lambda x: (x.start, x.end))
