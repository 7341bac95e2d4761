"""The Agent: NLU + dialogue manager + session store, one call per user turn."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from skills_core.dm.actions import ActionRegistry
from skills_core.dm.engine import DialogueManager
from skills_core.dm.events import BotUttered, dump_events
from skills_core.dm.state import Tracker
from skills_core.errors import ConfigError, SkillsError
from skills_core.nlu.model import NLU
from skills_core.nlu.store import load_from_store, model_name
from skills_core.runtime.actions import load_actions
from skills_core.runtime.device import select_device, use_half
from skills_core.runtime.registry import ModelRegistry
from skills_core.runtime.skills import ensure_model, find_model, resolve_skill_path
from skills_core.runtime.stores import MemoryStore, SessionStore, plan_store_for, store_from_url
from skills_core.spec.loader import load_skill
from skills_core.spec.models import Skill
from skills_core.spec.types import OUT_OF_SCOPE, Parse

logger = logging.getLogger(__name__)

TURN_THREADS = 8
"""Sessions of one batch whose turns overlap when the store does I/O (Redis)."""


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
    """Parses text and runs the dialogue for many sessions, each serialised by the store's lock.

    The NLU comes from a :class:`~skills_core.runtime.registry.ModelRegistry` (an active model and an
    optional canary, swappable while serving); passing ``nlu`` wraps one fixed model in a registry.
    """

    def __init__(
        self,
        *,
        skill: Skill,
        nlu: NLU | None = None,
        registry: ModelRegistry | None = None,
        actions: ActionRegistry | None = None,
        store: SessionStore | None = None,
    ) -> None:
        if registry is None:
            if nlu is None:
                raise ConfigError("expected an NLU model or a model registry for the Agent; found neither")
            registry = ModelRegistry.static(nlu)
        self.skill = skill
        self.registry = registry
        self.store = store if store is not None else store_from_url("memory://")
        self.dm = DialogueManager(skill, actions=actions)
        self._pool: ThreadPoolExecutor | None = None

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

    @classmethod
    def serving(
        cls,
        skill: str | Path,
        *,
        model: str | None = None,
        store_url: str = "memory://",
        plan_dir: str | Path,
        device: str = "auto",
        half: bool | None = None,
        gpu_memory_fraction: float | None = None,
        check_interval_s: float = 1.0,
    ) -> Agent:
        """An Agent for a server process: its models follow the shared plan (swap, canary) at run time.

        Args:
            skill: a skill path or bundled name.
            model: the model tag to start from; default the newest stored model trained on this skill.
            store_url: the session store (``memory://`` or ``redis://...``); the plan lives beside it.
            plan_dir: where the plan file goes when the store is not Redis.
            device: ``auto``, ``cpu``, ``cuda`` or ``cuda:N``.
            half: float16 encoder on CUDA (None: on when the device is CUDA).
            gpu_memory_fraction: cap of this process' share of GPU memory.
            check_interval_s: how often a new plan generation is looked for.
        """
        path = resolve_skill_path(skill)
        spec = load_skill(path)
        dev = select_device(device, memory_fraction=gpu_memory_fraction)
        tag = model or find_model(spec)
        if tag is None:
            raise ConfigError(
                f"expected a trained model for skill {spec.name!r} in the BentoML model store; found none. "
                f"Fix: run `skills train {skill}` (or `skills serve`, which trains first), or set SKILLS_MODEL"
            )
        store = store_from_url(store_url)
        registry = ModelRegistry(
            loader=model_loader(spec, device=str(dev), half=dev.type == "cuda" if half is None else half),
            plans=plan_store_for(store, namespace=spec.name, directory=plan_dir),
            check_interval_s=check_interval_s,
        )
        registry.start(tag)
        return cls(skill=spec, registry=registry, actions=load_actions(path), store=store)

    @property
    def nlu(self) -> NLU:
        """The active model."""
        return cast(NLU, self.registry.active)

    def parse(self, texts: Sequence[str], *, keys: Sequence[str] | None = None) -> list[Parse]:
        """Parse ``texts``; with ``keys`` (session ids) each goes to the model its session is routed to."""
        return self.registry.parse(texts, keys=keys)

    def handle(self, session_id: str, text: str) -> Turn:
        """Run one user turn for ``session_id`` and persist the new events."""
        parse = self.parse([text], keys=[session_id])[0]
        return self.handle_parse(session_id, parse)

    def handle_batch(self, turns: Sequence[tuple[str, str]]) -> list[Turn | Exception]:
        """Run many ``(session_id, text)`` turns: one NLU batch, then the dialogue of each session.

        Turns of one session run in the given order; different sessions overlap when the store does
        I/O. A turn that fails yields its exception in its place; the others are unaffected.
        """
        if not turns:
            return []
        parses = self.parse([text for _, text in turns], keys=[sid for sid, _ in turns])
        groups: dict[str, list[int]] = {}
        for i, (sid, _) in enumerate(turns):
            groups.setdefault(sid, []).append(i)
        out: list[Turn | Exception] = [ConfigError("turn not run")] * len(turns)

        def run(indices: list[int]) -> None:
            for i in indices:
                try:
                    out[i] = self.handle_parse(turns[i][0], parses[i])
                except Exception as e:
                    if not isinstance(e, SkillsError):
                        logger.exception("turn of session %s failed", turns[i][0])
                    out[i] = e

        if len(groups) == 1 or isinstance(self.store, MemoryStore):
            for indices in groups.values():
                run(indices)
        else:
            list(self._executor().map(run, groups.values()))
        return out

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

    def ready(self) -> bool:
        """A model is loaded and the session store answers."""
        return self.registry.ready and self.store.ping()

    def close(self) -> None:
        """Stop following the model plan and the turn threads."""
        self.registry.stop()
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=TURN_THREADS, thread_name_prefix="skills-turn")
        return self._pool

    def _tracker(self, session_id: str) -> Tracker:
        data = self.store.load(session_id)
        return Tracker(session_id) if data is None else Tracker.from_dict(data)


def model_loader(skill: Skill, *, device: str = "auto", half: bool = False) -> Callable[[str], NLU]:
    """Load a stored model by tag for ``skill``, refusing one trained for another skill."""
    allowed = set(skill.intents) | {OUT_OF_SCOPE}

    def load(tag: str) -> NLU:
        nlu = load_from_store(tag, device=device)
        if nlu.meta.skill_name and nlu.meta.skill_name != skill.name:
            raise ConfigError(
                f"expected a model trained for skill {skill.name!r}; {tag} was trained for "
                f"{nlu.meta.skill_name!r}. Fix: pick a tag from `bentoml models list {model_name(skill.name)}`"
            )
        unknown = sorted(set(nlu.intents) - allowed)
        if unknown:
            raise ConfigError(
                f"expected the intents of {tag} to exist in skill {skill.name!r}; found unknown intents "
                f"{', '.join(unknown)}. Fix: retrain the model on this skill"
            )
        if half:
            use_half(nlu)
        return nlu

    return load


def _reply(event: BotUttered) -> Reply:
    return Reply(
        text=event.text, buttons=list(event.buttons), reason=event.reason.model_dump(exclude_none=True)
    )
