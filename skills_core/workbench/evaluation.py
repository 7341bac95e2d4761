"""Evaluation runs for the notebook: k-fold on a skill, or train/valid/test on a benchmark dataset.

The dataset path follows ``benchmarks/nlu.py`` step by step (``fit`` on train with valid for early
stopping and the threshold, ``evaluate`` on test), so its headline numbers are the README's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skills_core.nlu.config import NLUConfig
from skills_core.nlu.evaluate import (
    CrossValidationReport,
    EvaluationReport,
    evaluate,
)
from skills_core.nlu.model import NLU
from skills_core.nlu.report import write_report
from skills_core.nlu.train import TrainingSummary, fit
from skills_core.spec.annotations import Example


def dataset_config(
    language: str, *, mode: str = "fast", epochs: int | None = None, **overrides: Any
) -> NLUConfig:
    """The configuration ``benchmarks/nlu.py`` uses: the char encoder for Chinese, no progress bar."""
    data: dict[str, Any] = {"mode": mode, "progress": False, **overrides}
    if language == "zh" and "encoder" not in overrides:
        data["encoder"] = "char"
    if epochs:
        data["epochs"] = epochs
    return NLUConfig.model_validate(data)


@dataclass(frozen=True)
class SplitEvaluation:
    """A model trained on a train split and scored on a test split."""

    report: EvaluationReport
    nlu: NLU
    summary: TrainingSummary
    train_seconds: float
    sizes: dict[str, int]


def evaluate_split(
    train: Sequence[Example],
    valid: Sequence[Example],
    test: Sequence[Example],
    *,
    language: str,
    config: NLUConfig,
) -> SplitEvaluation:
    """Train on ``train`` (early stopping and threshold on ``valid``), evaluate on ``test``."""
    started = time.perf_counter()
    nlu, summary = fit(train, valid, config=config, language=language)
    seconds = time.perf_counter() - started
    predicted = nlu.parse_batch([ex.text for ex in test])
    report = evaluate(test, predicted, threshold=nlu.meta.threshold)
    return SplitEvaluation(
        report=report,
        nlu=nlu,
        summary=summary,
        train_seconds=round(seconds, 1),
        sizes={"train": len(train), "valid": len(valid), "test": len(test)},
    )


def benchmark_metrics(report: EvaluationReport | CrossValidationReport) -> dict[str, float | int | None]:
    """Headline metrics as the README's benchmark table shows them (percentages, 2 decimals)."""
    return {k: (round(v * 100, 2) if isinstance(v, float) else v) for k, v in report.summary().items()}


def write_evaluation(
    report: EvaluationReport | CrossValidationReport,
    directory: Path | str,
    *,
    params: dict[str, Any],
    extra: dict[str, Any] | None = None,
) -> list[Path]:
    """Write the report (JSON, PNGs, HTML) and ``summary.json`` (parameters and headline metrics).

    Returns:
        The paths written.
    """
    out = Path(directory)
    files = write_report(report, out)
    summary = {"params": params, "metrics": benchmark_metrics(report), **(extra or {})}
    path = out / "summary.json"
    path.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    return [*files, path]
