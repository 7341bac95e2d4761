"""The per-turn working context: the skill's lookup tables and the events a turn emits so far."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skills_core.dm.actions import ActionRegistry
from skills_core.dm.events import BotUttered, Event, Policy, Reason
from skills_core.dm.responses import ResponseRenderer, humanize
from skills_core.dm.state import DialogueState, apply
from skills_core.spec.flows import Flow, Step
from skills_core.spec.models import Skill
from skills_core.spec.types import OUT_OF_SCOPE


class SkillIndex:
    """Lookups over a skill that the engine needs on every turn, built once."""

    def __init__(self, skill: Skill) -> None:
        self.skill = skill
        self.settings = skill.settings
        self.responses = ResponseRenderer(skill)
        self.intent_flow: dict[str, str] = {}
        for name, flow in skill.flows.items():
            for intent in flow.intents:
                self.intent_flow.setdefault(intent, name)
        self.handoff_flow = self._repair_flow("handoff", self.settings.handoff_intent)
        self.cancel_flow = self._repair_flow("cancel", self.settings.cancel_intent)

    def _repair_flow(self, kind: str, intent: str | None) -> str | None:
        by_intent = self.intent_flow.get(intent) if intent else None
        if by_intent and self.skill.flows[by_intent].kind == kind:
            return by_intent
        return next((n for n, f in self.skill.flows.items() if f.kind == kind), None)

    def flow(self, name: str) -> Flow:
        return self.skill.flows[name]

    def is_cancel(self, intent: str) -> bool:
        return intent == self.settings.cancel_intent or (
            self.cancel_flow is not None and intent in self.flow(self.cancel_flow).intents
        )

    def is_handoff(self, intent: str) -> bool:
        return intent == self.settings.handoff_intent or (
            self.handoff_flow is not None and intent in self.flow(self.handoff_flow).intents
        )

    @property
    def handoff_available(self) -> bool:
        """Whether the skill can hand off: it has a handoff flow or the handoff intent."""
        intent = self.settings.handoff_intent
        return self.handoff_flow is not None or (intent is not None and intent in self.skill.intents)

    def intent_response(self, intent: str) -> str | None:
        """``utter_<intent>`` when the skill defines it (greetings, thanks... without a flow)."""
        name = f"utter_{intent}"
        return name if name in self.skill.responses else None

    def flow_label(self, name: str) -> str:
        flow = self.skill.flows.get(name)
        return (flow.description if flow and flow.description else humanize(name)).rstrip(".")

    def intent_label(self, intent: str) -> str:
        """How to name an intent to the user: its flow's or its own description, else its name."""
        if intent in self.intent_flow:
            return self.flow_label(self.intent_flow[intent])
        definition = self.skill.intents.get(intent)
        return (definition.description if definition and definition.description else humanize(intent)).rstrip(
            "."
        )

    def handleable(self, intent: str) -> bool:
        """Whether the engine can do something with an intent (a flow or a response)."""
        return intent != OUT_OF_SCOPE and (
            intent in self.intent_flow or self.intent_response(intent) is not None
        )


def step_label(flow: Flow, index: int) -> str:
    """A step's id, or its index as text."""
    if 0 <= index < len(flow.steps):
        step_id = flow.steps[index].id
        return step_id if step_id else str(index)
    return str(index)


class TurnContext:
    """Accumulates a turn's events, keeping the derived state current after each one."""

    def __init__(self, index: SkillIndex, actions: ActionRegistry, prior: DialogueState) -> None:
        self.index = index
        self.actions = actions
        self.prior = prior
        self.state = prior
        self.events: list[Event] = []

    @property
    def skill(self) -> Skill:
        return self.index.skill

    def emit(self, *events: Event) -> None:
        for event in events:
            self.events.append(event)
            self.state = apply(self.state, event)

    def current_step(self) -> Step | None:
        """The step the top flow is at, if it has started one."""
        frame = self.state.frame
        if frame is None or frame.step < 0:
            return None
        steps = self.index.flow(frame.flow).steps
        return steps[frame.step] if frame.step < len(steps) else None

    def reason(self, policy: Policy, detail: str = "") -> Reason:
        """A reason naming the top flow and its current step."""
        frame = self.state.frame
        if frame is None:
            return Reason(policy=policy, detail=detail)
        step = step_label(self.index.flow(frame.flow), frame.step) if frame.step >= 0 else None
        return Reason(policy=policy, flow=frame.flow, step=step, detail=detail)

    def say(
        self,
        response: str,
        *,
        policy: Policy,
        attempt: int | None = None,
        extra: Mapping[str, Any] | None = None,
        detail: str = "",
        reason: Reason | None = None,
        buttons: list[str] | None = None,
    ) -> None:
        """Render ``response`` (a name or template text) and emit it as a ``bot_uttered`` event.

        Args:
            buttons: quick replies used when the response itself defines none.
        """
        rendered = self.index.responses.render(
            response,
            slots=self.state.slots,
            session_id=self.state.session_id,
            turn=self.state.turn,
            attempt=attempt,
            extra=extra,
        )
        self.emit(
            BotUttered(
                text=rendered.text,
                buttons=rendered.buttons or list(buttons or []),
                response=rendered.response,
                reason=reason or self.reason(policy, detail),
            )
        )
