"""JSON logs for the server: one object per line, RFC 3339 timestamps with nanoseconds, PII masked."""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from skills_core.analysis.pii import mask

LOGGER_NAME = "skills_core"
_MARK = "_skills_json"

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def mask_pii(text: str) -> str:
    """``text`` with emails, phones, cards, IBANs and Chinese IDs replaced (``[EMAIL]``, ``[CARD]``...).

    The same checksum-validating detector as the text analysis (``skills_core.analysis.pii``).
    """
    return mask(text)


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
