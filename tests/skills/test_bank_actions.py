"""The bundled skills' demo actions: deterministic outcomes for every branch their flows take."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

import pytest
from skills_support import skill_path

from skills_core.dm import ActionRegistry, StateView
from skills_core.runtime.actions import load_actions

EN = load_actions(skill_path("bank_en"))
ZH = load_actions(skill_path("bank_zh"))


def view(session: str = "s1", turn: int = 3, **slots: Any) -> StateView:
    return StateView(
        session_id=session, turn=turn, slots=MappingProxyType(slots), active_flow=None, latest_parse=None
    )


def run(registry: ActionRegistry, name: str, **slots: Any) -> dict[str, Any]:
    result = registry.action(name)(view(**slots))
    return {} if result is None else result.slots


def re_full(pattern: str, text: str) -> bool:
    return re.fullmatch(pattern, text) is not None


def usd(amount: float) -> dict[str, Any]:
    return {"amount": amount, "currency": "USD"}


@pytest.mark.parametrize(
    ("recipient", "known"),
    [("Anna", True), ("  john   smith ", True), ("MY MOM", True), ("Carlos", False), (None, False)],
)
def test_lookup_payee(recipient: str | None, known: bool) -> None:
    assert run(EN, "lookup_payee", recipient=recipient) == {"payee_known": known}


@pytest.mark.parametrize(
    ("slots", "ok"),
    [
        ({"amount": usd(50), "recipient": "Anna", "from_account": "checking"}, True),
        ({"amount": usd(2450.10), "recipient": "Anna", "from_account": "checking"}, True),
        ({"amount": usd(2450.11), "recipient": "Anna", "from_account": "checking"}, False),
        ({"amount": usd(9000), "recipient": "Tom", "from_account": "savings"}, True),
        ({"amount": usd(20), "recipient": "Carlos", "from_account": "checking"}, False),
        ({"amount": usd(20), "recipient": "Carlos", "from_account": "checking", "iban": "DE89 3704"}, True),
        ({"amount": usd(20), "recipient": "Anna", "from_account": "credit"}, False),
    ],
)
def test_do_transfer(slots: dict[str, Any], ok: bool) -> None:
    out = run(EN, "do_transfer", **slots)
    assert out["transfer_ok"] is ok
    if ok:
        assert re_full(r"TR-\d{6}", out["transfer_reference"])
        assert run(EN, "do_transfer", **slots) == out  # the same request gives the same reference
    else:
        assert "transfer_reference" not in out


@pytest.mark.parametrize(
    ("account", "balance"), [("checking", "$2,450.10"), ("savings", "$10,000.00"), ("credit", "-$312.40")]
)
def test_check_balance(account: str, balance: str) -> None:
    assert run(EN, "check_balance", balance_account=account) == {"balance": balance}


def test_list_transactions_takes_the_first_n_of_the_account() -> None:
    out = run(EN, "list_transactions", history_account="savings", transaction_count=2)
    assert out == {"transactions": "Jun 1 - Interest - -$8.33; May 15 - Transfer from checking - -$500.00"}
    everything = run(EN, "list_transactions", history_account="credit", transaction_count=50)
    assert everything["transactions"].count(";") == 5


@pytest.mark.parametrize(("card", "blocked"), [("4821", True), ("0000", False)])
def test_block_card(card: str, blocked: bool) -> None:
    assert run(EN, "block_card", card_last4=card) == {"card_blocked": blocked}
    assert run(ZH, "block_card", card_last4=card) == {"card_blocked": blocked}


def test_references_have_their_documented_shapes() -> None:
    assert re_full(
        r"ACC-\d{4}-\d{4}", run(EN, "open_account", new_account="savings", email="a@b.c")["account_reference"]
    )
    slot = {"appointment_topic": "loan", "appointment_time": "2030-01-07T10:00:00"}
    assert re_full(r"APT-\d{4}", run(EN, "book_appointment", **slot)["appointment_reference"])
    dispute = {"dispute_amount": usd(45.99), "transaction_date": "2030-01-01", "card_last4": "4821"}
    assert re_full(r"DSP-\d{4}", run(EN, "open_dispute", **dispute)["dispute_reference"])
    assert re_full(r"HND-\d{4}", run(EN, "handoff_to_agent")["handoff_ticket"])
    assert re_full(r"RG\d{4}", run(ZH, "handoff_to_agent")["handoff_ticket"])
    assert run(EN, "order_replacement_card") == {} and run(EN, "save_contact_details", email="a@b.c") == {}


def iso(delta: timedelta, *, hour: int | None = 10) -> str:
    moment = datetime.now() + delta
    if hour is None:
        return moment.date().isoformat()
    return moment.replace(hour=hour, minute=0, second=0, microsecond=0).isoformat()


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ({"value": iso(timedelta(days=2)), "grain": "minute"}, True),
        (iso(timedelta(days=89)), True),
        (iso(timedelta(days=92)), False),
        ({"value": iso(timedelta(days=-1)), "grain": "minute"}, False),
        ({"value": iso(timedelta(0), hour=None), "grain": "day"}, True),  # a whole day: today is fine
        ({"value": iso(timedelta(days=-1), hour=None), "grain": "day"}, False),
        ({"start": iso(timedelta(days=3)), "end": iso(timedelta(days=4))}, True),
        ("next week-ish", False),
        (None, False),
    ],
)
def test_validate_future_time(value: object, ok: bool) -> None:
    assert EN.get_validator("validate_future_time")(value, view()) is ok


@pytest.mark.parametrize(
    ("when", "available"),
    [
        ({"value": "2030-01-07T10:00:00", "grain": "minute"}, True),  # a Monday morning
        ({"value": "2030-01-06T10:00:00", "grain": "minute"}, False),  # a Sunday
        ({"value": "2030-01-08T12:30:00", "grain": "minute"}, False),  # lunch
        ({"value": "2030-01-08T13:00:00", "grain": "minute"}, True),
        ({"value": "2030-01-08", "grain": "day"}, True),
        (None, False),
    ],
)
def test_check_availability(when: object, available: bool) -> None:
    assert run(EN, "check_availability", appointment_time=when) == {"slot_available": available}


@pytest.mark.parametrize(
    ("currency", "rate"),
    [
        ("EUR", "1 EUR = 1.08 USD"),
        ("JPY", "1 JPY = 0.0066 USD"),
        ("usd", "1 USD = 0.92 EUR"),
        ("XYZ", "no rate for XYZ"),
    ],
)
def test_get_exchange_rate(currency: str, rate: str) -> None:
    assert run(EN, "get_exchange_rate", currency=currency) == {"exchange_rate": rate}


@pytest.mark.parametrize(
    ("account", "balance"), [("活期", "¥12,450.00"), ("定期", "¥50,000.00"), ("信用卡", "-¥1,280.00")]
)
def test_chinese_check_balance(account: str, balance: str) -> None:
    assert run(ZH, "check_balance", balance_account=account) == {"balance": balance}


@pytest.mark.parametrize(
    ("amount", "account", "ok"),
    [(500, "活期", True), (12450.01, "活期", False), (20000, "定期", True), (1, "信用卡", False)],
)
def test_chinese_do_transfer(amount: float, account: str, ok: bool) -> None:
    out = run(
        ZH,
        "do_transfer",
        amount={"amount": amount, "currency": "CNY"},
        recipient="张伟",
        from_account=account,
    )
    assert out["transfer_ok"] is ok
    assert re_full(r"ZZ\d{11}", out["transfer_reference"]) if ok else "transfer_reference" not in out
