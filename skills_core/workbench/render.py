"""HTML for the workbench's views: small, self-contained fragments with inline styles.

Every fragment carries ``wb-*`` class names and ``data-*`` attributes, so tests (and the browser
test) can read what is shown without parsing the styling.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import Any

from skills_core.workbench.compare import Comparison
from skills_core.workbench.views import Decision, ErrorRow, IntentView, RankingBar, Segment

_PALETTE = ("#fde68a", "#bfdbfe", "#bbf7d0", "#fbcfe8", "#ddd6fe", "#fed7aa", "#a5f3fc", "#e5e7eb")
_STYLE = (
    "<style>.wb-table{border-collapse:collapse;font-size:13px;margin:4px 0}"
    ".wb-table th,.wb-table td{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}"
    "</style>"
)


def esc(value: Any) -> str:
    """HTML-escaped text of any value (JSON for dicts and lists)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return html.escape(text, quote=True)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, css: str = "wb-rows") -> str:
    """An HTML table; cells are given already escaped (they may hold markup)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f'{_STYLE}<table class="wb-table {css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
    )


def _bar(bar: RankingBar, threshold: float) -> str:
    width = max(0.0, min(1.0, bar.confidence)) * 100
    color = "#2563eb" if bar.chosen else "#9ca3af" if bar.below_threshold else "#60a5fa"
    weight = "font-weight:bold;" if bar.chosen else ""
    mark = threshold * 100
    return (
        f'<div class="wb-bar" data-intent="{esc(bar.name)}" data-confidence="{bar.confidence:.4f}" '
        f'style="display:flex;align-items:center;gap:6px;margin:2px 0;{weight}">'
        f'<span class="wb-bar-name" style="width:180px;overflow:hidden;text-overflow:ellipsis">'
        f"{esc(bar.name)}</span>"
        f'<span style="position:relative;display:inline-block;width:260px;height:14px;background:#f3f4f6">'
        f'<span style="position:absolute;left:0;top:0;height:14px;width:{width:.1f}%;background:{color}"></span>'
        f'<span title="threshold" style="position:absolute;left:{mark:.1f}%;top:-2px;height:18px;'
        f'border-left:2px dashed #111"></span></span>'
        f'<span class="wb-bar-value">{bar.confidence:.3f}</span></div>'
    )


def ranking_html(view: IntentView) -> str:
    """The intent ranking as horizontal bars, the threshold as a dashed line."""
    bars = "".join(_bar(b, view.threshold) for b in view.bars) or "<em>no intents ranked</em>"
    return (
        f'<div class="wb-ranking"><div style="font-size:12px;color:#555">intent ranking '
        f"(dashed line: threshold {view.threshold:.3f})</div>{bars}</div>"
    )


def decision_html(d: Decision) -> str:
    """The chosen intent and, for a fallback, why."""
    color = "#166534" if d.in_scope else "#991b1b"
    return (
        f'<div class="wb-decision" data-intent="{esc(d.intent)}" data-in-scope="{str(d.in_scope).lower()}" '
        f'style="margin:6px 0;color:{color}"><b>{esc(d.intent)}</b> ({d.confidence:.3f}): '
        f"{esc(d.explanation)}</div>"
    )


def highlight_html(segments: Sequence[Segment]) -> str:
    """The utterance with entity mentions highlighted, each labelled with its type and value."""
    colors: dict[str, str] = {}
    parts = []
    for s in segments:
        if s.entity is None:
            parts.append(esc(s.text))
            continue
        color = colors.setdefault(s.entity, _PALETTE[len(colors) % len(_PALETTE)])
        parts.append(
            f'<mark class="wb-entity" data-entity="{esc(s.entity)}" title="{esc(s.value)} ({esc(s.source)})" '
            f'style="background:{color};padding:1px 3px;border-radius:3px">{esc(s.text)}'
            f'<sub style="font-size:10px;margin-left:2px">{esc(s.entity)}</sub></mark>'
        )
    mentions = [s for s in segments if s.entity is not None]
    rows = [[esc(s.entity), esc(s.text), esc(s.value), esc(s.source)] for s in mentions]
    values = table(["entity", "text", "value", "source"], rows, css="wb-entities") if rows else ""
    text = esc("".join(s.text for s in segments))
    return (
        f'<div class="wb-text" data-text="{text}" style="font-size:16px;margin:6px 0">{"".join(parts)}</div>'
        f"{values}"
    )


def intent_view_html(view: IntentView) -> str:
    """The whole debugger panel for one utterance."""
    return f'<div class="wb-intent-view">{highlight_html(view.segments)}{decision_html(view.decision)}' + (
        f"{ranking_html(view)}</div>"
    )


def errors_html(rows: Sequence[ErrorRow]) -> str:
    """Misclassified utterances with the intent they were confused with and their nearest examples."""
    if not rows:
        return '<div class="wb-errors"><em>no misclassified utterances</em></div>'
    body = [
        [
            esc(r.text),
            esc(r.gold),
            esc(r.predicted),
            f"{r.confidence:.3f}",
            esc(r.confused_with),
            "<br>".join(f"{esc(n.text)} <i>({esc(n.intent)}, {n.similarity:.2f})</i>" for n in r.nearest),
        ]
        for r in rows
    ]
    headers = ["utterance", "gold", "predicted", "confidence", "confused with", "nearest training examples"]
    return f'<div class="wb-errors">{table(headers, body)}</div>'


def comparison_html(comparison: Comparison) -> str:
    """The predictions that changed after a retrain."""
    head = f'<div class="wb-compare-headline">{esc(comparison.headline())}</div>'
    if not comparison.changes:
        return f'<div class="wb-compare">{head}<em>no prediction changed</em></div>'
    icon = {"fixed": "✓ fixed", "broken": "✗ broken", "changed": "↔ changed", "probe": "• probe"}
    rows = [
        [
            icon[c.kind],
            esc(c.text),
            esc(c.gold or "-"),
            f"{esc(c.before)} ({c.before_confidence:.2f})",
            f"{esc(c.after)} ({c.after_confidence:.2f})",
        ]
        for c in comparison.changes
    ]
    return f'<div class="wb-compare">{head}{table(["", "utterance", "gold", "before", "after"], rows)}</div>'
