"""Idempotent turns: a turn sent again with its ``turn_id`` is answered from the log, not run twice.

A client that names its turns (``POST /chat`` ``turn_id`` or the ``Idempotency-Key`` header) may
resend a turn whose answer it lost. The id is stored in the turn's ``user_uttered`` event; the Agent
looks it up in every stored ``user_uttered`` event of the session (all of them, no window: the
whole log is loaded for each turn anyway), under the session's lock, before running the dialogue.
Turn ids are scoped to their session; a session deleted with ``DELETE /sessions/{id}`` forgets them.
A retry must carry the same text (else :class:`TurnConflict`); with PII masking on, the text is
compared as stored, masked, so texts that differ only inside the masked personal data count as the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from skills_core.dm.events import BotUttered, Event, UserUttered
from skills_core.errors import DialogueError


class TurnConflict(DialogueError):
    """A ``turn_id`` already stored in the session came again with another text (HTTP 409)."""


@dataclass(frozen=True)
class StoredTurn:
    """Where a stored turn's events are in its session's log: ``events[start:end]``."""

    start: int
    end: int
    uttered: UserUttered

    def events(self, log: Sequence[Event]) -> list[Event]:
        return list(log[self.start : self.end])

    def replies(self, log: Sequence[Event]) -> list[BotUttered]:
        return [e for e in log[self.start : self.end] if isinstance(e, BotUttered)]


def find_turn(log: Sequence[Event], turn_id: str) -> StoredTurn | None:
    """The stored turn of ``log`` whose ``user_uttered`` event carries ``turn_id``, or None.

    A turn runs from its ``user_uttered`` event (from the start of the log for the first turn, which
    also holds ``session_started`` and the initial slots) to the next ``user_uttered`` event.
    """
    users = [i for i, e in enumerate(log) if isinstance(e, UserUttered)]
    for n, index in enumerate(users):
        event = log[index]
        if isinstance(event, UserUttered) and event.turn_id == turn_id:
            start = 0 if n == 0 else index
            end = users[n + 1] if n + 1 < len(users) else len(log)
            return StoredTurn(start=start, end=end, uttered=event)
    return None


def check_same_text(stored: StoredTurn, *, text: str, session_id: str, turn_id: str) -> None:
    """Refuse a retry whose text (as it would be stored) differs from the stored turn's.

    Raises:
        TurnConflict: the texts differ.
    """
    if stored.uttered.parse.text != text:
        raise TurnConflict(
            f"expected a new turn_id or the same text as the turn already stored with turn_id {turn_id!r} "
            f"in session {session_id!r}; found another text. Fix: send a fresh turn_id for a new turn, "
            "or resend the original text to get that turn's answer again"
        )
