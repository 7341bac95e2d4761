"""Actions of the tiny test skill."""

from skills_core.dm.actions import ActionRegistry, ActionResult, StateView

registry = ActionRegistry()


@registry.register("do_transfer")
def do_transfer(state: StateView) -> ActionResult:
    return ActionResult(slots={"transfer_id": f"T-{state.turn}"})
