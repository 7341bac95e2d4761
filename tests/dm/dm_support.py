"""Helpers for the dialogue-manager tests: the bank test skill, its fake backend, a chat driver."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from skills_core.dm import (
    ActionRegistry,
    ActionResult,
    DialogueManager,
    DialogueState,
    StateView,
    Tracker,
    TurnResult,
)
from skills_core.spec.models import Skill
from skills_core.spec.types import Entity, Fallback, FallbackReason, IntentScore, Parse

SKILL_DIR = Path(__file__).parents[1] / "data" / "dm_skill"


def load_test_skill() -> Skill:
    try:
        from skills_core.spec.loader import load_skill
    except ImportError:  # the official loader is optional for these tests
        from ruamel.yaml import YAML

        data = YAML(typ="safe").load((SKILL_DIR / "skill.yml").read_text(encoding="utf-8"))
        return Skill.model_validate(data)
    return load_skill(SKILL_DIR / "skill.yml")


class Bank:
    """The fake backend behind the test skill's actions; records what it was asked to do."""

    def __init__(self) -> None:
        self.transfers: list[dict[str, Any]] = []
        self.blocked: list[str] = []
        self.release = threading.Event()

    def registry(self) -> ActionRegistry:
        actions = ActionRegistry()

        @actions.register("do_transfer")
        def do_transfer(state: StateView) -> ActionResult:
            self.transfers.append({"amount": state.slot("amount"), "recipient": state.slot("recipient")})
            return ActionResult()

        @actions.register("block_card")
        def block_card(state: StateView) -> None:
            self.blocked.append(state.slot("card_type"))

        @actions.register("fetch_balance")
        def fetch_balance(state: StateView) -> ActionResult:
            return ActionResult(slots={"balance": {"amount": 1234.5, "currency": "USD"}})

        return actions


def make_parse(
    intent: str,
    text: str | None = None,
    *,
    confidence: float = 1.0,
    ranking: dict[str, float] | None = None,
    fallback: FallbackReason | None = None,
    **entities: Any,
) -> Parse:
    """A parse as the NLU would give it; entity values are given normalised."""
    text = text if text is not None else intent.replace("_", " ")
    scores = {intent: confidence, **(ranking or {})}
    return Parse(
        text=text,
        intent=intent,
        confidence=confidence,
        ranking=[IntentScore(name=n, confidence=c) for n, c in sorted(scores.items(), key=lambda kv: -kv[1])],
        entities=[
            Entity(entity=name, start=0, end=len(text), text=str(value), value=value, source="given")
            for name, value in entities.items()
        ],
        fallback=Fallback(reason=fallback, detail="test") if fallback else None,
    )


class Chat:
    """Drives a dialogue manager turn by turn on one tracker."""

    def __init__(self, dm: DialogueManager, session_id: str = "test") -> None:
        self.dm = dm
        self.tracker = Tracker(session_id)
        self.last: TurnResult | None = None

    def send(self, intent: str, text: str | None = None, **kwargs: Any) -> list[str]:
        """Send one turn; return the bot's texts."""
        self.last = self.dm.respond(self.tracker, make_parse(intent, text, **kwargs))
        return self.last.texts

    @property
    def state(self) -> DialogueState:
        return self.tracker.state

    @property
    def types(self) -> list[str]:
        """Event types of the last turn."""
        return [e.type for e in self.last.events] if self.last else []


def usd(amount: float) -> dict[str, Any]:
    return {"amount": amount, "currency": "USD"}
