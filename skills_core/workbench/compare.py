"""Which predictions changed between two models: fixed, broken, or only different."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from skills_core.errors import ConfigError
from skills_core.spec.annotations import Example
from skills_core.spec.types import Parse

ChangeKind = Literal["fixed", "broken", "changed", "probe"]
"""fixed: wrong before, right after; broken: the reverse; changed: wrong both times, differently;
probe: an utterance without a gold intent whose prediction changed."""


@dataclass(frozen=True)
class PredictionChange:
    """One utterance whose predicted intent differs between the two models."""

    text: str
    gold: str | None
    before: str
    before_confidence: float
    after: str
    after_confidence: float
    kind: ChangeKind


@dataclass(frozen=True)
class Comparison:
    """The differences between two models' predictions on the same utterances."""

    count: int
    before_accuracy: float | None
    after_accuracy: float | None
    changes: list[PredictionChange]

    @property
    def fixed(self) -> list[PredictionChange]:
        return [c for c in self.changes if c.kind == "fixed"]

    @property
    def broken(self) -> list[PredictionChange]:
        return [c for c in self.changes if c.kind == "broken"]

    def headline(self) -> str:
        """One line: accuracy before and after, and how many predictions were fixed and broken."""
        if self.before_accuracy is None or self.after_accuracy is None:
            accuracy = "no labelled utterances"
        else:
            accuracy = f"validation accuracy {self.before_accuracy:.3f} -> {self.after_accuracy:.3f}"
        return (
            f"{accuracy}; {len(self.fixed)} fixed, {len(self.broken)} broken, "
            f"{len(self.changes)} changed of {self.count}"
        )


def _pairs(before: Sequence[Parse], after: Sequence[Parse], what: str) -> None:
    if len(before) != len(after) or any(b.text != a.text for b, a in zip(before, after, strict=False)):
        raise ConfigError(
            f"expected the two models' {what} predictions to be of the same texts in the same order; "
            f"found {len(before)} and {len(after)} predictions that differ. Fix: parse one list with both"
        )


def compare(
    gold: Sequence[Example],
    before: Sequence[Parse],
    after: Sequence[Parse],
    *,
    probes_before: Sequence[Parse] = (),
    probes_after: Sequence[Parse] = (),
) -> Comparison:
    """Compare two models' predictions of the same gold examples (and optional unlabelled probes).

    Raises:
        ConfigError: the predictions are not of the same texts, in the same order.
    """
    _pairs(before, after, "labelled")
    _pairs(probes_before, probes_after, "probe")
    if len(gold) != len(before) or any(g.text != b.text for g, b in zip(gold, before, strict=False)):
        raise ConfigError(
            f"expected one prediction per gold example, in order; found {len(gold)} examples and "
            f"{len(before)} predictions. Fix: parse the gold texts in order"
        )
    changes: list[PredictionChange] = []
    for g, b, a in zip(gold, before, after, strict=True):
        if b.intent == a.intent:
            continue
        kind: ChangeKind = (
            "fixed" if a.intent == g.intent else "broken" if b.intent == g.intent else "changed"
        )
        changes.append(_change(b, a, gold=g.intent, kind=kind))
    for b, a in zip(probes_before, probes_after, strict=True):
        if b.intent != a.intent:
            changes.append(_change(b, a, gold=None, kind="probe"))
    n = len(gold)
    return Comparison(
        count=n + len(probes_before),
        before_accuracy=sum(b.intent == g.intent for g, b in zip(gold, before, strict=True)) / n
        if n
        else None,
        after_accuracy=sum(a.intent == g.intent for g, a in zip(gold, after, strict=True)) / n if n else None,
        changes=changes,
    )


def _change(before: Parse, after: Parse, *, gold: str | None, kind: ChangeKind) -> PredictionChange:
    return PredictionChange(
        text=before.text,
        gold=gold,
        before=before.intent,
        before_confidence=before.confidence,
        after=after.intent,
        after_confidence=after.confidence,
        kind=kind,
    )
