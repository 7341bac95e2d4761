"""The dialogue playground's state: chat turns through an Agent, and conversation-test replays.

After every turn the view holds the replies, the parse, the slots, the flow stack and the events of
the turn; a replay marks the first turn where a conversation test diverges from what happened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skills_core.dm.testing import ConversationCase, load_conversations, run_conversation
from skills_core.nlu.train import config_for, train_nlu
from skills_core.runtime.actions import load_actions
from skills_core.runtime.agent import Agent, Turn
from skills_core.runtime.stores import store_from_url
from skills_core.spec.loader import load_skill
from skills_core.workbench.paths import resolve_path, resolve_skill


def build_agent(
    skill: str | Path,
    *,
    mode: str = "fast",
    epochs: int | None = None,
    seed: int = 0,
    store_url: str = "memory://",
) -> Agent:
    """Train a skill's NLU (not stored) and wrap it in an Agent with the skill's actions.

    Args:
        skill: a bundled skill name or a path (relative paths from the repository root).
        mode: ``fast`` or ``finetune``.
        epochs: upper bound on epochs (None: the mode's default).
        store_url: the session store (``memory://`` or ``redis://...``).
    """
    path = resolve_skill(skill)
    spec = load_skill(path)
    nlu, _ = train_nlu(spec, config=config_for(spec, mode=mode, epochs=epochs, seed=seed, progress=False))
    return Agent(skill=spec, nlu=nlu, actions=load_actions(path), store=store_from_url(store_url))


@dataclass(frozen=True)
class TurnView:
    """One chat turn as shown: what was said, the parse and the state it left."""

    index: int
    user: str
    replies: list[str]
    intent: str
    confidence: float
    fallback: str | None
    entities: list[str]
    slots: dict[str, Any]
    active_flow: str | None
    flow_stack: list[str]
    events: list[dict[str, Any]] = field(default_factory=list)
    """The events this turn appended to the log."""


def turn_view(index: int, turn: Turn) -> TurnView:
    """The view of an Agent turn."""
    p = turn.parse
    return TurnView(
        index=index,
        user=turn.text,
        replies=[r.text for r in turn.replies],
        intent=p.intent,
        confidence=p.confidence,
        fallback=p.fallback.detail if p.fallback else None,
        entities=[f"{e.entity}={e.value!r}" for e in p.entities],
        slots=dict(turn.state.get("slots", {})),
        active_flow=turn.state.get("active_flow"),
        flow_stack=list(turn.state.get("flow_stack", [])),
        events=list(turn.events),
    )


def event_summary(event: dict[str, Any]) -> str:
    """A one-line description of a logged event (its type and main fields)."""
    kind = str(event.get("type", "?"))
    details = {
        k: v
        for k, v in event.items()
        if k not in ("type", "timestamp", "parse", "reason") and v is not None and v != [] and v != ""
    }
    if kind == "user_uttered" and isinstance(event.get("parse"), dict):
        details = {"text": event["parse"].get("text"), "intent": event["parse"].get("intent")}
    return kind + (" " + ", ".join(f"{k}={v!r}" for k, v in details.items()) if details else "")


class ChatSession:
    """A conversation with an Agent that keeps every turn's view."""

    def __init__(self, agent: Agent, *, session_id: str = "playground") -> None:
        self.agent = agent
        self.session_id = session_id
        self.turns: list[TurnView] = []

    def send(self, text: str) -> TurnView:
        """Run one user turn and return its view."""
        view = turn_view(len(self.turns), self.agent.handle(self.session_id, text))
        self.turns.append(view)
        return view

    def reset(self) -> None:
        """Forget the conversation (the store's session and the turns shown)."""
        self.agent.reset(self.session_id)
        self.turns = []

    def event_log(self) -> list[dict[str, Any]]:
        """The whole stored event log of the session."""
        data = self.agent.session(self.session_id)
        return list(data["events"]) if data else []


@dataclass(frozen=True)
class ReplayRow:
    """One turn of a replayed conversation test."""

    index: int
    line: int | None
    said: str
    replies: list[str]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ReplayView:
    """A replayed conversation test and the first turn where it diverged (None when it passed)."""

    name: str
    where: str
    rows: list[ReplayRow]
    error: str | None
    first_divergence: int | None
    report: str

    @property
    def passed(self) -> bool:
        return self.first_divergence is None and self.error is None


def conversation_cases(paths: list[str | Path]) -> list[ConversationCase]:
    """Load conversation tests from files (relative paths from the repository root)."""
    return [case for p in paths for case in load_conversations(resolve_path(p))]


def find_conversation_files(skill_path: Path) -> list[Path]:
    """The skill's own conversation tests: ``tests/*.yml`` beside its YAML."""
    folder = skill_path if skill_path.is_dir() else skill_path.parent
    return sorted([*folder.glob("tests/*.yml"), *folder.glob("tests/*.yaml")])


def replay(agent: Agent, case: ConversationCase, *, use_nlu: bool = True) -> ReplayView:
    """Play a conversation test against the agent's dialogue manager, every turn, and mark divergences.

    Args:
        use_nlu: parse turns that have user text with the agent's NLU (end to end); otherwise use the
            intents and entities the test gives.
    """
    result = run_conversation(case, agent.dm, parse=agent.nlu.parse if use_nlu else None, keep_going=True)
    rows = [ReplayRow(t.index, t.line, t.said, list(t.replies), list(t.problems)) for t in result.turns]
    first = next((r.index for r in rows if not r.ok), None)
    if first is None and result.error is not None:
        first = rows[-1].index if rows else 0
    return ReplayView(
        name=case.name,
        where=case.where,
        rows=rows,
        error=result.error,
        first_divergence=first,
        report=result.report(),
    )
