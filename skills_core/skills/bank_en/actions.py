"""Python actions of the ``bank_en`` demo skill (contracts in ACTIONS.md).

Deterministic demo behaviour with no bank behind it: fixed balances, payees and transactions, and
references derived from the session and the request, so conversation tests can target every branch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from skills_core.dm.actions import ActionRegistry, ActionResult, StateView

registry = ActionRegistry()

SAVED_PAYEES = frozenset(
    {"anna", "john", "john smith", "maria", "emma", "peter", "tom", "my mom", "my landlord"}
)
BALANCES = {"checking": 2450.10, "savings": 10000.00, "credit": -312.40}
RATES_TO_USD = {"EUR": 1.08, "GBP": 1.27, "JPY": 0.0066, "CHF": 1.12}
USD_TO_EUR = 0.92
BOOKING_HORIZON = timedelta(days=90)
UNBLOCKABLE_CARD = "0000"

TRANSACTIONS: dict[str, list[tuple[str, str, float]]] = {
    "checking": [
        ("Jun 2", "Coffee Corner", 4.50),
        ("Jun 1", "City Supermarket", 62.18),
        ("May 31", "Salary - Acme Ltd", -3200.00),
        ("May 30", "Metro Card Top-up", 25.00),
        ("May 29", "Rent - Oak Street", 1100.00),
        ("May 28", "Pharmacy Plus", 12.40),
        ("May 27", "Cinema Star", 18.00),
        ("May 26", "Book Nook", 23.99),
        ("May 25", "Petrol Station", 48.75),
        ("May 24", "Gym Membership", 35.00),
        ("May 23", "Bakery Bros", 6.20),
        ("May 22", "Electricity Co", 74.30),
    ],
    "savings": [
        ("Jun 1", "Interest", -8.33),
        ("May 15", "Transfer from checking", -500.00),
        ("May 1", "Interest", -8.12),
        ("Apr 15", "Transfer from checking", -500.00),
        ("Apr 1", "Interest", -7.90),
        ("Mar 15", "Transfer to checking", 250.00),
        ("Mar 1", "Interest", -7.85),
    ],
    "credit": [
        ("Jun 2", "Online Store", 89.99),
        ("Jun 1", "Airline Tickets", 220.00),
        ("May 30", "Restaurant Roma", 54.60),
        ("May 28", "Payment - thank you", -150.00),
        ("May 26", "Streaming Service", 12.99),
        ("May 25", "Hotel Lakeside", 84.82),
    ],
}


def money_text(amount: float) -> str:
    """Dollars as the responses show them: ``$2,450.10``, ``-$312.40``."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def stable_digits(*parts: object, digits: int = 4) -> str:
    """``digits`` decimal digits derived from ``parts`` (the same parts always give the same digits)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**digits:0{digits}d}"


def reference(prefix: str, *parts: object, digits: int = 4) -> str:
    """A stable reference such as ``TR-000123``: the same request in the same session gives the same one."""
    return f"{prefix}-{stable_digits(*parts, digits=digits)}"


def amount_of(value: Any) -> float | None:
    """The number in a money slot (``{"amount": 50.0, "currency": ...}``) or a plain number."""
    if isinstance(value, Mapping):
        value = value.get("amount")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def moment_of(value: Any) -> tuple[datetime, bool] | None:
    """A datetime slot value as ``(moment, has_time)``.

    Accepts an ISO 8601 string, the NLU's ``{"value": iso, "grain": ...}`` and a range
    ``{"start": ..., "end": ...}`` (its start). ``has_time`` is false for a whole day.
    """
    if isinstance(value, Mapping):
        inner = value.get("value", value.get("start"))
        return None if inner is None else moment_of(inner)
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment, "T" in value


def _now_like(moment: datetime) -> datetime:
    return datetime.now(moment.tzinfo) if moment.tzinfo is not None else datetime.now()


def is_saved_payee(name: object) -> bool:
    return isinstance(name, str) and " ".join(name.casefold().split()) in SAVED_PAYEES


@registry.register("lookup_payee")
def lookup_payee(state: StateView) -> ActionResult:
    """``payee_known``: whether the recipient is one of the saved payees."""
    return ActionResult(slots={"payee_known": is_saved_payee(state.slot("recipient"))})


@registry.register("do_transfer")
def do_transfer(state: StateView) -> ActionResult:
    """Refuse amounts above the account's balance and unknown payees without an IBAN; else send."""
    amount = amount_of(state.slot("amount"))
    account = state.slot("from_account", "checking")
    recipient = state.slot("recipient")
    covered = amount is not None and 0 < amount <= BALANCES.get(account, 0.0)
    reachable = is_saved_payee(recipient) or bool(state.slot("iban"))
    if not (covered and reachable):
        return ActionResult(slots={"transfer_ok": False})
    ref = reference("TR", state.session_id, recipient, amount, account, digits=6)
    return ActionResult(slots={"transfer_ok": True, "transfer_reference": ref})


