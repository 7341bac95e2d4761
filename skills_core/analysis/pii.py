"""Personal data in text: find it with character spans and types, or mask it.

Types: ``email``, ``phone``, ``card`` (13-19 digits, Luhn), ``iban`` (country length and mod-97),
``cn_id`` (Chinese resident ID: region, birth date, ISO 7064 MOD 11-2 check character). Numbers are
only reported when their checksum holds, so an order number is not a card. E-mail addresses and phone
numbers are found by the same finders as the NLU's built-in entities.

Overlaps are resolved by a fixed priority (email, iban, cn_id, card, phone), then by position: a
card or an ID is never also (part of) a phone number. Boundaries are ASCII, so a number written right
after Chinese text (``卡号4111111111111111``) is found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from datetime import date
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

from skills_core.errors import ConfigError
from skills_core.nlu.values.contacts import MIN_PHONE_DIGITS, find_emails, find_phones

PIIType = Literal["email", "phone", "card", "iban", "cn_id"]
PII_TYPES: tuple[PIIType, ...] = get_args(PIIType)
PRIORITY: tuple[PIIType, ...] = ("email", "iban", "cn_id", "card", "phone")
"""Which type wins when two candidate spans overlap (first wins)."""

MaskStyle = Literal["type", "stars"]


class PIISpan(BaseModel):
    """One piece of personal data: its type and character span (``text == source[start:end]``)."""

    model_config = ConfigDict(frozen=True)

    type: PIIType
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str


# Digits grouped by single spaces or dashes ("4111 1111 1111 1111", "4111-1111-...").
_DIGIT_RUN = re.compile(r"(?<![0-9A-Za-z])\d+(?:[ -]\d+)*(?![0-9A-Za-z])")
_GROUP = re.compile(r"\d+")
CARD_DIGITS = (13, 19)

_IBAN_START = re.compile(r"(?<![0-9A-Za-z])[A-Za-z]{2}\d{2}")
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
    "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
    "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
    "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
    "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}  # fmt: skip
"""Characters in an IBAN, per country (SWIFT IBAN registry)."""

_CN_ID = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}[01]\d[0-3]\d\d{3}[0-9Xx](?![0-9A-Za-z])")
_CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_ID_CHECK = "10X98765432"
# first two digits: provinces, autonomous regions, municipalities, Hong Kong/Macau/Taiwan residents
_CN_PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
    "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82", "83",
})  # fmt: skip


def luhn_ok(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check (payment cards)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_ok(iban: str) -> bool:
    """Whether ``iban`` (no spaces) has its country's length and a valid mod-97 check."""
    code = iban[:2].upper()
    if IBAN_LENGTHS.get(code) != len(iban) or not iban.isalnum() or not iban[2:4].isdigit():
        return False
    rearranged = (iban[4:] + iban[:4]).upper()
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def cn_id_ok(number: str, *, today: date | None = None) -> bool:
    """Whether ``number`` is a plausible Chinese resident ID: region, past birth date, check character."""
    if len(number) != 18 or not number[:17].isdigit() or number[:2] not in _CN_PROVINCES:
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if not date(1880, 1, 1) <= born <= (today or date.today()):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _CN_ID_WEIGHTS, strict=True))
    return _CN_ID_CHECK[total % 11] == number[17].upper()


