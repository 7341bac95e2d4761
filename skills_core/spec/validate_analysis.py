"""Checks on what acts on the text analysis: ``settings.languages`` and flow ``triggers``."""

from __future__ import annotations

import re

from skills_core.spec.checker import Checker

_CODE = re.compile(r"[a-z]{2}")
"""An ISO 639-1 code in lower case; whether the language detector knows it is checked at run time."""
BUILTIN_LANGUAGE_RESPONSE = "utter_language_unsupported"
"""The dialogue manager's built-in refusal (``dm.responses.DEFAULT_RESPONSES``)."""


def check_analysis(c: Checker) -> None:
    """Check ``settings.languages`` / ``language_response`` and every flow trigger."""
    _check_languages(c)
    _check_triggers(c)


def _check_languages(c: Checker) -> None:
    settings = c.skill.settings
    base = ("settings", "languages")
    for i, code in enumerate(settings.languages):
        if not _CODE.fullmatch(code):
            c.add(
                (*base, i),
                expected="an ISO 639-1 language code of two lower-case letters (en, zh, de...)",
                found=repr(code),
                fix="write the two-letter code, e.g. 'en'",
            )
    own = c.skill.language.split("-")[0].lower()
    if settings.languages and own not in settings.languages:
        c.add(
            base,
            expected=f"the skill's own language '{own}' among settings.languages",
            found=f"[{', '.join(settings.languages)}]",
            fix=f"add '{own}' to settings.languages",
        )
    response = settings.language_response
    used = settings.languages and settings.on_other_language == "refuse"
    if used and response != BUILTIN_LANGUAGE_RESPONSE:
        c.check_text(("settings", "language_response"), response, variables=("language",))


def _check_triggers(c: Checker) -> None:
    analysers = c.skill.analysers
    for name, flow in c.skill.flows.items():
        for i, trigger in enumerate(flow.triggers):
            path = ("flows", name, "triggers", i)
            analyser = analysers.get(trigger.analyser)
            if analyser is None:
                known = ", ".join(sorted(analysers)) or "none is declared"
                c.add(
                    (*path, "analyser"),
                    expected=f"a declared analyser ({known})",
                    found=f"unknown analyser '{trigger.analyser}'",
                    fix=f"declare '{trigger.analyser}' under 'analysers:' or fix the name",
                )
            elif trigger.label not in analyser.labels:
                c.add(
                    (*path, "label"),
                    expected=f"a label of analyser '{trigger.analyser}' ({', '.join(analyser.labels)})",
                    found=f"unknown label '{trigger.label}'",
                    fix="use one of those labels",
                )
