"""E-mail addresses and phone numbers: validators, normalisers and finders.

Boundaries are ASCII-only, so an address right after Chinese text (``邮箱是bob@example.com``) is found.
"""

from __future__ import annotations

import re

from skills_core.nlu.values.common import Mention

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_EMAIL = rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,24}}"
_EMAIL_FULL = re.compile(_EMAIL)
_EMAIL_FIND = re.compile(rf"(?<![A-Za-z0-9.!#$%&'*+/=?^_`{{|}}~-]){_EMAIL}(?![A-Za-z0-9-]|\.[A-Za-z0-9])")

# Groups of digits separated by one space, dot or dash, after an optional +country code and (area code).
# Every repeated group needs its separator, so the pattern cannot backtrack exponentially.
_PHONE = r"(?:\+\s?\d{1,4}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{1,15}(?:[ .-]\d{1,15}){0,6}"
_PHONE_FULL = re.compile(_PHONE)
_PHONE_FIND = re.compile(rf"(?<![A-Za-z0-9_.,/:+$€£¥-]){_PHONE}(?![A-Za-z0-9_/:]|[.,-]\d)")
_DATE_LIKE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")
_DECIMAL_LIKE = re.compile(r"\d+\.\d+")
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15  # E.164


def parse_email(text: str) -> str | None:
    """``text`` as an e-mail address with a lower-cased domain, or ``None`` when it is not one."""
    stripped = text.strip().strip("<>")
    if not _EMAIL_FULL.fullmatch(stripped) or ".." in stripped:
        return None
    local, _, domain = stripped.rpartition("@")
    return f"{local}@{domain.lower()}"


def parse_phone(text: str) -> str | None:
    """``text`` as a phone number: its digits, with a leading ``+`` when an international prefix was given.

    ``+1 (415) 555-0123`` -> ``+14155550123``; ``0044 20 7946 0018`` -> ``+442079460018``;
    ``555 0123`` -> ``None`` (fewer than 7 digits). Dates and decimals are not phone numbers.
    """
    stripped = text.strip()
    if (
        not _PHONE_FULL.fullmatch(stripped)
        or _DATE_LIKE.fullmatch(stripped)
        or _DECIMAL_LIKE.fullmatch(stripped)
    ):
        return None
    digits = re.sub(r"\D", "", stripped)
    international = stripped.startswith("+")
    if not international and digits.startswith("00") and len(digits) > 2 + MIN_PHONE_DIGITS:
        digits, international = digits[2:], True
    if not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
        return None
    return f"+{digits}" if international else digits


def _plausible_groups(text: str) -> bool:
    # "2 3 4 5 6 7 8" is a list of numbers, not a phone number: after the first group, every
    # space-separated group needs at least two digits.
    groups = re.split(r"[ .-]", text.lstrip("+ "))
    return all(len(re.sub(r"\D", "", g)) >= 2 for g in groups[1:])


def find_emails(text: str) -> list[Mention]:
    """E-mail address mentions in ``text``."""
    found: list[Mention] = []
    for m in _EMAIL_FIND.finditer(text):
        value = parse_email(m.group())
        if value is not None:
            found.append(Mention(m.start(), m.end(), value))
    return found


def find_phones(text: str) -> list[Mention]:
    """Phone number mentions in ``text`` (7 to 15 digits)."""
    found: list[Mention] = []
    for m in _PHONE_FIND.finditer(text):
        raw = m.group()
        value = parse_phone(raw) if _plausible_groups(raw) else None
        if value is not None:
            found.append(Mention(m.start(), m.end(), value))
    return found
