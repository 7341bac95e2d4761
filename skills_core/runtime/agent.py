"""The Agent: NLU + dialogue manager + session store, one call per user turn."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from skills_core.analysis.analysers import Analyser
from skills_core.analysis.analyzer import Analysis, TextAnalyzer
from skills_core.analysis.pii import PIIDetector
from skills_core.dm.actions import ActionRegistry
from skills_core.dm.engine import DialogueManager
from skills_core.dm.events import BotUttered, Event, TextAnalysed, UserUttered, dump_events
from skills_core.dm.state import Tracker
from skills_core.errors import ConfigError, DialogueError, SkillsError
from skills_core.nlu.model import NLU
from skills_core.nlu.store import load_from_store, model_name
from skills_core.runtime.actions import load_actions
from skills_core.runtime.analysis import (
    analysis_dict,
    analysis_event,
    candidate_languages,
    language_detector,
    mask_events,
    mask_parse,
    mask_pii_enabled,
)
from skills_core.runtime.device import Runtime, select_device, share_encoder, use_half, use_runtime
from skills_core.runtime.registry import ModelRegistry
from skills_core.runtime.skills import ensure_models, find_model, resolve_skill_path, stored_analysers
from skills_core.runtime.stores import MemoryStore, SessionStore, plan_store_for, store_from_url
from skills_core.runtime.turns import StoredTurn, check_same_text, find_turn
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
    analysis: dict[str, Any] | None = None
    """Language, PII spans and analyser labels of the text (``runtime.analysis.analysis_dict``)."""
    turn_id: str | None = None
    """The client's id of this turn, when it sent one."""
    replayed: bool = False
    """The turn was already stored under ``turn_id``: this is its stored outcome, nothing ran again."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "text": self.text,
            "turn_id": self.turn_id,
            "replayed": self.replayed,
            "replies": [r.__dict__ for r in self.replies],
            "parse": self.parse.model_dump(mode="json"),
            "state": self.state,
            "events": self.events,
            "analysis": self.analysis,
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
    Every turn's text is analysed (language, PII, the skill's analysers) and recorded in a
    ``text_analysed`` event (see :mod:`skills_core.runtime.analysis`).

    Args:
        analysers: the skill's trained analysers (default: none; :meth:`from_skill` loads the stored ones).
        mask_pii: mask PII in the user text of stored events (default: ``SKILLS_MASK_PII_IN_EVENTS``
            when set, else ``settings.mask_pii_in_events``).
    """

    def __init__(
        self,
        *,
        skill: Skill,
        nlu: NLU | None = None,
        registry: ModelRegistry | None = None,
        actions: ActionRegistry | None = None,
        store: SessionStore | None = None,
        analysers: Mapping[str, Analyser] | None = None,
        mask_pii: bool | None = None,
    ) -> None:
        if registry is None:
            if nlu is None:
                raise ConfigError("expected an NLU model or a model registry for the Agent; found neither")
            registry = ModelRegistry.static(nlu)
        self.skill = skill
        self.registry = registry
        self.store = store if store is not None else store_from_url("memory://")
        self.dm = DialogueManager(skill, actions=actions)
        self.mask_pii = mask_pii_enabled(skill) if mask_pii is None else mask_pii
        self.pii = PIIDetector()
        self.analysers: dict[str, Analyser] = dict(analysers or {})
        self.analysers_by_model: dict[str, dict[str, Analyser]] = {}
        """Analysers stored with each loaded model version (serving); they win over ``analysers``."""
        self._detector = language_detector(candidate_languages(skill))
        self._analyzers: dict[str, TextAnalyzer] = {}
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
        nlu, analysers = ensure_models(spec, retrain=retrain, device=device)
        return cls(
            skill=spec,
            nlu=nlu,
            actions=load_actions(path),
            store=store_from_url(store_url),
            analysers=analysers,
        )

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
        runtime: Runtime = "auto",
        threads: int | None = None,
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
            runtime: the encoder's runtime (``auto``: ONNX Runtime on CPU when installed, else torch).
            threads: intra-op threads of the encoder runtime (None: its default).
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
        by_model: dict[str, dict[str, Analyser]] = {}
        registry = ModelRegistry(
            loader=model_loader(
                spec,
                device=str(dev),
                half=dev.type == "cuda" if half is None else half,
                runtime=runtime,
                threads=threads,
                analysers=by_model,
            ),
            plans=plan_store_for(store, namespace=spec.name, directory=plan_dir),
            check_interval_s=check_interval_s,
        )
        registry.start(tag)
        agent = cls(skill=spec, registry=registry, actions=load_actions(path), store=store)
        agent.analysers_by_model = by_model
        return agent

    @property
    def nlu(self) -> NLU:
        """The active model."""
        return cast(NLU, self.registry.active)

    def parse(self, texts: Sequence[str], *, keys: Sequence[str] | None = None) -> list[Parse]:
        """Parse ``texts``; with ``keys`` (session ids) each goes to the model its session is routed to."""
        return self.registry.parse(texts, keys=keys)

    def analyze(self, texts: Sequence[str]) -> list[Analysis]:
        """Language, PII spans and analyser labels of each text (the active model's analysers)."""
        return self.analyzer().analyze(texts)

    def analyzer(self) -> TextAnalyzer:
        """The text analyser of the active model version (built once per version)."""
        version = self.nlu.version or ""
        analyzer = self._analyzers.get(version)
        if analyzer is None:
            analysers = self.analysers_by_model.get(version, self.analysers)
            analyzer = TextAnalyzer(detector=self._detector, analysers=analysers, pii=self.pii)
            self._analyzers[version] = analyzer
        return analyzer

    def text_analysed(self, text: str) -> TextAnalysed:
        """The ``text_analysed`` event of ``text`` (for conversation tests: ``run_conversation(analyse=)``)."""
        return analysis_event(self.analyze([text])[0])

    def inspect(self, texts: Sequence[str], *, keys: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """The analysis and the parse of each text, as JSON-compatible dicts (``POST /analyze``)."""
        parses = self.parse(texts, keys=keys)
        return [
            {"text": text, **analysis_dict(a), "parse": p.model_dump(mode="json")}
            for text, a, p in zip(texts, self.analyze(texts), parses, strict=True)
        ]

    def handle(self, session_id: str, text: str, *, turn_id: str | None = None) -> Turn:
        """Run one user turn for ``session_id`` and persist the new events.

        Args:
            turn_id: the client's id of this turn; a turn with an id already stored in the session
                is answered from the log (see :meth:`handle_parse`).
        """
        parse = self.parse([text], keys=[session_id])[0]
        return self.handle_parse(session_id, parse, analysis=self.analyze([text])[0], turn_id=turn_id)

    def handle_batch(
        self, turns: Sequence[tuple[str, str]], *, turn_ids: Sequence[str | None] | None = None
    ) -> list[Turn | Exception]:
        """Run many ``(session_id, text)`` turns: one NLU batch, then the dialogue of each session.

        Turns of one session run in the given order; different sessions overlap when the store does
        I/O. A turn that fails yields its exception in its place; the others are unaffected.

        Args:
            turn_ids: the client's id of each turn (None where it sent none); see :meth:`handle_parse`.
        """
        if not turns:
            return []
        ids = list(turn_ids) if turn_ids is not None else [None] * len(turns)
        if len(ids) != len(turns):
            raise ConfigError(
                f"expected one turn id (or None) per turn; found {len(ids)} for {len(turns)} turns. "
                "Fix: pass turn_ids of the same length as turns"
            )
        texts = [text for _, text in turns]
        parses = self.parse(texts, keys=[sid for sid, _ in turns])
        analyses = self.analyze(texts)
        groups: dict[str, list[int]] = {}
        for i, (sid, _) in enumerate(turns):
            groups.setdefault(sid, []).append(i)
        out: list[Turn | Exception] = [ConfigError("turn not run")] * len(turns)

        def run(indices: list[int]) -> None:
            for i in indices:
                try:
                    out[i] = self.handle_parse(turns[i][0], parses[i], analysis=analyses[i], turn_id=ids[i])
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

    def handle_parse(
        self,
        session_id: str,
        parse: Parse,
        *,
        analysis: Analysis | None = None,
        turn_id: str | None = None,
    ) -> Turn:
        """Run one turn from an existing parse (tests, or a host with its own NLU).

        With a ``turn_id`` already stored in the session (in any of its ``user_uttered`` events), the
        dialogue does not run again and nothing is stored: the answer is that turn's stored outcome
        (its replies, stored parse, events and the state right after it) with ``replayed=True``. The
        lookup happens under the session's lock, so concurrent retries of one turn apply it once.

        Args:
            analysis: the text's analysis, recorded as a ``text_analysed`` event (none: not recorded,
                and the user text is not masked).
            turn_id: the client's id of this turn, stored in its ``user_uttered`` event.

        Raises:
            TurnConflict: ``turn_id`` is stored in the session with another text.
        """
        if turn_id is not None and not turn_id:
            raise DialogueError(
                "expected a turn_id with at least one character, or None; found an empty string. "
                "Fix: send e.g. a UUID, or no turn_id"
            )
        event = analysis_event(analysis, masked=self.mask_pii) if analysis is not None else None
        with self.store.lock(session_id):
            tracker = self._tracker(session_id)
            stored = find_turn(tracker.events, turn_id) if turn_id is not None else None
            if stored is not None and turn_id is not None:
                check_same_text(
                    stored, text=self._stored_text(parse, analysis), session_id=session_id, turn_id=turn_id
                )
                return _replayed(
                    session_id, tracker.events, stored, parse=parse, analysis=analysis, turn_id=turn_id
                )
            result = self.dm.handle(tracker, parse, analysis=event)
            events = result.events
            if self.mask_pii and analysis is not None:
                events = mask_events(events, analysis.pii, self.pii)
            if turn_id is not None:
                events = [_with_turn_id(e, turn_id) for e in events]
            tracker.extend(events)
            self.store.save(session_id, tracker.to_dict())
        return Turn(
            session_id=session_id,
            text=parse.text,
            replies=[_reply(e) for e in result.replies],
            parse=parse,
            state=state_snapshot(tracker),
            events=dump_events(events),
            analysis=analysis_dict(analysis) if analysis is not None else None,
            turn_id=turn_id,
        )

    def _stored_text(self, parse: Parse, analysis: Analysis | None) -> str:
        """The user text as its ``user_uttered`` event stores it (PII masked when masking is on)."""
        if self.mask_pii and analysis is not None and analysis.pii:
            return mask_parse(parse, analysis.pii, self.pii).text
        return parse.text

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


def model_loader(
    skill: Skill,
    *,
    device: str = "auto",
    half: bool = False,
    runtime: Runtime = "torch",
    threads: int | None = None,
    analysers: dict[str, dict[str, Analyser]] | None = None,
) -> Callable[[str], NLU]:
    """Load a stored model by tag for ``skill``, refusing one trained for another skill.

    Args:
        analysers: when given, the analysers stored with each loaded model are put here by its version.
    """
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
        else:
            use_runtime(nlu, runtime, threads=threads)
        if analysers is not None:
            loaded = stored_analysers(tag, device=device)
            for analyser in loaded.values():
                if share_encoder(nlu, analyser.nlu):
                    continue
                if half:
                    use_half(analyser.nlu)
                else:
                    use_runtime(analyser.nlu, runtime, threads=threads)
            analysers[nlu.version or tag] = loaded
        return nlu

    return load


def _with_turn_id(event: Event, turn_id: str) -> Event:
    return event.model_copy(update={"turn_id": turn_id}) if isinstance(event, UserUttered) else event


def _replayed(
    session_id: str,
    log: Sequence[Event],
    stored: StoredTurn,
    *,
    parse: Parse,
    analysis: Analysis | None,
    turn_id: str,
) -> Turn:
    """The answer of a turn already stored: rebuilt from its events, with the state right after it."""
    return Turn(
        session_id=session_id,
        text=parse.text,
        replies=[_reply(e) for e in stored.replies(log)],
        parse=stored.uttered.parse,
        state=state_snapshot(Tracker(session_id, log[: stored.end])),
        events=dump_events(stored.events(log)),
        analysis=analysis_dict(analysis) if analysis is not None else None,
        turn_id=turn_id,
        replayed=True,
    )


def _reply(event: BotUttered) -> Reply:
    return Reply(
        text=event.text, buttons=list(event.buttons), reason=event.reason.model_dump(exclude_none=True)
    )
