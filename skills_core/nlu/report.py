"""Write evaluation reports: JSON, PNG plots and one self-contained HTML page.

Plots are drawn on :class:`matplotlib.figure.Figure` objects directly (never ``pyplot``), so no
global backend or state is touched; PNGs are rendered by the Agg canvas.
"""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from skills_core.nlu.evaluate import CrossValidationReport, EvaluationReport

MAX_TICK_LABELS = 40
"""Above this many intents, the confusion matrix drops its tick labels and the F1 chart shows the worst."""

_HTML_ERRORS = 200
_HTML_PAIRS = 30


def plot_confusion_matrix(report: EvaluationReport) -> Figure:
    """Row-normalised confusion matrix (gold rows, predicted columns), counts written when small."""
    counts = np.array(report.confusion_matrix, dtype=float)
    n = len(report.labels)
    rows = counts.sum(axis=1, keepdims=True)
    shares = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0)
    side = float(np.clip(3.0 + 0.14 * n, 5.0, 24.0))
    fig = Figure(figsize=(side + 1.5, side), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(shares, cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest")
    fig.colorbar(image, ax=ax, shrink=0.6, label="share of gold row")
    if n <= MAX_TICK_LABELS:
        size = float(np.clip(300 / max(n, 1), 5, 9))
        ax.set_xticks(range(n), report.labels, rotation=90, fontsize=size)
        ax.set_yticks(range(n), report.labels, fontsize=size)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    if n <= 20:
        for (i, j), value in np.ndenumerate(counts):
            if value:
                color = "white" if shares[i, j] > 0.5 else "black"
                ax.text(j, i, str(int(value)), ha="center", va="center", fontsize=7, color=color)
    label_size = max(9.0, side * 0.6)
    ax.set_xlabel(f"predicted ({n} intents, sorted, out_of_scope last)", fontsize=label_size)
    ax.set_ylabel("gold", fontsize=label_size)
    ax.set_title(f"Confusion matrix (accuracy {report.accuracy:.3f})", fontsize=label_size + 1)
    return fig


def plot_intent_f1(report: EvaluationReport, *, limit: int = MAX_TICK_LABELS) -> Figure:
    """Horizontal F1 bars per intent, lowest first; only the ``limit`` lowest when there are more."""
    ranked = sorted(report.per_intent.items(), key=lambda item: (item[1].f1, item[0]))
    shown = ranked[:limit]
    fig = Figure(figsize=(7.0, 1.2 + 0.2 * len(shown)), layout="constrained")
    ax = fig.subplots()
    names = [name for name, _ in shown]
    ax.barh(range(len(shown)), [s.f1 for _, s in shown], color="tab:blue")
    ax.set_yticks(range(len(shown)), names, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("F1", fontsize=9)
    title = f"Per-intent F1 (macro {report.macro_f1:.3f})"
    if len(ranked) > len(shown):
        title += f": the {len(shown)} lowest of {len(ranked)} intents"
    ax.set_title(title, fontsize=10)
    return fig


def plot_confidence_histogram(report: EvaluationReport, *, threshold: float | None = None) -> Figure:
    """Stacked histogram of top-intent confidence for right and wrong intents, with the threshold."""
    hist = report.histogram
    edges = np.array(hist.edges)
    widths = np.diff(edges)
    fig = Figure(figsize=(7.0, 4.0), layout="constrained")
    ax = fig.subplots()
    ax.bar(edges[:-1], hist.correct, width=widths, align="edge", color="tab:green", label="intent right")
    ax.bar(
        edges[:-1],
        hist.incorrect,
        width=widths,
        align="edge",
        bottom=hist.correct,
        color="tab:red",
        label="intent wrong",
    )
    line = threshold if threshold is not None else report.threshold
    if line is not None:
        ax.axvline(line, color="black", linestyle="--", label=f"threshold {line:.2f}")
    ax.set_xlim(0.0, 1.0)
    ax.set_xlabel("confidence of the predicted intent", fontsize=9)
    ax.set_ylabel("utterances", fontsize=9)
    ax.set_title("Confidence", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    return fig


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def write_report(
    report: EvaluationReport | CrossValidationReport,
    directory: Path | str,
    *,
    plots: bool = True,
    threshold: float | None = None,
) -> list[Path]:
    """Write ``report.json``, ``errors.json`` and, with ``plots``, PNGs and ``report.html``.

    A cross-validation report writes its own JSON as ``report.json``; errors and plots come from its
    pooled held-out evaluation.

    Args:
        report: the evaluation or cross-validation report.
        directory: created if missing; existing files of the same names are overwritten.
        plots: also write ``confusion_matrix.png``, ``intent_f1.png``, ``confidence_histogram.png``
            and ``report.html`` (which embeds them).
        threshold: drawn on the confidence histogram; defaults to the report's own threshold.

    Returns:
        The paths written.
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    single = report.pooled if isinstance(report, CrossValidationReport) else report
    written: list[Path] = []

    def write(name: str, data: str | bytes) -> None:
        path = out / name
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
        written.append(path)

    write("report.json", report.to_json())
    errors = {
        "errors": [e.model_dump() for e in single.errors],
        "confusable": [p.model_dump() for p in single.confusable],
    }
    write("errors.json", json.dumps(errors, indent=2, ensure_ascii=False))
    if not plots:
        return written
    images = {
        "confusion_matrix.png": _png(plot_confusion_matrix(single)),
        "intent_f1.png": _png(plot_intent_f1(single)),
        "confidence_histogram.png": _png(plot_confidence_histogram(single, threshold=threshold)),
    }
    for name, data in images.items():
        write(name, data)
    write("report.html", render_html(report, images))
    return written


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "n/a"
    return str(value) if isinstance(value, int) else f"{value:.4f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(report: EvaluationReport | CrossValidationReport, images: dict[str, bytes]) -> str:
    """A self-contained HTML page: headline tables, the PNGs inlined as base64, errors and confusions."""
    single = report.pooled if isinstance(report, CrossValidationReport) else report
    parts = ["<h1>NLU evaluation</h1>"]
    if isinstance(report, CrossValidationReport):
        parts.append(f"<h2>{report.folds}-fold cross-validation (seed {report.seed})</h2>")
        rows = [[name, _fmt(report.mean[name]), _fmt(report.std[name])] for name in report.mean]
        parts.append(_table(["metric", "mean", "std"], rows))
        if report.untested_intents:
            untested = ", ".join(report.untested_intents)
            parts.append(f"<p>Never held out (fewer examples than folds): {html.escape(untested)}</p>")
        parts.append("<h2>Pooled held-out predictions</h2>")
    parts.append(_table(["metric", "value"], [[k, _fmt(v)] for k, v in single.summary().items()]))
    for name, data in images.items():
        encoded = base64.b64encode(data).decode("ascii")
        parts.append(f'<p><img alt="{html.escape(name)}" src="data:image/png;base64,{encoded}"></p>')
    parts.append("<h2>Per intent</h2>")
    intent_rows = [
        [name, _fmt(s.precision), _fmt(s.recall), _fmt(s.f1), str(s.support)]
        for name, s in sorted(single.per_intent.items(), key=lambda item: (item[1].f1, item[0]))
    ]
    parts.append(_table(["intent", "precision", "recall", "F1", "support"], intent_rows))
    if single.entities is not None:
        parts.append("<h2>Entities</h2>")
        entity_rows = [
            [name, _fmt(s.precision), _fmt(s.recall), _fmt(s.f1), str(s.support)]
            for name, s in [("(micro)", single.entities), *single.entities.per_entity.items()]
        ]
        parts.append(_table(["entity", "precision", "recall", "F1", "support"], entity_rows))
    parts.append(f"<h2>Most confused intents (top {_HTML_PAIRS})</h2>")
    pair_rows = [[p.gold, p.predicted, str(p.count)] for p in single.confusable[:_HTML_PAIRS]]
    parts.append(_table(["gold", "predicted", "count"], pair_rows))
    parts.append(f"<h2>Errors ({len(single.errors)}; first {_HTML_ERRORS} shown)</h2>")
    error_rows = [
        [
            e.text,
            e.gold_intent,
            e.predicted_intent,
            f"{e.confidence:.3f}",
            ", ".join(f"{r.name} {r.confidence:.2f}" for r in e.ranking),
            "; ".join(f"{m.entity}={m.text}" for m in e.gold_entities),
            "; ".join(f"{m.entity}={m.text}" for m in e.predicted_entities),
        ]
        for e in single.errors[:_HTML_ERRORS]
    ]
    header = ["text", "gold", "predicted", "confidence", "top 3", "gold entities", "predicted entities"]
    parts.append(_table(header, error_rows))
    style = (
        "body{font-family:sans-serif;margin:2em;max-width:1400px}"
        "table{border-collapse:collapse;margin:1em 0;font-size:0.85em}"
        "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}img{max-width:100%}"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>NLU evaluation</title>'
        f"<style>{style}</style></head><body>\n" + "\n".join(parts) + "\n</body></html>\n"
    )
