"""Metrics of skills_core.nlu.evaluate on small hand-computed cases, and cross-validation."""

from __future__ import annotations

import pytest

from skills_core.errors import ConfigError
from skills_core.nlu.evaluate import (
    CrossValidationReport,
    EvaluationReport,
    Predictor,
    Trainer,
    cross_validate,
    evaluate,
    in_scope_confidence,
)
from skills_core.spec.annotations import Example, Span
from skills_core.spec.types import OUT_OF_SCOPE, Entity, IntentScore, Parse

OOS = OUT_OF_SCOPE


def parse(
    text: str,
    intent: str,
    confidence: float,
    ranking: list[tuple[str, float]] | None = None,
    entities: list[tuple[int, int, str]] | None = None,
) -> Parse:
    return Parse(
        text=text,
        intent=intent,
        confidence=confidence,
        ranking=[IntentScore(name=n, confidence=c) for n, c in (ranking or [(intent, confidence)])],
        entities=[Entity(entity=e, start=s, end=t, text=text[s:t]) for s, t, e in entities or []],
    )


@pytest.fixture
def intent_case() -> tuple[list[Example], list[Parse]]:
    """6 utterances: 2 book (1 wrong -> weather), 2 weather, 2 OOS (1 missed -> book)."""
    gold = [
        Example("book a table", "book"),
        Example("reserve for two", "book"),
        Example("is it raining", "weather"),
        Example("forecast please", "weather"),
        Example("sing a song", OOS),
        Example("tell a joke", OOS),
    ]
    pred = [
        parse("book a table", "book", 0.95, [("book", 0.95), ("weather", 0.04), (OOS, 0.01)]),
        parse("reserve for two", "weather", 0.55, [("weather", 0.55), ("book", 0.40), (OOS, 0.05)]),
        parse("is it raining", "weather", 0.9, [("weather", 0.9), ("book", 0.1)]),
        parse("forecast please", "weather", 0.85, [("weather", 0.85), ("book", 0.15)]),
        parse("sing a song", OOS, 0.8, [(OOS, 0.8), ("book", 0.15), ("weather", 0.05)]),
        parse("tell a joke", "book", 0.5, [("book", 0.5), (OOS, 0.3), ("weather", 0.2)]),
    ]
    return gold, pred


def test_intent_metrics_match_hand_computation(intent_case: tuple[list[Example], list[Parse]]) -> None:
    report = evaluate(*intent_case)
    assert report.count == 6
    assert report.accuracy == pytest.approx(4 / 6)
    assert report.in_scope_accuracy == pytest.approx(3 / 4)
    assert report.oos_recall == pytest.approx(1 / 2)
    assert report.oos_precision == pytest.approx(1.0)
    # book: P=1/2 R=1/2; weather: P=2/3 R=1; OOS: P=1 R=1/2.
    assert report.per_intent["book"].f1 == pytest.approx(0.5)
    assert report.per_intent["weather"].precision == pytest.approx(2 / 3)
    assert report.per_intent["weather"].f1 == pytest.approx(0.8)
    assert report.per_intent[OOS].recall == pytest.approx(0.5)
    assert report.per_intent[OOS].support == 2
    assert report.macro_f1 == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)
    assert report.sentence_accuracy == pytest.approx(4 / 6)
    assert report.entities is None


def test_confusion_matrix_is_sorted_with_oos_last(intent_case: tuple[list[Example], list[Parse]]) -> None:
    report = evaluate(*intent_case)
    assert report.labels == ["book", "weather", OOS]
    assert report.confusion_matrix == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]


def test_errors_and_confusable_pairs(intent_case: tuple[list[Example], list[Parse]]) -> None:
    gold, pred = intent_case
    gold = [*gold, Example("table for 4", "book")]
    pred = [*pred, parse("table for 4", "weather", 0.6, [("book", 0.3), ("weather", 0.6), (OOS, 0.1)])]
    report = evaluate(gold, pred)
    assert [e.index for e in report.errors] == [1, 5, 6]
    last = report.errors[-1]
    assert (last.gold_intent, last.predicted_intent, last.confidence) == ("book", "weather", 0.6)
    assert [r.name for r in last.ranking] == ["weather", "book", OOS]
    assert not last.intent_correct and last.entities_correct
    assert [(p.gold, p.predicted, p.count) for p in report.confusable] == [
        ("book", "weather", 2),
        (OOS, "book", 1),
    ]