def _cards(text: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    lo, hi = CARD_DIGITS
    for run in _DIGIT_RUN.finditer(text):
        # card numbers are printed in groups of 3 or more digits ("4111 1111 ...", "3782 822463 10005")
        matches = list(_GROUP.finditer(text, run.start(), run.end()))
        groups = [g.group() for g in matches]
        if sum(map(len, groups)) < lo:
            continue
        starts = [g.start() for g in matches]
        i = 0
        # left to right, the longest window of whole groups that is a valid card number
        while i < len(groups):
            best = None
            digits = ""
            for j in range(i, len(groups)):
                digits += groups[j]
                if len(groups[j]) < 3 or len(digits) > hi:
                    break
                if len(digits) >= lo and digits.strip("0") and luhn_ok(digits):
                    best = j
            if best is None:
                i += 1
                continue
            found.append((starts[i], starts[best] + len(groups[best])))
            i = best + 1
    return found


def _ibans(text: str) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for m in _IBAN_START.finditer(text):
        length = IBAN_LENGTHS.get(m.group()[:2].upper())
        if length is None:
            continue
        # read `length` alphanumerics from the start, allowing single spaces between them
        chars, pos, end = [], m.start(), len(text)
        while pos < end and len(chars) < length:
            ch = text[pos]
            if ch.isascii() and ch.isalnum():
                chars.append(ch)
            elif not (ch == " " and chars and pos + 1 < end and text[pos + 1] != " "):
                break
            pos += 1
        if len(chars) != length or (pos < end and text[pos].isascii() and text[pos].isalnum()):
            continue
        if iban_ok("".join(chars)):
            found.append((m.start(), pos))
    return found


def _cn_ids(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _CN_ID.finditer(text) if cn_id_ok(m.group())]


_FINDERS: dict[PIIType, Callable[[str], list[tuple[int, int]]]] = {
    "email": lambda text: [(m.start, m.end) for m in find_emails(text)],
    "iban": _ibans,
    "cn_id": _cn_ids,
    "card": _cards,
    "phone": lambda text: [(m.start, m.end) for m in find_phones(text)],
}

_MIN_DIGITS: dict[PIIType, int] = {
    "email": 0,
    "iban": 12,
    "cn_id": 17,
    "card": CARD_DIGITS[0],
    "phone": MIN_PHONE_DIGITS,
}
"""Fewest digits a text needs to hold a value of each type (Dutch IBANs have 12)."""


def _check_types(types: Collection[str] | None) -> tuple[PIIType, ...]:
    if types is None:
        return PRIORITY
    unknown = sorted(set(types) - set(PII_TYPES))
    if unknown:
        raise ConfigError(
            f"expected PII types among {', '.join(PII_TYPES)}; found {', '.join(map(repr, unknown))}. "
            "Fix: use only those names"
        )
    return tuple(t for t in PRIORITY if t in types)


class PIIDetector:
    """Finds and masks personal data of the chosen ``types`` (default: all). Stateless and thread-safe.

    Args:
        types: The PII types to look for (``PII_TYPES``).
        style: How ``mask`` replaces a span: ``type`` writes ``[EMAIL]``, ``[CARD]``...; ``stars``
            writes one ``*`` per character, keeping the text's length and layout.
    """

    def __init__(self, *, types: Collection[str] | None = None, style: MaskStyle = "type") -> None:
        if style not in get_args(MaskStyle):
            raise ConfigError(
                f"expected a mask style among {', '.join(get_args(MaskStyle))}; found {style!r}. "
                "Fix: use 'type' or 'stars'"
            )
        self.types = _check_types(types)
        self.style = style

    def find(self, text: str) -> list[PIISpan]:
        """Every PII span in ``text``, in text order, without overlaps."""
        # cheap gates: every type needs some digits (or an @), and most chat messages have none
        digits = sum(ch.isdigit() for ch in text)
        has_at = "@" in text
        taken: list[tuple[int, int, PIIType]] = []
        for kind in self.types:
            if digits < _MIN_DIGITS[kind] or (kind == "email" and not has_at):
                continue
            for start, end in _FINDERS[kind](text):
                if all(end <= s or start >= e for s, e, _ in taken):
                    taken.append((start, end, kind))
        taken.sort()
        return [PIISpan(type=kind, start=s, end=e, text=text[s:e]) for s, e, kind in taken]

    def mask(self, text: str) -> str:
        """``text`` with every PII span replaced (see ``style``)."""
        return self.apply(text, self.find(text))

    def apply(self, text: str, spans: Sequence[PIISpan]) -> str:
        """``text`` with ``spans`` (from :meth:`find`, in text order) replaced (see ``style``)."""
        if not spans:
            return text
        parts: list[str] = []
        last = 0
        for span in spans:
            parts.append(text[last : span.start])
            parts.append(f"[{span.type.upper()}]" if self.style == "type" else "*" * (span.end - span.start))
            last = span.end
        parts.append(text[last:])
        return "".join(parts)


_DEFAULT = PIIDetector()


def find_pii(text: str, *, types: Collection[str] | None = None) -> list[PIISpan]:
    """Every PII span of ``types`` (default: all) in ``text``, in text order, without overlaps."""
    return (_DEFAULT if types is None else PIIDetector(types=types)).find(text)


def mask(text: str, *, types: Collection[str] | None = None, style: MaskStyle = "type") -> str:
    """``text`` with its PII replaced: ``[EMAIL]``, ``[PHONE]``, ``[CARD]``, ``[IBAN]``, ``[CN_ID]``."""
    detector = _DEFAULT if types is None and style == "type" else PIIDetector(types=types, style=style)
    return detector.mask(text)
