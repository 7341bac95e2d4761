"""Evaluation helpers of the notebook: benchmark configuration, headline metrics, reports on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skills_core.nlu.config import DEFAULT_ENCODER
from skills_core.nlu.evaluate import evaluate
from skills_core.workbench import benchmark_metrics, dataset_config, write_evaluation


@pytest.mark.parametrize(
    ("language", "overrides", "encoder"),
    [("en", {}, DEFAULT_ENCODER), ("zh", {}, "char"), ("zh", {"encoder": "auto"}, "auto")],
)
def test_dataset_config_follows_the_benchmark(language: str, overrides: dict, encoder: str) -> None:
    config = dataset_config(language, mode="finetune", epochs=3, **overrides)
    assert (config.mode, config.epochs, config.encoder, config.progress) == ("finetune", 3, encoder, False)
    assert dataset_config("en").epochs is None


def test_benchmark_metrics_are_percentages(labelled) -> None:
    report = evaluate(*labelled)
    metrics = benchmark_metrics(report)
    assert metrics["accuracy"] == 60.0
    assert metrics["count"] == 5
    assert metrics["entity_f1"] is None


def test_write_evaluation(tmp_path: Path, labelled) -> None:
    files = write_evaluation(evaluate(*labelled), tmp_path / "out", params={"folds": 2}, extra={"note": "x"})
    names = {f.name for f in files}
    assert {"report.json", "report.html", "summary.json", "confusion_matrix.png"} <= names
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary == {"params": {"folds": 2}, "metrics": summary["metrics"], "note": "x"}
    assert summary["metrics"]["accuracy"] == 60.0