def test_ranking_in_errors_is_cut_to_three() -> None:
    ranking = [("a", 0.1), ("b", 0.4), ("c", 0.3), ("d", 0.2)]
    report = evaluate([Example("x", "a")], [parse("x", "b", 0.4, ranking)])
    assert [r.name for r in report.errors[0].ranking] == ["b", "c", "d"]


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        # Each row: (top in-scope confidence for an OOS utterance, for an in-scope one) -> AUROC.
        ((0.2, 0.9), 1.0),
        ((0.9, 0.2), 0.0),
        ((0.5, 0.5), 0.5),
    ],
)
def test_oos_auroc_uses_top_in_scope_confidence(scores: tuple[float, float], expected: float) -> None:
    oos_conf, in_conf = scores
    gold = [Example("noise", OOS), Example("hello", "greet")]
    # The OOS utterance is predicted OOS: its in-scope score comes from the ranking, not the top.
    pred = [
        parse("noise", OOS, 0.9, [(OOS, 0.9), ("greet", oos_conf)]),
        parse("hello", "greet", in_conf, [("greet", in_conf)]),
    ]
    assert evaluate(gold, pred).oos_auroc == pytest.approx(expected)


def test_oos_metrics_are_none_without_oos() -> None:
    report = evaluate([Example("hi", "greet")], [parse("hi", "greet", 0.9)])
    assert (report.oos_recall, report.oos_precision, report.oos_auroc) == (None, None, None)
    assert report.in_scope_accuracy == 1.0


def test_in_scope_accuracy_is_none_with_only_oos() -> None:
    report = evaluate([Example("zzz", OOS)], [parse("zzz", OOS, 0.9)])
    assert report.in_scope_accuracy is None
    assert report.oos_auroc is None
    assert report.oos_recall == 1.0


@pytest.mark.parametrize(
    ("intent", "confidence", "ranking", "expected"),
    [
        ("a", 0.7, [("a", 0.7), (OOS, 0.2), ("b", 0.1)], 0.7),
        (OOS, 0.6, [(OOS, 0.6), ("b", 0.3), ("a", 0.1)], 0.3),
        ("a", 0.8, [], 0.8),
        (OOS, 0.75, [], 0.25),
    ],
)
def test_in_scope_confidence(
    intent: str, confidence: float, ranking: list[tuple[str, float]], expected: float
) -> None:
    p = Parse(
        text="t",
        intent=intent,
        confidence=confidence,
        ranking=[IntentScore(name=n, confidence=c) for n, c in ranking],
    )
    assert in_scope_confidence(p) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("confidence", "bin_index"), [(0.0, 0), (0.05, 0), (0.1, 1), (0.7, 7), (0.999, 9), (1.0, 9)]
)
def test_histogram_bins(confidence: float, bin_index: int) -> None:
    report = evaluate(
        [Example("x", "a"), Example("y", "a")], [parse("x", "a", confidence), parse("y", "b", 0.35)]
    )
    hist = report.histogram
    assert hist.edges == pytest.approx([i / 10 for i in range(11)])
    assert hist.correct == [1 if i == bin_index else 0 for i in range(10)]
    assert hist.incorrect == [1 if i == 3 else 0 for i in range(10)]


def test_entity_metrics_and_sentence_accuracy() -> None:
    gold = [
        Example("fly to new york", "book", (Span(7, 15, "city"),)),
        Example("weather in rome today", "weather", (Span(11, 15, "city"), Span(16, 21, "date"))),
        Example("来张信哲的歌", "play", (Span(1, 4, "singer"),)),
    ]
    pred = [
        parse("fly to new york", "book", 0.9, entities=[(7, 15, "city")]),
        parse("weather in rome today", "weather", 0.9, entities=[(11, 15, "city")]),
        # CJK is one token per character, so a span one character short is wrong.
        parse("来张信哲的歌", "play", 0.9, entities=[(1, 3, "singer")]),
    ]
    report = evaluate(gold, pred)
    assert report.entities is not None
    assert (report.entities.precision, report.entities.recall, report.entities.support) == (
        pytest.approx(2 / 3),
        pytest.approx(2 / 4),
        4,
    )
    assert report.entities.f1 == pytest.approx(4 / 7)
    per = report.entities.per_entity
    assert (per["city"].f1, per["date"].recall, per["singer"].precision) == (1.0, 0.0, 0.0)
    assert report.accuracy == 1.0
    assert report.sentence_accuracy == pytest.approx(1 / 3)
    assert [e.index for e in report.errors] == [1, 2]
    assert report.errors[1].gold_entities[0].text == "张信哲"
    assert report.errors[1].predicted_entities[0].text == "张信"
    assert not report.errors[1].entities_correct and report.errors[1].intent_correct


def test_spurious_entities_count_against_precision() -> None:
    gold = [Example("pay 5 dollars", "pay")]
    report = evaluate(gold, [parse("pay 5 dollars", "pay", 0.9, entities=[(4, 5, "number")])])
    assert report.entities is not None
    assert (report.entities.precision, report.entities.support) == (0.0, 0)
    assert report.sentence_accuracy == 0.0


