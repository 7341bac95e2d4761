"""Derived dialogue state: a pure reducer over the event log, and the ``Tracker`` that holds a log."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from skills_core.dm.events import (
    SCHEMA_VERSION,
    ActionExecuted,
    AnalyserLabel,
    Event,
    FallbackTriggered,
    FlowCancelled,
    FlowCompleted,
    FlowResumed,
    FlowStarted,
    HandoffRequested,
    SessionStarted,
    SlotSet,
    StepCompleted,
    StepStarted,
    TextAnalysed,
    UserUttered,
    ValidationFailed,
    dump_events,
    parse_events,
)
from skills_core.errors import DialogueError
from skills_core.spec.types import Parse

DEFAULT_SESSION = "default"


@dataclass(frozen=True)
class Frame:
    """One flow on the stack and where it stands."""

    flow: str
    step: int = -1
    """Index of the current step; -1 before the first one starts."""
    step_done: bool = False
    retries: int = 0
    """Failed answers to the current step."""
    interrupted: bool = False
    """Another flow was pushed on top of this one and it has not resumed yet."""
    barrier: int = 0
    """Corrections never rewind before this step (the one after the last action that ran)."""
    inherited: tuple[str, ...] = ()
    """Slots handed over by a flow that linked here; cleared with this flow's own slots."""

    @property
    def waiting(self) -> bool:
        """Whether a step has started and is not done (it waits for the user or is mid-run)."""
        return self.step >= 0 and not self.step_done


@dataclass(frozen=True)
class DialogueState:
    """Everything the dialogue manager knows, derived from events by :func:`reduce`."""

    session_id: str = DEFAULT_SESSION
    turn: int = 0
    slots: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    stack: tuple[Frame, ...] = ()
    fallback_streak: int = 0
    """Consecutive user turns that ended in a fallback."""
    handoff: bool = False
    """A handoff was requested in this conversation."""
    latest_parse: Parse | None = None
    clarification: tuple[str, ...] = ()
    """Candidate intents the bot asked about in the current turn."""
    turn_fell_back: bool = False
    language: str | None = None
    """Language of the latest user message (``text_analysed``), None when unknown."""
    labels: Mapping[str, AnalyserLabel] = field(default_factory=lambda: MappingProxyType({}))
    """Analyser labels of the latest user message (``text_analysed``); empty when not analysed."""
    triggered: tuple[str, ...] = ()
    """Flows started by a flow trigger in this conversation (each fires at most once)."""
    events: int = 0

    @property
    def frame(self) -> Frame | None:
        """The top of the flow stack."""
        return self.stack[-1] if self.stack else None

    @property
    def active_flow(self) -> str | None:
        """The name of the flow on top of the stack."""
        return self.stack[-1].flow if self.stack else None

    def slot(self, name: str, default: Any = None) -> Any:
        """A slot's value, or ``default`` when unset."""
        value = self.slots.get(name)
        return default if value is None else value


def _with_top(state: DialogueState, flow: str, **changes: Any) -> DialogueState:
    if not state.stack or state.stack[-1].flow != flow:
        return state
    return replace(state, stack=(*state.stack[:-1], replace(state.stack[-1], **changes)))


def _pop(state: DialogueState, flow: str) -> DialogueState:
    for i in range(len(state.stack) - 1, -1, -1):
        if state.stack[i].flow == flow:
            return replace(state, stack=state.stack[:i] + state.stack[i + 1 :])
    return state


