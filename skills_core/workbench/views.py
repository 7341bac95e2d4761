"""View models of the intent debugger: pure functions from a Parse (and a report) to what is shown.

Nothing here draws or imports a widget library, so the debugger's logic is tested as data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from skills_core.nlu.evaluate import ErrorCase, EvaluationReport
from skills_core.spec.types import OUT_OF_SCOPE, Entity, Parse


@dataclass(frozen=True)
class RankingBar:
    """One intent of the ranking: its confidence, whether it won, and whether it cleared the threshold."""

    name: str
    confidence: float
    chosen: bool
    below_threshold: bool


@dataclass(frozen=True)
class Decision:
    """The out-of-scope decision: the intent kept, or why the parse fell back."""

    intent: str
    confidence: float
    in_scope: bool
    reason: str | None
    """``out_of_scope``, ``low_confidence`` or ``ambiguous`` when it fell back."""
    explanation: str


@dataclass(frozen=True)
class Segment:
    """A run of the utterance: plain text, or an entity mention with its value."""

    text: str
    start: int
    end: int
    entity: str | None = None
    value: Any = None
    source: str | None = None


@dataclass(frozen=True)
class IntentView:
    """Everything the debugger shows for one utterance."""

    text: str
    bars: list[RankingBar]
    threshold: float
    decision: Decision
    segments: list[Segment]
    model_version: str | None


def ranking_bars(parse: Parse, *, threshold: float, limit: int = 10) -> list[RankingBar]:
    """The top ``limit`` in-scope intents by confidence, the chosen one marked."""
    ranked = sorted(parse.ranking, key=lambda s: (-s.confidence, s.name))[:limit]
    return [
        RankingBar(
            name=s.name,
            confidence=s.confidence,
            chosen=s.name == parse.intent,
            below_threshold=s.confidence < threshold,
        )
        for s in ranked
    ]


def decision(parse: Parse, *, threshold: float, margin: float = 0.0) -> Decision:
    """Explain the out-of-scope decision with the numbers compared."""
    top = sorted(parse.ranking, key=lambda s: -s.confidence)
    best = top[0] if top else None
    if parse.fallback is None:
        if best is None:
            why = f"kept {parse.intent} ({parse.confidence:.3f}); the parse has no ranking"
        else:
            why = f"top intent {best.name} {best.confidence:.3f} >= threshold {threshold:.3f}"
            if margin > 0 and len(top) > 1:
                gap = best.confidence - top[1].confidence
                why += f"; margin over {top[1].name} {gap:.3f} >= {margin:.3f}"
        return Decision(parse.intent, parse.confidence, True, None, f"in scope: {why}")
    fb = parse.fallback
    candidate = f" (best in-scope candidate: {fb.candidate})" if fb.candidate else ""
    rule = {
        "out_of_scope": "the out-of-scope class won",
        "low_confidence": f"the top in-scope confidence is below the threshold {threshold:.3f}",
        "ambiguous": f"the top two intents are closer than the margin {margin:.3f}",
    }[fb.reason]
    return Decision(
        OUT_OF_SCOPE, parse.confidence, False, fb.reason, f"out of scope: {rule}: {fb.detail}{candidate}"
    )


def segments(text: str, entities: list[Entity]) -> list[Segment]:
    """Split ``text`` into plain runs and entity mentions (overlaps: the earlier, longer one wins)."""
    spans = sorted(
        (e for e in entities if 0 <= e.start < e.end <= len(text)), key=lambda e: (e.start, -e.end)
    )
    out: list[Segment] = []
    pos = 0
    for e in spans:
        if e.start < pos:
            continue
        if e.start > pos:
            out.append(Segment(text[pos : e.start], pos, e.start))
        out.append(Segment(text[e.start : e.end], e.start, e.end, e.entity, e.value, e.source))
        pos = e.end
    if pos < len(text):
        out.append(Segment(text[pos:], pos, len(text)))
    return out


def intent_view(parse: Parse, *, threshold: float, margin: float = 0.0, limit: int = 10) -> IntentView:
    """The debugger's view of one parse."""
    return IntentView(
        text=parse.text,
        bars=ranking_bars(parse, threshold=threshold, limit=limit),
        threshold=threshold,
        decision=decision(parse, threshold=threshold, margin=margin),
        segments=segments(parse.text, parse.entities),
        model_version=parse.model_version,
    )


@dataclass(frozen=True)
class Neighbour:
    """A training example close to an utterance in the encoder's embedding space."""

    text: str
    intent: str
    similarity: float


@dataclass(frozen=True)
class ErrorRow:
    """One misclassified validation utterance, what it was confused with, and its nearest examples."""

    text: str
    gold: str
    predicted: str
    confidence: float
    confused_with: str
    """The wrong intent that won, or that led before an out-of-scope fallback (see ``confused_with``)."""
    nearest: list[Neighbour]


def confused_with(case: ErrorCase) -> str:
    """The intent a misclassified utterance was taken for.

    An in-scope prediction names itself. An out-of-scope prediction names the top in-scope intent
    when that is a wrong one (the model leaned that way), else ``out_of_scope`` (the right intent
    led, but the parse fell back).
    """
    if case.predicted_intent != OUT_OF_SCOPE:
        return case.predicted_intent
    top = next((r.name for r in case.ranking if r.name != OUT_OF_SCOPE), None)
    return top if top is not None and top != case.gold_intent else OUT_OF_SCOPE


def error_rows(
    report: EvaluationReport,
    *,
    intent: str | None = None,
    nearest: dict[str, list[Neighbour]] | None = None,
) -> list[ErrorRow]:
    """The utterances whose intent was wrong, lowest confidence first.

    Args:
        intent: keep only rows whose gold or predicted intent is this one (None: all).
        nearest: nearest training examples by utterance text (see ``NearestExamples``).
    """
    cases = [c for c in report.errors if not c.intent_correct]
    if intent is not None:
        cases = [c for c in cases if intent in (c.gold_intent, c.predicted_intent)]
    rows = [
        ErrorRow(
            text=c.text,
            gold=c.gold_intent,
            predicted=c.predicted_intent,
            confidence=c.confidence,
            confused_with=confused_with(c),
            nearest=list((nearest or {}).get(c.text, [])),
        )
        for c in cases
    ]
    return sorted(rows, key=lambda r: (r.gold, r.confidence, r.text))


def error_filter_options(report: EvaluationReport) -> list[str]:
    """The intents that appear in a misclassification (gold or predicted), sorted."""
    names = {n for c in report.errors if not c.intent_correct for n in (c.gold_intent, c.predicted_intent)}
    return sorted(names, key=lambda n: (n == OUT_OF_SCOPE, n))
