"""JSON log lines: RFC 3339 timestamps with nanoseconds, extra fields, PII masking."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from skills_core.serving.logs import JsonFormatter, configure_logging, mask_pii, rfc3339_ns

TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$")


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mail me at jane.doe+bank@example.co.uk please", "mail me at [EMAIL] please"),
        ("card 4111 1111 1111 1111 exp 12/27", "card [CARD] exp 12/27"),
        ("card 4111-1111-1111-1111", "card [CARD]"),
        ("call +1 (415) 555-0100 now", "call [PHONE] now"),
        ("call 020 7946 0958", "call [PHONE]"),
        ("send 50 dollars to Anna on 2025-03-05", "send 50 dollars to Anna on 2025-03-05"),
        ("my pin is 1234", "my pin is 1234"),
        ("", ""),
    ],
)
def test_mask_pii(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


@pytest.mark.parametrize(
    ("ns", "expected"),
    [
        (0, "1970-01-01T00:00:00.000000000Z"),
        (1_741_183_629_123_456_789, "2025-03-05T14:07:09.123456789Z"),
        (1_741_183_629_000_000_001, "2025-03-05T14:07:09.000000001Z"),
    ],
)
def test_rfc3339_ns(ns: int, expected: str) -> None:
    assert rfc3339_ns(ns) == expected
    assert TIMESTAMP.match(expected)


def test_formatter_writes_one_json_object_with_extras() -> None:
    record = logging.LogRecord("skills_core.x", logging.INFO, __file__, 1, "hello %s", ("world",), None)
    record.request_id = "r1"
    record.time_ns = 1_741_183_629_123_456_789
    line = JsonFormatter().format(record)
    assert "\n" not in line
    data = json.loads(line)
    assert data["timestamp"] == "2025-03-05T14:07:09.123456789Z"
    assert (data["message"], data["level"], data["request_id"]) == ("hello world", "INFO", "r1")
    assert "time_ns" not in data and "args" not in data


def test_formatter_timestamp_without_time_ns_has_nine_digits() -> None:
    record = logging.LogRecord("skills_core.x", logging.WARNING, __file__, 1, "m", (), None)
    assert TIMESTAMP.match(json.loads(JsonFormatter().format(record))["timestamp"])


def test_configure_logging_is_idempotent_and_leaves_the_root_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    logger = logging.getLogger("skills_core")
    before = list(logger.handlers), logger.propagate, logger.level
    root = list(logging.getLogger().handlers)
    try:
        # a service built earlier in this process may have configured it already (to another stderr)
        logger.handlers[:] = [h for h in logger.handlers if not isinstance(h.formatter, JsonFormatter)]
        configure_logging("INFO")
        configure_logging("INFO")
        ours = [h for h in logger.handlers if isinstance(h.formatter, JsonFormatter)]
        assert len(ours) == 1 and logging.getLogger().handlers == root
        logging.getLogger("skills_core.serving.test").info("ping", extra={"k": 1})
        assert json.loads(stream.getvalue().strip().splitlines()[-1])["k"] == 1
    finally:
        logger.handlers[:] = before[0]
        logger.propagate, logger.level = before[1], before[2]
