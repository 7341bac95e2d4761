"""Responses: variation choice (deterministic per session and turn), ``{slot}`` interpolation, formatting."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from skills_core.spec.models import ResponseVariant, Skill

DEFAULT_RESPONSES: dict[str, list[str]] = {
    "utter_fallback": ["Sorry, I didn't understand that. Could you say it another way?"],
    "utter_handoff": ["Let me connect you with a person who can help."],
    "utter_cancelled": ["Okay, I've stopped that."],
    "utter_resume": ["Let's get back to {flow_label}."],
    "utter_clarify": ["Did you mean {options}?"],
    "utter_action_failed": ["Sorry, something went wrong on my side. Please try again later."],
    "utter_invalid": ["Sorry, that doesn't work for {slot_label}: it should be {expected}."],
    "utter_ask": ["What is the {slot_label}?"],
    "utter_ask_correction": ["What would you like to change?"],
    "utter_step_failed": ["Sorry, I couldn't get that, so I've stopped {flow_label}."],
    "utter_language_unsupported": ["Sorry, I can't help in that language ({language})."],
}
"""Built-in responses; a skill overrides any of them by defining a response of the same name."""

_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)\}")
_CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
_YUAN_CODES = {"CNY", "RMB"}


def humanize(name: str) -> str:
    """``transfer_money`` -> ``transfer money``."""
    return name.replace("_", " ").strip()


def _stable_hash(*parts: object) -> int:
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def choose_variation(count: int, *, session_id: str, turn: int, name: str, attempt: int | None = None) -> int:
    """Index of the variation to say.

    Without ``attempt`` the choice depends on (session, turn, response), so a replayed conversation says
    the same thing. With ``attempt`` (prompts and their re-prompts) successive attempts cycle through
    the variations, so a re-prompt never repeats the previous wording when there is another one.
    """
    if count <= 1:
        return 0
    if attempt is None:
        return _stable_hash(session_id, turn, name) % count
    return (_stable_hash(session_id, name) + attempt) % count


def _format_datetime(text: str, language: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    has_time = (moment.hour, moment.minute, moment.second) != (0, 0, 0)
    if not language.startswith("en"):
        return moment.strftime("%Y-%m-%d %H:%M" if has_time else "%Y-%m-%d")
    day = f"{moment:%B} {moment.day}, {moment.year}"
    return f"{day} at {moment:%H:%M}" if has_time else day


def format_value(value: Any, *, kind: str = "any", language: str = "en") -> str:
    """A slot value as text: money with its currency, dates spelled out, numbers without ``.0``.

    Money: ``$50.00``, ``€1,234.50``, ``3.00 CHF``; yuan in a Chinese skill (``language`` zh*) as
    ``500.00元`` (``500.00 CNY`` elsewhere).
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        if "amount" in value:
            amount = value.get("amount")
            currency = value.get("currency")
            number = f"{amount:,.2f}" if isinstance(amount, int | float) else str(amount)
            code = str(currency).upper() if currency else None
            if code in _YUAN_CODES and language.split("-")[0].lower() == "zh":
                return f"{number}元"  # Chinese writes yuan after the number ("500.00元")
            symbol = _CURRENCY_SYMBOLS.get(code) if code else None
            if symbol:
                return f"{symbol}{number}"
            return f"{number} {currency}" if currency else number
        if "value" in value:
            return format_value(value["value"], kind=kind, language=language)
        return ", ".join(f"{k}: {format_value(v, language=language)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(format_value(v, kind=kind, language=language) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and kind == "datetime":
        return _format_datetime(value, language)
    return str(value)


@dataclass(frozen=True)
class Rendered:
    """A response ready to say."""

    text: str
    buttons: list[str] = field(default_factory=list)
    response: str | None = None


class ResponseRenderer:
    """Chooses and fills in a skill's responses (or the built-in defaults)."""

    def __init__(self, skill: Skill) -> None:
        self._skill = skill

    def has(self, name: str) -> bool:
        """Whether ``name`` is a response of the skill or a built-in one."""
        return name in self._skill.responses or name in DEFAULT_RESPONSES

    def variants(self, name: str) -> list[ResponseVariant]:
        """The variations of response ``name`` (empty when there is none)."""
        if name in self._skill.responses:
            return self._skill.responses[name]
        return [ResponseVariant(text=t) for t in DEFAULT_RESPONSES.get(name, [])]

    def fill(self, template: str, slots: Mapping[str, Any], extra: Mapping[str, Any] | None = None) -> str:
        """Replace ``{name}`` with a variable from ``extra`` or a formatted slot value.

        Unknown names are left as they are, so a typo is visible in the reply.
        """
        extra = extra or {}

        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in extra:
                return str(extra[name])
            if name in self._skill.slots or name in slots:
                definition = self._skill.slots.get(name)
                kind = definition.type if definition else "any"
                return format_value(slots.get(name), kind=kind, language=self._skill.language)
            return match.group(0)

        return _PLACEHOLDER.sub(sub, template)

    def render(
        self,
        name_or_text: str,
        *,
        slots: Mapping[str, Any],
        session_id: str,
        turn: int,
        attempt: int | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Rendered:
        """Render a response by name, or treat ``name_or_text`` as literal template text."""
        variants = self.variants(name_or_text)
        if not variants:
            return Rendered(text=self.fill(name_or_text, slots, extra))
        index = choose_variation(
            len(variants), session_id=session_id, turn=turn, name=name_or_text, attempt=attempt
        )
        variant = variants[index]
        return Rendered(
            text=self.fill(variant.text, slots, extra),
            buttons=[self.fill(b, slots, extra) for b in variant.buttons],
            response=name_or_text,
        )
