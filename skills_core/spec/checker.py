"""The shared state and reference helpers of one validation run (used by the checks modules)."""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Collection, Mapping, Sequence
from typing import Literal

from skills_core.errors import Problem
from skills_core.spec.models import Skill
from skills_core.spec.sourcemap import SourceMap

ANY = "*"
"""In ``unchecked``: the whole section failed the schema, so any name in it is accepted."""

Kind = Literal["intent", "entity", "slot", "response", "flow"]

_SECTION_OF: dict[Kind, str] = {
    "intent": "intents",
    "entity": "entities",
    "slot": "slots",
    "response": "responses",
    "flow": "flows",
}


class Checker:
    """Shared state of one validation run: the skill, where things are, and the problems so far."""

    def __init__(self, skill: Skill, source: SourceMap, unchecked: Mapping[str, Collection[str]]) -> None:
        self.skill = skill
        self.source = source
        self.unchecked = unchecked
        self.problems: list[Problem] = []

    def add(self, path: Sequence[str | int], *, expected: str, found: str, fix: str) -> None:
        """Record a problem located at ``path``."""
        self.problems.append(self.source.problem(path, expected=expected, found=found, fix=fix))

    def names(self, kind: Kind) -> Collection[str]:
        """The declared names of one kind (``intent`` -> the skill's intents...)."""
        names: Collection[str] = getattr(self.skill, _SECTION_OF[kind])
        return names

    def exists(self, kind: Kind, name: str) -> bool:
        """Whether ``name`` is declared, or was dropped after a schema error already reported."""
        skipped = self.unchecked.get(_SECTION_OF[kind], ())
        return name in self.names(kind) or name in skipped or ANY in skipped

    def require(self, path: Sequence[str | int], kind: Kind, name: str) -> None:
        """Report ``name`` at ``path`` unless a ``kind`` of that name exists."""
        if self.exists(kind, name):
            return
        valid = sorted(self.names(kind))
        close = difflib.get_close_matches(name, valid, n=1)
        shown = f"no {kind} is declared"
        if valid:
            shown = ", ".join(valid[:12]) + (", ..." if len(valid) > 12 else "")
        hint = f"did you mean '{close[0]}'? Otherwise declare" if close else "declare"
        self.add(
            path,
            expected=f"a declared {kind} ({shown})",
            found=f"unknown {kind} '{name}'",
            fix=f"{hint} '{name}' under '{_SECTION_OF[kind]}:'",
        )

    def check_text(self, path: Sequence[str | int], text: str, *, variables: Collection[str] = ()) -> None:
        """Check a response name (``utter_*``) exists, or the ``{slot}`` placeholders of inline text.

        Args:
            variables: Non-slot placeholders the dialogue manager passes here (see ``spec.variables``).
        """
        if text.startswith("utter_"):
            self.require(path, "response", text)
        else:
            self.check_placeholders(path, text, variables=variables)

    def check_placeholders(
        self, path: Sequence[str | int], text: str, *, variables: Collection[str] = ()
    ) -> None:
        """Check every ``{name}`` placeholder in ``text`` names a declared slot or one of ``variables``."""
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
        except ValueError as e:
            self.add(
                path,
                expected="'{slot}' placeholders with balanced braces",
                found=f"{text!r} ({e})",
                fix="close the brace, or double it ('{{' / '}}') to write a literal brace",
            )
            return
        for name in fields:
            base = re.split(r"[.\[!:]", name, maxsplit=1)[0]
            if not base:
                self.add(
                    path,
                    expected="a slot name inside every '{}' placeholder",
                    found=f"an empty placeholder in {text!r}",
                    fix="write '{slot_name}', or '{{}}' for literal braces",
                )
            elif base not in variables:
                self.require(path, "slot", base)
