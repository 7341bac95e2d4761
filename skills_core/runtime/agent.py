"""The Agent: NLU + dialogue manager + session store, one call per user turn."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skills_core.dm.actions import ActionRegistry
from skills_core.dm.engine import DialogueManager
from skills_core.dm.events import BotUttered, dump_events
from skills_core.dm.state import Tracker
from skills_core.nlu.model import NLU
from skills_core.runtime.actions import load_actions
from skills_core.runtime.skills import ensure_model, resolve_skill_path
from skills_core.runtime.stores import SessionStore, store_from_url
from skills_core.spec.loader import load_skill
from skills_core.spec.models import Skill
from skills_core.spec.types import Parse

logger = logging.getLogger(__name__)


@dataclass
class Reply:
    """One bot message with quick replies and why it was chosen."""

    text: str
    buttons: list[str] = field(default_factory=list)
    reason: dict[str, Any] = field(default_factory=dict)


@dataclass
class Turn:
    """The outcome of one user turn."""

    session_id: str
    text: str
    replies: list[Reply]
    parse: Parse
    state: dict[str, Any]
    events: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "text": self.text,
            "replies": [r.__dict__ for r in self.replies],
            "parse": self.parse.model_dump(mode="json"),
            "state": self.state,
            "events": self.events,
        }


def state_snapshot(tracker: Tracker) -> dict[str, Any]:
    """Slots, active flow and flow stack, as JSON-compatible data."""
    state = tracker.state
    return {
        "slots": {k: v for k, v in state.slots.items() if v is not None},
        "active_flow": state.active_flow,
        "flow_stack": [frame.flow for frame in state.stack],
        "turn": state.turn,
    }


class Agent:
    """Parses text and runs the dialogue for many sessions, each serialised by the store's lock."""

    def __init__(
        self,
        *,
        skill: Skill,
        nlu: NLU,
        actions: ActionRegistry | None = None,
        store: SessionStore | None = None,
    ) -> None:
        self.skill = skill
        self.nlu = nlu
        self.store = store if store is not None else store_from_url("memory://")
        self.dm = DialogueManager(skill, actions=actions)

    @classmethod
    def from_skill(
        cls,
        skill: str | Path = "bank_en",
        *,
        store_url: str = "memory://",
        retrain: bool = False,
        device: str = "auto",
    ) -> Agent:
        """Load a skill (path or bundled name) with its actions; train its model on first use."""
        path = resolve_skill_path(skill)
        spec = load_skill(path)
        nlu = ensure_model(spec, retrain=retrain, device=device)
        return cls(skill=spec, nlu=nlu, actions=load_actions(path), store=store_from_url(store_url))

    def parse(self, texts: list[str]) -> list[Parse]:
        return self.nlu.parse_batch(texts)

    def handle(self, session_id: str, text: str) -> Turn:
        """Run one user turn for ``session_id`` and persist the new events."""
        parse = self.nlu.parse(text)
        return self.handle_parse(session_id, parse)

    def handle_parse(self, session_id: str, parse: Parse) -> Turn:
        """Run one turn from an existing parse (tests, or a host with its own NLU)."""
        with self.store.lock(session_id):
            tracker = self._tracker(session_id)
            result = self.dm.respond(tracker, parse)
            self.store.save(session_id, tracker.to_dict())
        return Turn(
            session_id=session_id,
            text=parse.text,
            replies=[_reply(e) for e in result.replies],
            parse=parse,
            state=state_snapshot(tracker),
            events=dump_events(result.events),
        )

    def session(self, session_id: str) -> dict[str, Any] | None:
        """The stored conversation (events and derived state), or None."""
        data = self.store.load(session_id)
        if data is None:
            return None
        tracker = Tracker.from_dict(data)
        return {**data, "state": state_snapshot(tracker)}

    def reset(self, session_id: str) -> bool:
        with self.store.lock(session_id):
            return self.store.delete(session_id)

    def _tracker(self, session_id: str) -> Tracker:
        data = self.store.load(session_id)
        return Tracker(session_id) if data is None else Tracker.from_dict(data)


def _reply(event: BotUttered) -> Reply:
    return Reply(text=event.text, buttons=list(event.buttons), reason=event.reason.model_dump(exclude_none=True))
