"""The dialogue manager: ``(conversation, parse) -> TurnResult(events, replies, state)``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from skills_core.dm.actions import ActionRegistry
from skills_core.dm.checks import check_skill
from skills_core.dm.context import SkillIndex, TurnContext
from skills_core.dm.events import BotUttered, Event, SessionStarted, SlotSet, TextAnalysed, UserUttered
from skills_core.dm.repair import handle_turn
from skills_core.dm.state import DialogueState, Tracker, state_of
from skills_core.spec.models import Skill
from skills_core.spec.types import Parse


@dataclass(frozen=True)
class TurnResult:
    """What one user turn produced: the new events (to append) and the state after them."""

    events: list[Event]
    state: DialogueState

    @property
    def replies(self) -> list[BotUttered]:
        """The bot's messages, in order, each with the reason it was chosen."""
        return [e for e in self.events if isinstance(e, BotUttered)]

    @property
    def texts(self) -> list[str]:
        return [e.text for e in self.replies]


class DialogueManager:
    """Runs a skill's flows over an event-sourced conversation.

    ``handle`` is pure with respect to the conversation: it returns new events and never changes the
    tracker it is given (append them with ``tracker.extend(result.events)``). Given the same events and
    parse it returns the same events, as long as the actions do.

    Args:
        skill: the validated skill.
        actions: the registered actions and validators the flows use.
        check: verify at construction that every jump target, linked flow, slot, action and validator
            the flows reference exists.

    Raises:
        SpecError: a flow references a step, flow or slot that does not exist (with ``check``).
        DialogueError: a flow uses an action or validator that is not registered (with ``check``).
    """

    def __init__(self, skill: Skill, *, actions: ActionRegistry | None = None, check: bool = True) -> None:
        self.skill = skill
        self.actions = actions if actions is not None else ActionRegistry()
        if check:
            check_skill(skill, self.actions)
        self._index = SkillIndex(skill)

    def handle(
        self,
        conversation: Tracker | Sequence[Event],
        parse: Parse,
        *,
        analysis: TextAnalysed | None = None,
    ) -> TurnResult:
        """Process one user turn.

        Args:
            conversation: a tracker, or the event log so far (empty for a new conversation).
            parse: the NLU's reading of the user's message.
            analysis: the text analysis of the message (language, analyser labels), recorded after
                ``user_uttered``; ``settings.languages`` and flow ``triggers`` act on it.

        Returns:
            The events of this turn (starting with ``session_started`` on the first turn) and the state.
        """
        prior = state_of(conversation)
        ctx = TurnContext(self._index, self.actions, prior)
        if prior.events == 0:
            ctx.emit(SessionStarted(session_id=prior.session_id))
            for name, slot in self.skill.slots.items():
                if slot.initial is not None:
                    ctx.emit(SlotSet(slot=name, value=slot.initial, source="initial"))
        ctx.emit(UserUttered(parse=parse))
        if analysis is not None:
            ctx.emit(analysis)
        handle_turn(ctx, parse)
        return TurnResult(events=ctx.events, state=ctx.state)

    def respond(self, tracker: Tracker, parse: Parse, *, analysis: TextAnalysed | None = None) -> TurnResult:
        """:meth:`handle` a turn and append its events to ``tracker``."""
        result = self.handle(tracker, parse, analysis=analysis)
        tracker.extend(result.events)
        return result
