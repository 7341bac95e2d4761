"""Actions: plain Python functions registered by name, run with a timeout on a read-only state view.

::

    actions = ActionRegistry()

    @actions.register("fetch_balance")
    def fetch_balance(state: StateView) -> ActionResult:
        return ActionResult(slots={"balance": {"amount": 120.5, "currency": "USD"}})

    @actions.validator("known_payee")
    def known_payee(value: object, state: StateView) -> bool | str:
        return value in PAYEES or "I can only send money to saved payees."
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

from skills_core.dm.events import Event, HandoffRequested, SlotSet
from skills_core.dm.state import DialogueState
from skills_core.errors import DialogueError
from skills_core.spec.types import Parse


@dataclass(frozen=True)
class BotMessage:
    """A literal message an action wants said (plain strings are response names or templates)."""

    text: str
    buttons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StateView:
    """What an action may read: a deep copy of the state's slots and context, read-only."""

    session_id: str
    turn: int
    slots: Mapping[str, Any]
    active_flow: str | None
    latest_parse: Parse | None

    @classmethod
    def of(cls, state: DialogueState) -> StateView:
        return cls(
            session_id=state.session_id,
            turn=state.turn,
            slots=MappingProxyType(copy.deepcopy(dict(state.slots))),
            active_flow=state.active_flow,
            latest_parse=state.latest_parse,
        )

    def slot(self, name: str, default: Any = None) -> Any:
        """A slot's value, or ``default`` when unset."""
        value = self.slots.get(name)
        return default if value is None else value


@dataclass
class ActionResult:
    """What an action returns: slot values, messages to say, and extra events.

    ``events`` may hold ``SlotSet`` and ``HandoffRequested``; other events belong to the engine.
    """

    slots: dict[str, Any] = field(default_factory=dict)
    messages: list[str | BotMessage] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)


ActionFn = Callable[[StateView], ActionResult | None]
ValidatorFn = Callable[[Any, StateView], bool | str]
F = TypeVar("F", bound=Callable[..., Any])


class ActionRegistry:
    """Named actions and validators.

    An action is ``fn(view) -> ActionResult | None``; a validator is ``fn(value, view) -> bool | str``
    (a string is the message said to the user when the value is rejected).
    """

    def __init__(self) -> None:
        self._actions: dict[str, ActionFn] = {}
        self._validators: dict[str, ValidatorFn] = {}

    def _add(self, table: dict[str, Any], kind: str, name: str, fn: Any) -> None:
        if name in table and table[name] is not fn:
            raise DialogueError(
                f"expected one {kind} named {name!r}; found a second registration ({fn!r}). "
                f"Fix: give the new {kind} another name."
            )
        table[name] = fn

    def register(self, name: str) -> Callable[[F], F]:
        """Decorator registering an action under ``name``."""

        def decorate(fn: F) -> F:
            self._add(self._actions, "action", name, fn)
            return fn

        return decorate

    def validator(self, name: str) -> Callable[[F], F]:
        """Decorator registering a slot validator under ``name`` (used by ``validate: {action: name}``)."""

        def decorate(fn: F) -> F:
            self._add(self._validators, "validator", name, fn)
            return fn

        return decorate

    def __contains__(self, name: object) -> bool:
        return name in self._actions

    @property
    def action_names(self) -> list[str]:
        return sorted(self._actions)

    @property
    def validator_names(self) -> list[str]:
        return sorted(self._validators)

    def action(self, name: str) -> ActionFn:
        """The action registered as ``name``.

        Raises:
            DialogueError: there is none; the message lists the registered names.
        """
        return self._lookup(self._actions, "action", name)

    def get_validator(self, name: str) -> ValidatorFn:
        """The validator registered as ``name`` (raises ``DialogueError`` like :meth:`action`)."""
        return self._lookup(self._validators, "validator", name)

    @staticmethod
    def _lookup(table: Mapping[str, Any], kind: str, name: str) -> Any:
        if name not in table:
            known = ", ".join(sorted(table)) or "none"
            decorator = "register" if kind == "action" else "validator"
            raise DialogueError(
                f"expected a registered {kind} named {name!r}; found only: {known}. "
                f"Fix: register it with @registry.{decorator}({name!r})."
            )
        return table[name]


@dataclass(frozen=True)
class CallOutcome:
    """The result of running a callable in a worker thread."""

    value: Any = None
    error: BaseException | None = None
    timed_out: bool = False


def call_with_timeout(fn: Callable[..., Any], *args: Any, timeout_s: float) -> CallOutcome:
    """Run ``fn(*args)`` in a daemon thread and wait at most ``timeout_s`` seconds.

    A call that hangs is abandoned (its thread keeps running in the background, and its result is
    ignored); the caller stays responsive.
    """
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as e:  # the worker must never die silently: report whatever it raised
            box["error"] = e

    worker = threading.Thread(target=work, name=f"skills-action-{getattr(fn, '__name__', 'fn')}", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        return CallOutcome(timed_out=True)
    return CallOutcome(value=box.get("value"), error=box.get("error"))


def check_result(name: str, value: Any) -> ActionResult:
    """Validate what action ``name`` returned.

    Raises:
        DialogueError: it is not an ``ActionResult``/``None``, holds an event the engine owns, or a
            slot value that is not JSON-serialisable (the log must stay JSON).
    """
    if value is None:
        return ActionResult()
    if not isinstance(value, ActionResult):
        raise DialogueError(
            f"expected action {name!r} to return an ActionResult or None; found {type(value).__name__}. "
            "Fix: return ActionResult(slots=..., messages=...)."
        )
    for event in value.events:
        if not isinstance(event, SlotSet | HandoffRequested):
            raise DialogueError(
                f"expected action {name!r} to return only slot_set or handoff_requested events; found "
                f"{getattr(event, 'type', type(event).__name__)!r}. "
                "Fix: return slots/messages and let the flow steps drive the dialogue."
            )
    for message in value.messages:
        if not isinstance(message, str | BotMessage):
            raise DialogueError(
                f"expected action {name!r} messages to be str or BotMessage; found {type(message).__name__}. "
                "Fix: return response names, template text or BotMessage(text=...)."
            )
    values = {**value.slots, **{e.slot: e.value for e in value.events if isinstance(e, SlotSet)}}
    for slot, slot_value in values.items():
        try:
            json.dumps(slot_value)
        except (TypeError, ValueError) as e:
            raise DialogueError(
                f"expected action {name!r} to set JSON-serialisable slot values; found {slot}="
                f"{slot_value!r} ({e}). Fix: convert it (e.g. dates to ISO strings) before returning."
            ) from e
    return value