@registry.register("check_balance")
def check_balance(state: StateView) -> ActionResult:
    """``balance``: the demo balance of the account, formatted."""
    return ActionResult(
        slots={"balance": money_text(BALANCES.get(state.slot("balance_account", "checking"), 0.0))}
    )


@registry.register("list_transactions")
def list_transactions(state: StateView) -> ActionResult:
    """``transactions``: the first ``transaction_count`` demo transactions, one per ``; ``-joined line."""
    count = state.slot("transaction_count", 5)
    rows = TRANSACTIONS.get(state.slot("history_account", "checking"), [])[: max(int(count), 0)]
    lines = [f"{day} - {what} - {money_text(amount)}" for day, what, amount in rows]
    return ActionResult(slots={"transactions": "; ".join(lines) if lines else "no transactions"})


@registry.register("block_card")
def block_card(state: StateView) -> ActionResult:
    """``card_blocked``: false for the demo card ending 0000, true otherwise."""
    return ActionResult(slots={"card_blocked": str(state.slot("card_last4", "")).strip() != UNBLOCKABLE_CARD})


@registry.register("order_replacement_card")
def order_replacement_card(state: StateView) -> ActionResult:
    """Always succeeds (a real deployment would call the card service)."""
    return ActionResult()


@registry.register("open_account")
def open_account(state: StateView) -> ActionResult:
    """``account_reference`` for the new account, e.g. ``ACC-4821-0093``."""
    branch = stable_digits(state.session_id, state.slot("new_account"))
    number = stable_digits(state.session_id, state.slot("email"), state.slot("new_account"))
    return ActionResult(slots={"account_reference": f"ACC-{branch}-{number}"})


@registry.register("save_contact_details")
def save_contact_details(state: StateView) -> ActionResult:
    """Always succeeds (a real deployment would update the customer record)."""
    return ActionResult()


@registry.validator("validate_future_time")
def validate_future_time(value: object, state: StateView) -> bool:
    """True when the time is in the future (a whole day: today or later) and within 90 days."""
    parsed = moment_of(value)
    if parsed is None:
        return False
    moment, has_time = parsed
    now = _now_like(moment)
    if has_time:
        return now < moment <= now + BOOKING_HORIZON
    return now.date() <= moment.date() <= (now + BOOKING_HORIZON).date()


@registry.register("check_availability")
def check_availability(state: StateView) -> ActionResult:
    """``slot_available``: false on Sundays and over lunch (12:00-13:00), true otherwise."""
    parsed = moment_of(state.slot("appointment_time"))
    if parsed is None:
        return ActionResult(slots={"slot_available": False})
    moment, has_time = parsed
    lunch = has_time and moment.hour == 12
    return ActionResult(slots={"slot_available": moment.weekday() != 6 and not lunch})


@registry.register("book_appointment")
def book_appointment(state: StateView) -> ActionResult:
    """``appointment_reference``, e.g. ``APT-1042``."""
    ref = reference("APT", state.session_id, state.slot("appointment_topic"), state.slot("appointment_time"))
    return ActionResult(slots={"appointment_reference": ref})


@registry.register("open_dispute")
def open_dispute(state: StateView) -> ActionResult:
    """``dispute_reference``, e.g. ``DSP-2093`` (the flow escalates large disputes itself)."""
    ref = reference(
        "DSP",
        state.session_id,
        amount_of(state.slot("dispute_amount")),
        state.slot("transaction_date"),
        state.slot("card_last4"),
    )
    return ActionResult(slots={"dispute_reference": ref})


@registry.register("get_exchange_rate")
def get_exchange_rate(state: StateView) -> ActionResult:
    """``exchange_rate``: a fixed demo rate against USD, e.g. ``1 EUR = 1.08 USD``."""
    currency = str(state.slot("currency", "EUR")).upper()
    if currency == "USD":
        return ActionResult(slots={"exchange_rate": f"1 USD = {USD_TO_EUR:.2f} EUR"})
    rate = RATES_TO_USD.get(currency)
    if rate is None:
        return ActionResult(slots={"exchange_rate": f"no rate for {currency}"})
    shown = f"{rate:.4f}" if rate < 0.1 else f"{rate:.2f}"
    return ActionResult(slots={"exchange_rate": f"1 {currency} = {shown} USD"})


@registry.register("handoff_to_agent")
def handoff_to_agent(state: StateView) -> ActionResult:
    """``handoff_ticket``, e.g. ``HND-0007`` (a real deployment would open a contact-centre ticket)."""
    return ActionResult(slots={"handoff_ticket": reference("HND", state.session_id, state.turn)})
