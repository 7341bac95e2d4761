"""HTML for the dialogue playground: transcript, state after a turn, event log, replayed tests."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skills_core.workbench.playground import ReplayView, TurnView, event_summary
from skills_core.workbench.render import esc, table


def transcript_html(turns: Sequence[TurnView]) -> str:
    """The conversation so far: user lines, bot replies, and the parse of each user line."""
    if not turns:
        return '<div class="wb-transcript"><em>say something to start</em></div>'
    lines = []
    for t in turns:
        why = f" — fallback: {esc(t.fallback)}" if t.fallback else ""
        ents = f"; {esc(', '.join(t.entities))}" if t.entities else ""
        lines.append(
            f'<div class="wb-user" style="margin-top:6px"><b>you</b>: {esc(t.user)} '
            f'<span style="color:#666;font-size:11px">[{esc(t.intent)} {t.confidence:.2f}{ents}{why}]</span></div>'
        )
        lines += [
            f'<div class="wb-bot" style="margin-left:16px"><b>bot</b>: {esc(r)}</div>' for r in t.replies
        ]
    return f'<div class="wb-transcript">{"".join(lines)}</div>'


def state_html(turn: TurnView | None) -> str:
    """Slots and the flow stack after a turn (top of the stack first)."""
    if turn is None:
        return '<div class="wb-state"><em>no turn yet</em></div>'
    slots = [[esc(k), esc(v)] for k, v in sorted(turn.slots.items())]
    stack = " ▸ ".join(esc(f) for f in reversed(turn.flow_stack)) or "<em>empty</em>"
    return (
        f'<div class="wb-state"><div><b>flow stack</b> (top first): <span class="wb-stack">{stack}</span></div>'
        + (table(["slot", "value"], slots, css="wb-slots") if slots else "<div><em>no slots set</em></div>")
        + "</div>"
    )


def events_html(events: Sequence[dict[str, Any]]) -> str:
    """An event log, one numbered line per event."""
    rows = [[str(i + 1), esc(event_summary(e))] for i, e in enumerate(events)]
    return f'<div class="wb-events">{table(["#", "event"], rows)}</div>'


def replay_html(view: ReplayView) -> str:
    """A replayed conversation test, the first diverging turn highlighted with what differed."""
    status = "passed" if view.passed else f"diverges at turn {(view.first_divergence or 0) + 1}"
    rows = []
    for r in view.rows:
        mark = '<span style="color:#166534">✓</span>' if r.ok else '<span style="color:#991b1b">✗</span>'
        where = f" (line {r.line})" if r.line is not None else ""
        problems = "<br>".join(esc(p).replace("\n", "<br>") for p in r.problems)
        rows.append(
            [f"{mark} {r.index + 1}{where}", esc(r.said), "<br>".join(esc(x) for x in r.replies), problems]
        )
    error = f'<div style="color:#991b1b">error: {esc(view.error)}</div>' if view.error else ""
    return (
        f'<div class="wb-replay" data-passed="{str(view.passed).lower()}"><b>{esc(view.name)}</b> '
        f"({esc(view.where)}): {status}"
        f"{table(['turn', 'user', 'bot', 'what differed'], rows)}{error}</div>"
    )
