"""Report files and plots of skills_core.nlu.report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skills_core.nlu.evaluate import (
    CrossValidationReport,
    EvaluationReport,
    Predictor,
    cross_validate,
    evaluate,
)
from skills_core.nlu.report import (
    MAX_TICK_LABELS,
    plot_confidence_histogram,
    plot_confusion_matrix,
    plot_intent_f1,
    write_report,
)
from skills_core.spec.annotations import Example, Span
from skills_core.spec.types import OUT_OF_SCOPE, Entity, IntentScore, Parse

PNG = b"\x89PNG\r\n\x1a\n"


def make_report(intents: int, *, threshold: float | None = None) -> EvaluationReport:
    """Two utterances per intent; the second of every third intent is mistaken for the next one."""
    names = [f"intent_{i:03d}" for i in range(intents - 1)] + [OUT_OF_SCOPE]
    gold: list[Example] = []
    pred: list[Parse] = []
    for i, name in enumerate(names):
        for k in range(2):
            text = f"say <{name}> {k}"
            wrong = k == 1 and i % 3 == 0
            chosen = names[(i + 1) % len(names)] if wrong else name
            conf = 0.45 if wrong else 0.9
            gold.append(Example(text, name, (Span(0, 3, "verb"),)))
            pred.append(
                Parse(
                    text=text,
                    intent=chosen,
                    confidence=conf,
                    ranking=[IntentScore(name=chosen, confidence=conf)],
                    entities=[Entity(entity="verb", start=0, end=3, text="say")],
                )
            )
    return evaluate(gold, pred, threshold=threshold)


def test_write_report_writes_every_file(tmp_path: Path) -> None:
    report = make_report(6, threshold=0.5)
    written = write_report(report, tmp_path / "out")
    names = sorted(p.name for p in written)
    assert names == sorted(
        [
            "report.json",
            "errors.json",
            "confusion_matrix.png",
            "intent_f1.png",
            "confidence_histogram.png",
            "report.html",
        ]
    )
    for path in written:
        assert path.parent == tmp_path / "out" and path.stat().st_size > 0
        if path.suffix == ".png":
            assert path.read_bytes().startswith(PNG)
    assert EvaluationReport.from_json((tmp_path / "out" / "report.json").read_text()) == report
    errors = json.loads((tmp_path / "out" / "errors.json").read_text())
    assert [e["text"] for e in errors["errors"]] == [e.text for e in report.errors]
    assert errors["confusable"][0] == {"gold": "intent_000", "predicted": "intent_001", "count": 1}


def test_html_is_self_contained(tmp_path: Path) -> None:
    report = make_report(6)
    write_report(report, tmp_path)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == 3
    assert "http://" not in page and "https://" not in page
    # User text is escaped, never injected as markup.
    assert "&lt;intent_000&gt;" in page and "<intent_000>" not in page
    assert "Entities" in page and "intent_000" in page


def test_plots_false_writes_json_only(tmp_path: Path) -> None:
    written = write_report(make_report(4), tmp_path, plots=False)
    assert sorted(p.name for p in written) == ["errors.json", "report.json"]
    assert not list(tmp_path.glob("*.png"))


@pytest.mark.parametrize(("intents", "has_ticks"), [(10, True), (MAX_TICK_LABELS, True), (151, False)])
def test_confusion_matrix_drops_tick_labels_when_crowded(intents: int, has_ticks: bool) -> None:
    fig = plot_confusion_matrix(make_report(intents))
    ax = fig.axes[0]
    assert (len(ax.get_xticklabels()) == intents) is has_ticks
    assert (len(ax.get_yticks()) > 0) is has_ticks
    assert fig.get_size_inches()[0] <= 26


def test_intent_f1_chart_shows_the_lowest_when_crowded() -> None:
    report = make_report(151)
    ax = plot_intent_f1(report).axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == MAX_TICK_LABELS
    lowest = sorted(report.per_intent.items(), key=lambda item: (item[1].f1, item[0]))[0][0]
    assert labels[0] == lowest
    assert "lowest" in ax.get_title()


@pytest.mark.parametrize(("threshold", "lines"), [(None, 0), (0.6, 1)])
def test_histogram_draws_the_threshold(threshold: float | None, lines: int) -> None:
    ax = plot_confidence_histogram(make_report(4), threshold=threshold).axes[0]
    assert len(ax.get_lines()) == lines


def test_histogram_falls_back_to_the_report_threshold() -> None:
    ax = plot_confidence_histogram(make_report(4, threshold=0.3)).axes[0]
    assert [line.get_xdata()[0] for line in ax.get_lines()] == [0.3]


def test_cross_validation_report_is_written(tmp_path: Path) -> None:
    examples = [Example(f"{name} {i}", name) for name in ("a", "b") for i in range(4)]

    def train(_: list[Example]) -> Predictor:
        return lambda texts: [Parse(text=t, intent=t.split()[0], confidence=0.8) for t in texts]

    report = cross_validate(examples, train=train, folds=2)
    written = write_report(report, tmp_path)
    assert len(written) == 6
    assert CrossValidationReport.from_json((tmp_path / "report.json").read_text()) == report
    assert "2-fold cross-validation" in (tmp_path / "report.html").read_text(encoding="utf-8")
