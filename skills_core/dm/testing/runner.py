"""Run test conversations through a dialogue manager and describe every difference readably."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from skills_core.dm.context import step_label
from skills_core.dm.engine import DialogueManager, TurnResult
from skills_core.dm.events import BotUttered, TextAnalysed
from skills_core.dm.state import Tracker
from skills_core.dm.testing.loader import ConversationCase
from skills_core.dm.testing.schema import (
    EntityGiven,
    OneOfReply,
    PatternReply,
    ReplyExpectation,
    ResponseReply,
    Turn,
)
from skills_core.errors import ConfigError, SkillsError
from skills_core.spec.types import OUT_OF_SCOPE, Entity, Fallback, IntentScore, Parse

ParseFn = Callable[[str], Parse]
AnalyseFn = Callable[[str], TextAnalysed]
"""The host's text analysis of a message (language, analyser labels) as a ``text_analysed`` event."""


def turn_analysis(turn: Turn, analyse: AnalyseFn | None) -> TextAnalysed | None:
    """The turn's given ``analysis:``, else ``analyse`` of its text, else none."""
    if turn.analysis is not None:
        return TextAnalysed(language=turn.analysis.language, labels=turn.analysis.labels)
    if analyse is not None and turn.user is not None:
        return analyse(turn.user)
    return None


def given_parse(turn: Turn) -> Parse:
    """The parse an NLU-independent turn stands for (its intent, entities, ranking, fallback)."""
    intent = turn.intent or OUT_OF_SCOPE
    text = turn.user if turn.user is not None else intent
    scores = {intent: turn.confidence, **turn.ranking}
    ranking = [IntentScore(name=n, confidence=c) for n, c in sorted(scores.items(), key=lambda kv: -kv[1])]
    mentions: list[tuple[str, Any, str | None]] = []
    if isinstance(turn.entities, list):
        mentions = [(e.entity, e.value, e.text) for e in turn.entities if isinstance(e, EntityGiven)]
    else:
        for name, value in turn.entities.items():
            mentions += [(name, v, None) for v in (value if isinstance(value, list) else [value])]
    entities = [
        Entity(entity=name, start=0, end=0, text=surface or str(value), value=value, source="given")
        for name, value, surface in mentions
    ]
    reason = turn.fallback or ("out_of_scope" if intent == OUT_OF_SCOPE else None)
    fallback = None
    if reason is not None:
        candidate = next((s.name for s in ranking if s.name != OUT_OF_SCOPE), None)
        fallback = Fallback(reason=reason, detail="given by the test", candidate=candidate)
    return Parse(
        text=text,
        intent=intent,
        confidence=turn.confidence,
        ranking=ranking,
        entities=entities,
        fallback=fallback,
    )


def describe(expected: ReplyExpectation) -> str:
    if isinstance(expected, PatternReply):
        return f"/{expected.pattern}/"
    if isinstance(expected, OneOfReply):
        return "one of " + " | ".join(repr(t) for t in expected.one_of)
    if isinstance(expected, ResponseReply):
        return f"any variation of {expected.response}"
    return repr(expected)


def reply_matches(expected: ReplyExpectation, reply: BotUttered) -> bool:
    """Whether a reply meets one expectation."""
    if isinstance(expected, PatternReply):
        return re.fullmatch(expected.pattern, reply.text, flags=re.DOTALL) is not None
    if isinstance(expected, OneOfReply):
        return reply.text in expected.one_of
    if isinstance(expected, ResponseReply):
        return reply.response == expected.response
    return reply.text == expected


def values_match(expected: Any, actual: Any) -> bool:
    """Slot comparison: dicts by the expected keys only, a number against a money amount, floats loosely."""
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            values_match(v, actual.get(k)) for k, v in expected.items()
        )
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        if isinstance(actual, Mapping) and "amount" in actual:
            actual = actual["amount"]
        return (
            isinstance(actual, int | float) and not isinstance(actual, bool) and abs(actual - expected) < 1e-9
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(expected)
            and all(map(values_match, expected, actual))
        )
    return bool(expected == actual)


def _reply_diff(expected: list[ReplyExpectation], replies: list[BotUttered]) -> list[str]:
    ok = len(expected) == len(replies) and all(map(reply_matches, expected, replies))
    if ok:
        return []
    lines = [f"bot replies differ (expected {len(expected)}, got {len(replies)}):"]
    for i in range(max(len(expected), len(replies))):
        want = expected[i] if i < len(expected) else None
        got = replies[i] if i < len(replies) else None
        if want is not None and got is not None and reply_matches(want, got):
            lines.append(f"    {got.text!r}")
            continue
        if want is not None:
            lines.append(f"  - {describe(want)}")
        if got is not None:
            why = " ".join(x for x in (got.reason.policy, got.reason.flow, got.reason.step) if x)
            lines.append(f"  + {got.text!r}   [{why}]")
    return lines


