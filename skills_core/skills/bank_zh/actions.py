"""Python actions of the ``bank_zh`` demo skill (contracts in ACTIONS.md).

Deterministic demo behaviour with no bank behind it: fixed balances, and references derived from the
session and the request, so conversation tests can target every branch.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from skills_core.dm.actions import ActionRegistry, ActionResult, StateView

registry = ActionRegistry()

BALANCES = {"活期": 12450.00, "定期": 50000.00, "信用卡": -1280.00}
UNBLOCKABLE_CARD = "0000"


def yuan_text(amount: float) -> str:
    """Yuan as the responses show them: ``¥12,450.00``, ``-¥1,280.00``."""
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,.2f}"


def stable_digits(*parts: object, digits: int = 4) -> str:
    """``digits`` decimal digits derived from ``parts`` (the same parts always give the same digits)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**digits:0{digits}d}"


def amount_of(value: Any) -> float | None:
    """The number in a money slot (``{"amount": 500.0, "currency": "CNY"}``) or a plain number."""
    if isinstance(value, Mapping):
        value = value.get("amount")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@registry.register("check_balance")
def check_balance(state: StateView) -> ActionResult:
    """``balance``: the demo balance of the account, formatted."""
    return ActionResult(
        slots={"balance": yuan_text(BALANCES.get(state.slot("balance_account", "活期"), 0.0))}
    )


@registry.register("do_transfer")
def do_transfer(state: StateView) -> ActionResult:
    """Refuse amounts above the account's balance; otherwise send and give a reference."""
    amount = amount_of(state.slot("amount"))
    account = state.slot("from_account", "活期")
    if amount is None or not 0 < amount <= BALANCES.get(account, 0.0):
        return ActionResult(slots={"transfer_ok": False})
    ref = "ZZ" + stable_digits(state.session_id, state.slot("recipient"), amount, account, digits=11)
    return ActionResult(slots={"transfer_ok": True, "transfer_reference": ref})


@registry.register("block_card")
def block_card(state: StateView) -> ActionResult:
    """``card_blocked``: false for the demo card ending 0000, true otherwise."""
    return ActionResult(slots={"card_blocked": str(state.slot("card_last4", "")).strip() != UNBLOCKABLE_CARD})


@registry.register("handoff_to_agent")
def handoff_to_agent(state: StateView) -> ActionResult:
    """``handoff_ticket``, e.g. ``RG0007`` (a real deployment would open a contact-centre ticket)."""
    return ActionResult(slots={"handoff_ticket": "RG" + stable_digits(state.session_id, state.turn)})