@pytest.mark.parametrize(
    ("gold", "pred", "message"),
    [
        ([], [], "at least one gold example"),
        ([Example("a", "x")], [], "one prediction per gold example"),
        ([Example("a", "x"), Example("b", "x")], [parse("b", "x", 1.0), parse("a", "x", 1.0)], "order"),
    ],
)
def test_bad_inputs_raise_config_error(gold: list[Example], pred: list[Parse], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        evaluate(gold, pred)


def test_bins_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="bins >= 1"):
        evaluate([Example("a", "x")], [parse("a", "x", 1.0)], bins=0)


def test_report_round_trips_through_json(intent_case: tuple[list[Example], list[Parse]]) -> None:
    report = evaluate(*intent_case, threshold=0.4)
    again = EvaluationReport.from_json(report.to_json())
    assert again == report
    assert again.threshold == 0.4
    summary = report.summary()
    assert summary["accuracy"] == report.accuracy
    assert summary["count"] == 6
    assert summary["entity_f1"] is None


# ---- cross-validation -------------------------------------------------------------------------


def keyword_trainer(seen: list[list[Example]]) -> Trainer:
    """A trainer whose model predicts the intent of the training example sharing most words."""

    def train(examples: list[Example]) -> Predictor:
        seen.append(list(examples))
        known = [(set(e.text.split()), e.intent) for e in examples]

        def predict(texts: list[str]) -> list[Parse]:
            out = []
            for text in texts:
                words = set(text.split())
                _, best = max(known, key=lambda item: (len(item[0] & words), item[1]))
                out.append(parse(text, best, 0.9))
            return out

        return predict

    return train


def cv_examples() -> list[Example]:
    examples = [Example(f"book table {i}", "book") for i in range(6)]
    examples += [Example(f"weather forecast {i}", "weather") for i in range(6)]
    examples += [Example("music rare", "music"), Example("music rarer", "music")]
    return examples


def test_cross_validation_holds_out_each_testable_example_once() -> None:
    seen: list[list[Example]] = []
    examples = cv_examples()
    report = cross_validate(examples, train=keyword_trainer(seen), folds=3, seed=1)
    assert isinstance(report, CrossValidationReport)
    assert report.untested_intents == ["music"]
    assert len(seen) == 3 and len(report.per_fold) == 3
    assert report.pooled.count == 12
    assert report.pooled.errors == []
    for train_set, fold in zip(seen, report.per_fold, strict=True):
        assert len(train_set) + int(fold["count"] or 0) == len(examples)
        assert {"music rare", "music rarer"} <= {e.text for e in train_set}
        # Stratified: each fold holds out 2 of the 6 examples of each intent.
        assert sum(e.intent == "book" for e in train_set) == 4
    assert report.mean["accuracy"] == 1.0 and report.std["accuracy"] == 0.0
    assert report.mean["oos_recall"] is None
    summary = report.summary()
    assert (summary["folds"], summary["accuracy_mean"], summary["accuracy_std"]) == (3, 1.0, 0.0)
    assert CrossValidationReport.from_json(report.to_json()) == report


def test_cross_validation_is_seeded() -> None:
    def held_out(seed: int) -> list[set[str]]:
        seen: list[list[Example]] = []
        cross_validate(cv_examples(), train=keyword_trainer(seen), folds=3, seed=seed)
        return [{e.text for e in cv_examples()} - {e.text for e in s} for s in seen]

    assert held_out(0) == held_out(0)
    assert held_out(0) != held_out(5)


def test_cross_validation_mean_and_std_over_folds() -> None:
    calls = iter([True, False])

    def train(examples: list[Example]) -> Predictor:
        good = next(calls)

        def predict(texts: list[str]) -> list[Parse]:
            return [parse(t, t.split()[0] if good else "nothing", 0.9) for t in texts]

        return predict

    examples = [Example(f"{name} {i}", name) for name in ("a", "b") for i in range(4)]
    report = cross_validate(examples, train=train, folds=2)
    assert report.mean["accuracy"] == pytest.approx(0.5)
    assert report.std["accuracy"] == pytest.approx(0.5)
    assert report.pooled.accuracy == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("examples", "folds", "message"),
    [
        ([Example("a", "x")] * 5, 1, "folds >= 2"),
        ([Example("a", "x"), Example("b", "y")], 2, "at least one intent with 2 or more"),
    ],
)
def test_cross_validation_rejects_impossible_settings(
    examples: list[Example], folds: int, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        cross_validate(examples, train=keyword_trainer([]), folds=folds)


def test_cross_validation_checks_predictor_length() -> None:
    def train(examples: list[Example]) -> Predictor:
        return lambda texts: []

    with pytest.raises(ConfigError, match="one parse per text"):
        cross_validate([Example(str(i), "x") for i in range(4)], train=train, folds=2)
