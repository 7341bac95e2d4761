"""Checks on the skill's ``analysers:`` (text classifiers trained like intents, see skills_core.analysis)."""

from __future__ import annotations

import re

from skills_core.spec.checker import Checker
from skills_core.spec.types import OUT_OF_SCOPE

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
"""An analyser's name is also the folder its model is saved in."""


def check_analysers(c: Checker, min_examples: int) -> None:
    """Names, at least two labels, enough non-empty examples per label, each example once."""
    for name, analyser in c.skill.analysers.items():
        base = ("analysers", name)
        if not _NAME.fullmatch(name):
            c.add(
                base,
                expected="an analyser name of letters, digits, '_' or '-', starting with a letter",
                found=repr(name),
                fix="rename it, e.g. 'sentiment' or 'urgency'",
            )
        if len(analyser.labels) < 2:
            c.add(
                (*base, "labels"),
                expected="at least two labels with examples",
                found=f"{len(analyser.labels)} label{'s' if len(analyser.labels) != 1 else ''} "
                f"in analyser '{name}'",
                fix="add labels, e.g. 'labels: {negative: [...], neutral: [...], positive: [...]}'",
            )
        seen: dict[str, tuple[str, tuple[str | int, ...]]] = {}
        for label, examples in analyser.labels.items():
            path = (*base, "labels", label)
            if label == OUT_OF_SCOPE:
                c.add(
                    path,
                    expected=f"label names other than the reserved '{OUT_OF_SCOPE}'",
                    found=f"a label named '{OUT_OF_SCOPE}'",
                    fix="rename the label, e.g. 'other'",
                )
            if len(examples) < min_examples:
                c.add(
                    path,
                    expected=f"at least {min_examples} examples per label",
                    found=f"{len(examples)} example{'s' if len(examples) != 1 else ''} for label '{label}'",
                    fix="add varied examples (20 or more per label train well)",
                )
            for i, text in enumerate(examples):
                key = " ".join(text.casefold().split())
                if not key:
                    c.add(
                        (*path, i),
                        expected="a non-empty example",
                        found=repr(text),
                        fix="write the text or delete it",
                    )
                elif key in seen:
                    other, other_path = seen[key]
                    c.add(
                        (*path, i),
                        expected="each example once in an analyser"
                        + ("" if other == label else ", in one label"),
                        found=f"{text!r} again (first in '{other}' at {c.source.where(other_path)})",
                        fix="delete the repeat" if other == label else f"keep it in '{other}' or '{label}'",
                    )
                else:
                    seen[key] = (label, (*path, i))
