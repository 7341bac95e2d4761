"""PII detection: checksums decide, spans are exact, overlaps resolve by priority, masking."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skills_core.analysis.pii import PII_TYPES, PIIDetector, cn_id_ok, find_pii, iban_ok, luhn_ok, mask
from skills_core.errors import ConfigError


def _found(text: str) -> list[tuple[str, str]]:
    spans = find_pii(text)
    for span in spans:
        assert text[span.start : span.end] == span.text
    return [(s.type, s.text) for s in spans]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # payment cards: 13-19 digits, spaces or dashes, Luhn
        ("card 4111 1111 1111 1111 please", [("card", "4111 1111 1111 1111")]),
        ("card 4111-1111-1111-1111.", [("card", "4111-1111-1111-1111")]),
        ("amex 378282246310005", [("card", "378282246310005")]),
        ("visa 4222222222222 ok", [("card", "4222222222222")]),
        ("卡号4111111111111111，谢谢", [("card", "4111111111111111")]),
        (
            "2 cards: 5500000000000004 and 6011 1111 1111 1117",
            [("card", "5500000000000004"), ("card", "6011 1111 1111 1117")],
        ),
        ("pay 20 4111 1111 1111 1111", [("card", "4111 1111 1111 1111")]),
        ("card 4111 1111 1111 1112", []),
        ("order 1234567890123456", []),
        ("1234 5678 9012 3456", []),
        ("x4111111111111111", []),
        # IBANs: country length and mod-97
        ("IBAN DE89 3704 0044 0532 0130 00 please", [("iban", "DE89 3704 0044 0532 0130 00")]),
        ("to GB82WEST12345698765432.", [("iban", "GB82WEST12345698765432")]),
        ("FR14 2004 1010 0505 0001 3M02 606", [("iban", "FR14 2004 1010 0505 0001 3M02 606")]),
        ("nl91abna0417164300", [("iban", "nl91abna0417164300")]),
        ("DE89370400440532013001", []),
        ("DE8937040044053201300", []),
        ("XX89370400440532013000", []),
        ("DE89370400440532013000X", []),
        # Chinese resident IDs: region, birth date, MOD 11-2 check character
        ("身份证11010519491231002X", [("cn_id", "11010519491231002X")]),
        ("id 11010519491231002x.", [("cn_id", "11010519491231002x")]),
        ("510107200002294564", [("cn_id", "510107200002294564")]),
        ("110105194912310021", []),
        ("110105190002291239", []),
        # not an ID (no such province), but 18 digits that pass Luhn: a card
        ("990105194912310023", [("card", "990105194912310023")]),
        # e-mail and phone; phones never swallow cards or IDs
        ("mail bob.smith+x@example.co.uk now", [("email", "bob.smith+x@example.co.uk")]),
        ("邮箱bob@example.com", [("email", "bob@example.com")]),
        ("call +1 (415) 555-0123", [("phone", "+1 (415) 555-0123")]),
        ("电话13812345678", [("phone", "13812345678")]),
        ("4111111111111111 13812345678", [("card", "4111111111111111"), ("phone", "13812345678")]),
        ("4111111111111111@example.com", [("email", "4111111111111111@example.com")]),
        ("on 2024-03-05 I paid 50.25", []),
        ("transfer 50 dollars to Anna", []),
        ("", []),
    ],
)
def test_find(text: str, expected: list[tuple[str, str]]) -> None:
    assert _found(text) == expected


def test_everything_in_one_text() -> None:
    text = "卡 4111 1111 1111 1111, mail a@b.io, IBAN GB82WEST12345698765432, ID 11010519491231002X, tel 13812345678"
    assert [t for t, _ in _found(text)] == ["card", "email", "iban", "cn_id", "phone"]
    assert mask(text) == "卡 [CARD], mail [EMAIL], IBAN [IBAN], ID [CN_ID], tel [PHONE]"


@pytest.mark.parametrize(
    ("digits", "ok"),
    [("79927398713", True), ("4111111111111111", True), ("4111111111111112", False), ("0", True)],
)
def test_luhn(digits: str, ok: bool) -> None:
    assert luhn_ok(digits) is ok


@pytest.mark.parametrize(
    ("iban", "ok"),
    [
        ("DE89370400440532013000", True),
        ("NO9386011117947", True),
        ("DE89370400440532013001", False),
        ("DE8937040044053201300", False),
        ("DEXX370400440532013000", False),
        ("ZZ89370400440532013000", False),
    ],
)
def test_iban(iban: str, ok: bool) -> None:
    assert iban_ok(iban) is ok


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("11010519491231002X", True),
        ("440306199003071232", True),
        ("440306199003071233", False),  # check digit
        ("110105190002291239", False),  # 1900-02-29 does not exist
        ("110105209912311232", False),  # born in the future
        ("990105194912310023", False),  # no such province
        ("11010519491231002", False),
    ],
)
def test_cn_id(number: str, ok: bool) -> None:
    assert cn_id_ok(number, today=date(2025, 1, 1)) is ok


def test_all_zeros_is_no_card() -> None:
    assert PIIDetector(types=["card"]).find("0000 0000 0000 0000") == []


def test_mask_styles_and_types() -> None:
    text = "mail bob@example.com or call 13812345678"
    assert mask(text) == "mail [EMAIL] or call [PHONE]"
    assert mask(text, style="stars") == "mail *************** or call ***********"
    assert mask(text, types=["phone"]) == "mail bob@example.com or call [PHONE]"
    assert PIIDetector(types={"email"}).find(text)[0].type == "email"
    assert mask("nothing to hide") == "nothing to hide"


@pytest.mark.parametrize(
    ("kwargs", "phrase"), [({"types": ["email", "ssn"]}, "'ssn'"), ({"style": "hash"}, "'hash'")]
)
def test_bad_options(kwargs: dict[str, object], phrase: str) -> None:
    with pytest.raises(ConfigError, match=phrase):
        PIIDetector(**kwargs)  # type: ignore[arg-type]


_PIECES = st.sampled_from(
    [
        "4111 1111 1111 1111",
        "a@b.io",
        "13812345678",
        "DE89370400440532013000",
        "11010519491231002X",
        "12",
        "-",
        " ",
        "卡",
        "x",
    ]
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_PIECES, max_size=8).map("".join))
def test_spans_are_exact_sorted_and_disjoint(text: str) -> None:
    spans = find_pii(text)
    assert all(text[s.start : s.end] == s.text and s.type in PII_TYPES for s in spans)
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))
    masked = mask(text, style="stars")
    assert len(masked) == len(text)
    assert all(masked[s.start : s.end] == "*" * len(s.text) for s in spans)
