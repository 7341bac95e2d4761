"""Actions of the faulty test skill: one works, one raises, one hangs (the DM's timeout abandons it)."""

import threading

from skills_core.dm.actions import ActionRegistry, ActionResult, StateView

registry = ActionRegistry()
HANG_S = 30.0
_never = threading.Event()


@registry.register("fetch_balance")
def fetch_balance(state: StateView) -> ActionResult:
    return ActionResult(slots={"balance": "100.00 EUR"})


@registry.register("order_statement")
def order_statement(state: StateView) -> ActionResult:
    raise RuntimeError("the statement service is down")


@registry.register("open_fraud_case")
def open_fraud_case(state: StateView) -> ActionResult:
    _never.wait(HANG_S)  # hangs; the step's timeout_s (1 s) gives up on it long before
    return ActionResult(slots={"case_id": "C-1"})