def check_turn(turn: Turn, parse: Parse, result: TurnResult, dm: DialogueManager) -> list[str]:
    """Every way the turn's outcome differs from its expectations (empty when it passes)."""
    problems: list[str] = []
    if turn.bot is not None:
        problems += _reply_diff(turn.bot, result.replies)
    expect = turn.expect
    if expect is None:
        return problems
    given = expect.model_fields_set
    state = result.state
    if "intent" in given and parse.intent != expect.intent:
        problems.append(
            f"intent: expected {expect.intent!r}, found {parse.intent!r} ({parse.confidence:.2f})"
        )
    for slot, want in expect.slots.items():
        got = state.slots.get(slot)
        if not values_match(want, got):
            problems.append(f"slot {slot}: expected {want!r}, found {got!r}")
    if "flow" in given and state.active_flow != expect.flow:
        problems.append(f"active flow: expected {expect.flow!r}, found {state.active_flow!r}")
    if "step" in given:
        frame = state.frame
        step = step_label(dm.skill.flows[frame.flow], frame.step) if frame and frame.step >= 0 else None
        if step != expect.step:
            problems.append(f"step: expected {expect.step!r}, found {step!r}")
    types = [e.type for e in result.events]
    missing = [t for t in expect.events if t not in types]
    present = [t for t in expect.no_events if t in types]
    if missing:
        problems.append(f"events: expected {', '.join(missing)}; this turn had: {', '.join(types)}")
    if present:
        problems.append(f"events: expected no {', '.join(present)}; this turn had: {', '.join(types)}")
    return problems


@dataclass(frozen=True)
class TurnOutcome:
    """One turn as run: what the user said, what the bot replied, and what differed."""

    index: int
    line: int | None
    said: str
    replies: list[str]
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ConversationResult:
    """The outcome of one test conversation."""

    case: ConversationCase
    turns: list[TurnOutcome]
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.error is None and not any(t.problems for t in self.turns)

    def report(self) -> str:
        """A readable account: the transcript up to the failure and a diff for each failing turn."""
        head = f"{'PASSED' if self.passed else 'FAILED'} {self.case.name} ({self.case.where})"
        if self.passed:
            return head
        lines = [head]
        for turn in self.turns:
            where = f" (line {turn.line})" if turn.line is not None else ""
            mark = "x" if turn.problems else " "
            lines.append(f" {mark} turn {turn.index + 1}{where}: user: {turn.said}")
            if not any(p.startswith("bot replies differ") for p in turn.problems):  # the diff shows them
                lines += [f"      bot: {text}" for text in turn.replies]
            lines += [f"      {p}" for problem in turn.problems for p in problem.splitlines()]
        if self.error:
            lines.append(f"   error: {self.error}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.report()


def run_conversation(
    case: ConversationCase,
    dm: DialogueManager,
    *,
    parse: ParseFn | None = None,
    analyse: AnalyseFn | None = None,
    keep_going: bool = False,
) -> ConversationResult:
    """Play a test conversation against ``dm``.

    Args:
        parse: end-to-end mode: turns with ``user`` text are parsed with it (the NLU); without it, or
            for turns with only an ``intent``, the turn's intent and entities are used as the parse.
        analyse: the text analysis of user texts (language, analyser labels) for turns that do not
            give ``analysis:``; without it such turns have none.
        keep_going: run the turns after a failing one too (later failures may only be consequences).
    """
    conversation = case.conversation
    tracker = Tracker(conversation.session_id or f"test-{case.id}")
    outcomes: list[TurnOutcome] = []
    for i, turn in enumerate(conversation.turns):
        line = case.turn_lines[i] if i < len(case.turn_lines) else None
        if turn.user is not None and parse is not None:
            said = repr(turn.user)
            parsed = parse(turn.user)
        elif turn.intent is not None:
            parsed = given_parse(turn)
            said = f"{turn.user!r} " if turn.user is not None else ""
            mentions = ", ".join(f"{e.entity}={e.value!r}" for e in parsed.entities)
            said += f"[{turn.intent}{': ' + mentions if mentions else ''}]"
        else:
            raise ConfigError(
                f"expected an intent in turn {i + 1} of {case.name!r} ({case.where}) to run without an NLU; "
                "found only user text. Fix: pass parse= (end-to-end mode) or add 'intent:' to the turn."
            )
        try:
            result = dm.respond(tracker, parsed, analysis=turn_analysis(turn, analyse))
        except SkillsError as e:
            outcomes.append(TurnOutcome(index=i, line=line, said=said, replies=[]))
            return ConversationResult(case=case, turns=outcomes, error=f"{type(e).__name__}: {e}")
        problems = check_turn(turn, parsed, result, dm)
        outcomes.append(TurnOutcome(index=i, line=line, said=said, replies=result.texts, problems=problems))
        if problems and not keep_going:
            break
    return ConversationResult(case=case, turns=outcomes)


def run_conversations(
    cases: Iterable[ConversationCase],
    dm: DialogueManager,
    *,
    parse: ParseFn | None = None,
    analyse: AnalyseFn | None = None,
    keep_going: bool = False,
) -> list[ConversationResult]:
    """Run several test conversations (each in a fresh session)."""
    return [run_conversation(c, dm, parse=parse, analyse=analyse, keep_going=keep_going) for c in cases]


def summarize(results: list[ConversationResult]) -> str:
    """Every failure's report, then a count line."""
    failed = [r for r in results if not r.passed]
    parts = [r.report() for r in failed]
    parts.append(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return "\n\n".join(parts)


def assert_passes(
    case: ConversationCase, dm: DialogueManager, *, parse: ParseFn | None = None
) -> ConversationResult:
    """Run ``case`` and raise ``AssertionError`` with the readable report when it fails (for pytest)."""
    result = run_conversation(case, dm, parse=parse)
    if not result.passed:
        raise AssertionError(result.report())
    return result
