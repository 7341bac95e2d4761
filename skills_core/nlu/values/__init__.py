"""Value parsers and finders for the built-in entity types: number, money, datetime, email, phone.

``parse_*`` read a whole string; ``find_*`` locate mentions in free text with character offsets
(``text[start:end]`` is always the mention); ``normalise`` gives the value of a span of a declared
entity. All are pure functions of their arguments (``now`` defaults to the current local time).
"""

from skills_core.nlu.values.builtin import (
    BUILTIN_KINDS,
    BuiltinKind,
    find_builtin,
    find_builtins,
    lookup_key,
    normalise,
    parse_builtin,
    synonym_table,
    typed_value,
)
from skills_core.nlu.values.common import Mention
from skills_core.nlu.values.contacts import find_emails, find_phones, parse_email, parse_phone
from skills_core.nlu.values.dates import find_datetimes, parse_datetime, warm_up
from skills_core.nlu.values.moments import DateValue, Grain
from skills_core.nlu.values.money import Money, find_money, parse_money
from skills_core.nlu.values.numbers import find_numbers, parse_number

__all__ = [
    "BUILTIN_KINDS",
    "BuiltinKind",
    "DateValue",
    "Grain",
    "Mention",
    "Money",
    "find_builtin",
    "find_builtins",
    "find_datetimes",
    "find_emails",
    "find_money",
    "find_numbers",
    "find_phones",
    "lookup_key",
    "normalise",
    "parse_builtin",
    "parse_datetime",
    "parse_email",
    "parse_money",
    "parse_number",
    "parse_phone",
    "synonym_table",
    "typed_value",
    "warm_up",
]
