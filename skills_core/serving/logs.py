"""JSON logs for the server: one object per line, RFC 3339 timestamps with nanoseconds, PII masked."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from typing import Any

LOGGER_NAME = "skills_core"
_MARK = "_skills_json"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 13-19 digits, optionally grouped by spaces or dashes (card numbers)
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
# 7+ digits with the usual phone punctuation, an optional leading +
_PHONE = re.compile(r"(?<![\w+])\+?\d(?:[\s().-]{0,2}\d){6,}(?!\d)")

_DATE = re.compile(r"^(?:\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4})$")

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def mask_pii(text: str) -> str:
    """``text`` with emails, card numbers and phone numbers replaced by ``<email>``, ``<card>``, ``<phone>``."""
    text = _EMAIL.sub("<email>", text)
    text = _CARD.sub("<card>", text)
    return _PHONE.sub(lambda m: m.group(0) if _DATE.match(m.group(0)) else "<phone>", text)


def rfc3339_ns(ns: int) -> str:
    """A UTC timestamp like ``2025-03-05T14:07:09.123456789Z`` from nanoseconds since the epoch."""
    seconds, frac = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{frac:09d}Z"


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON object; ``extra={...}`` fields become top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        # request logs pass time_ns (exact); other records carry the float ``created`` (microseconds)
        ns = getattr(record, "time_ns", None) or int(record.created * 1_000_000_000)
        data: dict[str, Any] = {
            "timestamp": rfc3339_ns(ns),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RESERVED and key != "time_ns" and not key.startswith("_"):
                data[key] = value
        if record.exc_info:
            # the server log may keep a traceback; responses never do
            data["exception"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False, default=str)


def configure_logging(level: str = "INFO") -> logging.Logger:
    """Send the ``skills_core`` loggers to stderr as JSON lines (idempotent; leaves other loggers alone)."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    if not any(getattr(h, _MARK, False) for h in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        setattr(handler, _MARK, True)
        logger.addHandler(handler)
        logger.propagate = False
    return logger
