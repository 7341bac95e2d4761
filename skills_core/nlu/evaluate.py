"""Evaluate NLU predictions against gold examples: intents, out-of-scope detection and entities.

:func:`evaluate` compares one :class:`~skills_core.spec.types.Parse` per gold
:class:`~skills_core.spec.annotations.Example` (same order, same text) and returns an
:class:`EvaluationReport`; :func:`cross_validate` runs stratified k-fold cross-validation over a
training function. :mod:`skills_core.nlu.report` writes reports to JSON, PNG and HTML.

Definitions:
- ``accuracy``: share of utterances whose intent is right; ``in_scope_accuracy``: the same over
  utterances whose gold intent is not :data:`~skills_core.spec.types.OUT_OF_SCOPE`.
- ``oos_recall`` / ``oos_precision``: out-of-scope as the positive class (predicted ``OUT_OF_SCOPE``).
- ``oos_auroc``: ROC AUC of the score ``1 - top in-scope confidence`` (from the ranking) for telling
  out-of-scope from in-scope utterances; None unless both kinds are present.
- ``macro_f1`` and per-intent precision/recall/F1 over the union of gold and predicted labels.
- Entities: entity-level precision/recall/F1 (seqeval, CoNLL rules) over BIO tags of the
  :func:`~skills_core.nlu.tokenize.tokenize` tokens; None when neither side has any entity.
- ``sentence_accuracy``: the intent is right and every token's entity tag is right.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np
from pydantic import BaseModel, Field
from seqeval.metrics import classification_report
from sklearn.metrics import f1_score, precision_recall_fscore_support, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from skills_core.errors import ConfigError
from skills_core.nlu.tokenize import spans_to_bio, tokenize
from skills_core.spec.annotations import Example
from skills_core.spec.types import OUT_OF_SCOPE, Parse

_SEQEVAL_AVERAGES = frozenset({"micro avg", "macro avg", "weighted avg"})


class Scores(BaseModel):
    """Precision, recall and F1 of one class (or a micro average), with its gold support."""

    precision: float
    recall: float
    f1: float
    support: int


class EntityMetrics(Scores):
    """Entity-level micro scores over all types, and the scores of each entity type."""

    per_entity: dict[str, Scores] = Field(default_factory=dict)


class ConfidenceHistogram(BaseModel):
    """Counts of top-intent confidences per bin, for right and wrong intents."""

    edges: list[float] = Field(description="Bin edges, one more than the counts.")
    correct: list[int]
    incorrect: list[int]


class Mention(BaseModel):
    """An entity mention as shown in an error: type, character span and surface text."""

    entity: str
    start: int
    end: int
    text: str


class RankedIntent(BaseModel):
    name: str
    confidence: float


class ErrorCase(BaseModel):
    """One utterance whose intent or entities were wrong."""

    index: int = Field(description="Position in the evaluated sequence.")
    text: str
    gold_intent: str
    predicted_intent: str
    confidence: float
    ranking: list[RankedIntent] = Field(description="The top-3 intents of the prediction.")
    intent_correct: bool
    entities_correct: bool
    gold_entities: list[Mention]
    predicted_entities: list[Mention]


class ConfusablePair(BaseModel):
    """A gold intent, the intent predicted in its place, and how often."""

    gold: str
    predicted: str
    count: int


class EvaluationReport(BaseModel):
    """Every metric of one evaluation; JSON-serialisable with :meth:`to_json`."""

    count: int
    accuracy: float
    in_scope_accuracy: float | None
    oos_recall: float | None
    oos_precision: float | None
    oos_auroc: float | None
    macro_f1: float
    sentence_accuracy: float
    per_intent: dict[str, Scores]
    labels: list[str] = Field(description="Row/column order of the confusion matrix (sorted, OOS last).")
    confusion_matrix: list[list[int]] = Field(description="Rows are gold intents, columns predictions.")
    histogram: ConfidenceHistogram
    entities: EntityMetrics | None
    errors: list[ErrorCase]
    confusable: list[ConfusablePair] = Field(description="Most frequent (gold, predicted) confusions first.")
    threshold: float | None = Field(default=None, description="The confidence threshold in use, if any.")

    def summary(self) -> dict[str, float | int | None]:
        """The headline numbers."""
        return {
            "count": self.count,
            "accuracy": self.accuracy,
            "in_scope_accuracy": self.in_scope_accuracy,
            "macro_f1": self.macro_f1,
            "oos_recall": self.oos_recall,
            "oos_precision": self.oos_precision,
            "oos_auroc": self.oos_auroc,
            "entity_f1": self.entities.f1 if self.entities is not None else None,
            "entity_precision": self.entities.precision if self.entities is not None else None,
            "entity_recall": self.entities.recall if self.entities is not None else None,
            "sentence_accuracy": self.sentence_accuracy,
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)

    @classmethod
    def from_json(cls, data: str | bytes) -> EvaluationReport:
        return cls.model_validate_json(data)


def evaluate(
    gold: Sequence[Example],
    predicted: Sequence[Parse],
    *,
    threshold: float | None = None,
    bins: int = 10,
) -> EvaluationReport:
    """Compare predictions with gold examples, pairwise and in order.

    Args:
        gold: the annotated examples.
        predicted: one parse per example, of the same text.
        threshold: the confidence threshold the NLU used; only recorded (plots draw it).
        bins: number of confidence histogram bins over [0, 1].

    Raises:
        ConfigError: the sequences are empty, differ in length, or a parse is of another text.
    """
    _check_pairs(gold, predicted, bins)
    gold_intents = [g.intent for g in gold]
    pred_intents = [p.intent for p in predicted]
    labels = sorted(set(gold_intents) | set(pred_intents), key=lambda name: (name == OUT_OF_SCOPE, name))
    correct = np.array([g == p for g, p in zip(gold_intents, pred_intents, strict=True)])
    in_scope = np.array([g != OUT_OF_SCOPE for g in gold_intents])

    precision, recall, f1, support = precision_recall_fscore_support(
        gold_intents, pred_intents, labels=labels, zero_division=0
    )
    per_intent = {
        label: Scores(precision=float(p), recall=float(r), f1=float(f), support=int(s))
        for label, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    tokens = [tokenize(g.text) for g in gold]
    gold_tags = [
        spans_to_bio(toks, [(s.start, s.end, s.entity) for s in g.spans])
        for toks, g in zip(tokens, gold, strict=True)
    ]
    pred_tags = [
        spans_to_bio(toks, [(e.start, e.end, e.entity) for e in p.entities])
        for toks, p in zip(tokens, predicted, strict=True)
    ]
    tags_right = np.array([gt == pt for gt, pt in zip(gold_tags, pred_tags, strict=True)])
    errors = [
        _error_case(i, g, p, intent_correct=bool(correct[i]), entities_correct=bool(tags_right[i]))
        for i, (g, p) in enumerate(zip(gold, predicted, strict=True))
        if not (correct[i] and tags_right[i])
    ]
    pairs = Counter((g, p) for g, p in zip(gold_intents, pred_intents, strict=True) if g != p)
    return EvaluationReport(
        count=len(gold),
        accuracy=float(correct.mean()),
        in_scope_accuracy=float(correct[in_scope].mean()) if in_scope.any() else None,
        oos_recall=_oos_share(gold_intents, pred_intents),
        oos_precision=_oos_share(pred_intents, gold_intents),
        oos_auroc=_oos_auroc(~in_scope, predicted),
        macro_f1=float(f1_score(gold_intents, pred_intents, labels=labels, average="macro", zero_division=0)),
        sentence_accuracy=float((correct & tags_right).mean()),
        per_intent=per_intent,
        labels=labels,
        confusion_matrix=_confusion(gold_intents, pred_intents, labels),
        histogram=_histogram([p.confidence for p in predicted], correct, bins),
        entities=_entity_metrics(gold_tags, pred_tags),
        errors=errors,
        confusable=[
            ConfusablePair(gold=g, predicted=p, count=n)
            for (g, p), n in sorted(pairs.items(), key=lambda item: (-item[1], item[0]))
        ],
        threshold=threshold,
    )


def _check_pairs(gold: Sequence[Example], predicted: Sequence[Parse], bins: int) -> None:
    if not gold:
        raise ConfigError("expected at least one gold example; found none. Fix: pass a non-empty test set")
    if len(gold) != len(predicted):
        raise ConfigError(
            f"expected one prediction per gold example; found {len(gold)} examples and {len(predicted)} "
            "predictions. Fix: parse every example text, in order"
        )
    for i, (g, p) in enumerate(zip(gold, predicted, strict=True)):
        if g.text != p.text:
            raise ConfigError(
                f"expected prediction {i} to be of the text {g.text!r}; found {p.text!r}. "
                "Fix: pass predictions in the order of the gold examples"
            )
    if bins < 1:
        raise ConfigError(f"expected at least 1 histogram bin; found bins={bins}. Fix: pass bins >= 1")


def _confusion(gold: list[str], predicted: list[str], labels: list[str]) -> list[list[int]]:
    position = {name: i for i, name in enumerate(labels)}
    matrix = np.zeros((len(labels), len(labels)), dtype=int)
    np.add.at(matrix, ([position[g] for g in gold], [position[p] for p in predicted]), 1)
    return matrix.tolist()


def _oos_share(reference: list[str], other: list[str]) -> float | None:
    """Share of ``reference == OOS`` items where ``other`` is OOS too (recall, or precision swapped)."""
    hits = [o == OUT_OF_SCOPE for r, o in zip(reference, other, strict=True) if r == OUT_OF_SCOPE]
    return float(np.mean(hits)) if hits else None


def in_scope_confidence(parse: Parse) -> float:
    """The highest confidence of any in-scope intent in ``parse``.

    Uses the ranking; without one, the parse's own confidence when its intent is in scope, else
    ``1 - confidence`` (the most the in-scope intents can share).
    """
    scores = [s.confidence for s in parse.ranking if s.name != OUT_OF_SCOPE]
    if scores:
        return max(scores)
    return parse.confidence if parse.intent != OUT_OF_SCOPE else 1.0 - parse.confidence


def _oos_auroc(is_oos: np.ndarray, predicted: Sequence[Parse]) -> float | None:
    if is_oos.all() or not is_oos.any():
        return None
    scores = [1.0 - in_scope_confidence(p) for p in predicted]
    return float(roc_auc_score(is_oos.astype(int), scores))


def _histogram(confidences: list[float], correct: np.ndarray, bins: int) -> ConfidenceHistogram:
    # Bin i holds [i/bins, (i+1)/bins); rounding first keeps 0.7 in bin 7 despite 0.7 * 10 > 7 in floats.
    index = np.minimum(np.floor(np.round(np.array(confidences) * bins, 9)).astype(int), bins - 1)
    return ConfidenceHistogram(
        edges=[i / bins for i in range(bins + 1)],
        correct=np.bincount(index[correct], minlength=bins).tolist(),
        incorrect=np.bincount(index[~correct], minlength=bins).tolist(),
    )


def _entity_metrics(gold_tags: list[list[str]], pred_tags: list[list[str]]) -> EntityMetrics | None:
    if all(t == "O" for tags in (*gold_tags, *pred_tags) for t in tags):
        return None
    table = classification_report(gold_tags, pred_tags, output_dict=True, zero_division=0)

    def scores(row: dict[str, float]) -> Scores:
        return Scores(
            precision=float(row["precision"]),
            recall=float(row["recall"]),
            f1=float(row["f1-score"]),
            support=int(row["support"]),
        )

    per_entity = {name: scores(row) for name, row in sorted(table.items()) if name not in _SEQEVAL_AVERAGES}
    micro = scores(table["micro avg"])
    return EntityMetrics(**micro.model_dump(), per_entity=per_entity)


def _mentions(text: str, spans: list[tuple[int, int, str]]) -> list[Mention]:
    return [Mention(entity=e, start=s, end=t, text=text[s:t]) for s, t, e in sorted(spans)]


def _error_case(
    index: int, gold: Example, parse: Parse, *, intent_correct: bool, entities_correct: bool
) -> ErrorCase:
    ranking = sorted(parse.ranking, key=lambda s: -s.confidence)[:3]
    return ErrorCase(
        index=index,
        text=gold.text,
        gold_intent=gold.intent,
        predicted_intent=parse.intent,
        confidence=parse.confidence,
        ranking=[RankedIntent(name=s.name, confidence=s.confidence) for s in ranking],
        intent_correct=intent_correct,
        entities_correct=entities_correct,
        gold_entities=_mentions(gold.text, [(s.start, s.end, s.entity) for s in gold.spans]),
        predicted_entities=_mentions(parse.text, [(e.start, e.end, e.entity) for e in parse.entities]),
    )


Predictor = Callable[[list[str]], list[Parse]]
"""Parses a batch of texts, one :class:`Parse` per text, in order."""

Trainer = Callable[[list[Example]], Predictor]
"""Trains on examples and returns the predictor of the trained model."""


class CrossValidationReport(BaseModel):
    """Headline metrics of k-fold cross-validation: mean and standard deviation over folds.

    ``pooled`` evaluates every held-out prediction of every fold at once (each example once).
    """

    folds: int
    seed: int
    mean: dict[str, float | None]
    std: dict[str, float | None] = Field(description="Population standard deviation (ddof=0) over folds.")
    per_fold: list[dict[str, float | int | None]]
    pooled: EvaluationReport
    untested_intents: list[str] = Field(
        description="Intents with fewer examples than folds: always in training, never held out."
    )

    def summary(self) -> dict[str, float | int | None]:
        """``<metric>_mean`` and ``<metric>_std`` for every headline metric, plus ``folds``."""
        flat: dict[str, float | int | None] = {"folds": self.folds}
        for name, value in self.mean.items():
            flat[f"{name}_mean"] = value
            flat[f"{name}_std"] = self.std[name]
        return flat

    def to_json(self, *, indent: int | None = 2) -> str:
        return self.model_dump_json(indent=indent)

    @classmethod
    def from_json(cls, data: str | bytes) -> CrossValidationReport:
        return cls.model_validate_json(data)


def cross_validate(
    examples: Sequence[Example],
    *,
    train: Trainer,
    folds: int = 5,
    seed: int = 0,
    threshold: float | None = None,
) -> CrossValidationReport:
    """Stratified k-fold cross-validation: train on k-1 folds, evaluate on the held-out one.

    Intents with fewer than ``folds`` examples cannot be stratified: they stay in every training
    set, are never held out, and are listed in ``untested_intents``.

    Args:
        examples: the labelled examples.
        train: trains a model on a list of examples and returns its predictor.
        folds: number of folds (at least 2).
        seed: shuffling seed of the fold assignment.
        threshold: recorded in each evaluation (see :func:`evaluate`).

    Raises:
        ConfigError: ``folds < 2``, no intent has ``folds`` examples, or a predictor returns the wrong
            number of parses.
    """
    if folds < 2:
        raise ConfigError(f"expected folds >= 2; found folds={folds}. Fix: pass folds=2 or more")
    counts = Counter(e.intent for e in examples)
    untested = sorted(name for name, n in counts.items() if n < folds)
    testable = [i for i, e in enumerate(examples) if counts[e.intent] >= folds]
    if not testable:
        raise ConfigError(
            f"expected at least one intent with {folds} or more examples for {folds}-fold cross-validation; "
            f"found at most {max(counts.values(), default=0)}. Fix: add examples or lower folds"
        )
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    labels = [examples[i].intent for i in testable]
    reports: list[EvaluationReport] = []
    held_gold: list[Example] = []
    held_pred: list[Parse] = []
    for _, test_pos in splitter.split(np.zeros(len(testable)), labels):
        test_idx = {testable[j] for j in test_pos}
        gold = [examples[i] for i in sorted(test_idx)]
        predict = train([e for i, e in enumerate(examples) if i not in test_idx])
        parses = predict([e.text for e in gold])
        if len(parses) != len(gold):
            raise ConfigError(
                f"expected the predictor to return one parse per text; found {len(parses)} for {len(gold)} "
                "texts. Fix: make the predictor return a list the length of its input"
            )
        reports.append(evaluate(gold, parses, threshold=threshold))
        held_gold.extend(gold)
        held_pred.extend(parses)
    summaries = [r.summary() for r in reports]
    mean: dict[str, float | None] = {}
    std: dict[str, float | None] = {}
    for name in summaries[0]:
        if name == "count":
            continue
        values = [float(v) for s in summaries if (v := s[name]) is not None]
        mean[name] = float(np.mean(values)) if values else None
        std[name] = float(np.std(values)) if values else None
    return CrossValidationReport(
        folds=folds,
        seed=seed,
        mean=mean,
        std=std,
        per_fold=summaries,
        pooled=evaluate(held_gold, held_pred, threshold=threshold),
        untested_intents=untested,
    )