def apply(state: DialogueState, event: Event) -> DialogueState:
    """The state after one more event (pure: ``state`` is not changed)."""
    state = replace(state, events=state.events + 1)
    match event:
        case SessionStarted(session_id=sid):
            return replace(state, session_id=sid)
        case UserUttered(parse=parse):
            streak = state.fallback_streak if state.turn_fell_back else 0
            return replace(
                state,
                turn=state.turn + 1,
                latest_parse=parse,
                fallback_streak=streak,
                turn_fell_back=False,
                clarification=(),
                language=None,
                labels=MappingProxyType({}),
            )
        case TextAnalysed(language=language, labels=labels):
            return replace(state, language=language, labels=MappingProxyType(dict(labels)))
        case SlotSet(slot=name, value=value):
            return replace(state, slots=MappingProxyType({**state.slots, name: value}))
        case FlowStarted(flow=flow, inherit_slots=inherited, reason=why):
            below = tuple(
                replace(f, interrupted=True) if i == len(state.stack) - 1 else f
                for i, f in enumerate(state.stack)
            )
            triggered = (*state.triggered, flow) if why == "trigger" else state.triggered
            stack = (*below, Frame(flow=flow, inherited=tuple(inherited)))
            return replace(state, stack=stack, triggered=triggered)
        case FlowResumed(flow=flow):
            return _with_top(state, flow, interrupted=False)
        case FlowCompleted(flow=flow) | FlowCancelled(flow=flow):
            return _pop(state, flow)
        case StepStarted(flow=flow, step=step):
            return _with_top(state, flow, step=step, step_done=False, retries=0)
        case StepCompleted(flow=flow, step=step):
            top = state.frame
            if top is None or top.step != step:
                return state
            return _with_top(state, flow, step_done=True)
        case ValidationFailed(flow=flow, step=step):
            top = state.frame
            if top is None or flow is None or top.step != step:
                return state
            return _with_top(state, flow, retries=top.retries + 1)
        case ActionExecuted(flow=flow, step=step) if flow is not None and step is not None:
            return _with_top(state, flow, barrier=step + 1)
        case HandoffRequested():
            return replace(state, handoff=True, fallback_streak=0, turn_fell_back=False)
        case FallbackTriggered(candidates=candidates):
            return replace(
                state,
                fallback_streak=state.fallback_streak + 1,
                turn_fell_back=True,
                clarification=tuple(candidates),
            )
        case _:
            return state


def reduce(events: Iterable[Event], *, initial: DialogueState | None = None) -> DialogueState:
    """Replay ``events`` (from ``initial`` or an empty state) into a :class:`DialogueState`."""
    state = initial or DialogueState()
    for event in events:
        state = apply(state, event)
    return state


class Tracker:
    """A conversation: its session id and append-only event log, with the derived state cached."""

    def __init__(self, session_id: str = DEFAULT_SESSION, events: Iterable[Event] = ()) -> None:
        self.session_id = session_id
        self._events: list[Event] = []
        self._state = DialogueState(session_id=session_id)
        self.extend(events)

    @property
    def events(self) -> tuple[Event, ...]:
        return tuple(self._events)

    @property
    def state(self) -> DialogueState:
        return self._state

    def extend(self, events: Iterable[Event]) -> None:
        """Append events (the log is never rewritten)."""
        for event in events:
            self._events.append(event)
            self._state = apply(self._state, event)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible dict: schema version, session id and events."""
        return {
            "schema_version": SCHEMA_VERSION,
            "session_id": self.session_id,
            "events": dump_events(self._events),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Tracker:
        """Restore a tracker saved by :meth:`to_dict`.

        Raises:
            DialogueError: the schema version differs or the events are invalid.
        """
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise DialogueError(
                f"expected a dialogue log with schema_version {SCHEMA_VERSION}; found {version!r}. "
                "Fix: start a new session, or migrate the stored log to the current schema."
            )
        session_id = data.get("session_id")
        if not isinstance(session_id, str):
            raise DialogueError(
                f"expected 'session_id' to be a string in the saved dialogue log; found {session_id!r}. "
                "Fix: save trackers with Tracker.to_json."
            )
        return cls(session_id, parse_events(data.get("events", [])))

    @classmethod
    def from_json(cls, text: str) -> Tracker:
        """Restore a tracker saved by :meth:`to_json`."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise DialogueError(
                f"expected JSON written by Tracker.to_json; found invalid JSON ({e}). "
                "Fix: check what the session store returns."
            ) from e
        if not isinstance(data, dict):
            raise DialogueError(
                f"expected a JSON object for a dialogue log; found {type(data).__name__}. "
                "Fix: save trackers with Tracker.to_json."
            )
        return cls.from_dict(data)


def state_of(conversation: Tracker | Sequence[Event]) -> DialogueState:
    """The derived state of a tracker or a bare event list."""
    if isinstance(conversation, Tracker):
        return conversation.state
    return reduce(conversation)
