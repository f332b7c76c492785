"""Scrub secrets from any text that may leave the process: logs, error bodies, recordings."""

from __future__ import annotations

import logging
import re
from typing import Any

from concord.observability.log_lines import LogFormat, formatter
from concord.observability.request_ids import RequestIdFilter

REDACTED = "[REDACTED]"

_PATTERNS = [
    re.compile(r"sk-[A-Za-z0-9_\-*]{8,}"),  # OpenAI-style keys, also masked echoes "sk-ab***yz"
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=\-]{8,}"),
    re.compile(
        r"(?i)((?:api[-_]?key|authorization|x-api-key)[\"']?\s*[:=]\s*[\"']?)[^\s\"',}]{8,}"
    ),
    re.compile(r"(?i)\b((?:org|proj)-[A-Za-z0-9]{8,})"),
    re.compile(r"(?i)(\b[a-z][a-z0-9+.\-]*://[^:/@\s]*:)[^@\s/]+(?=@)"),  # redis://:pw@host
]


def redact(text: str) -> str:
    """Replace anything that looks like a key, bearer token or org/project id."""
    for pattern in _PATTERNS:
        text = pattern.sub(
            lambda m: (m.group(1) if m.re.groups and m.group(1) != m.group(0) else "") + REDACTED,
            text,
        )
    return text


def redact_all(value: Any) -> Any:
    """``value`` with every string in it redacted, inside lists, tuples and dicts too."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list | tuple):
        return [redact_all(item) for item in value]
    if isinstance(value, dict):
        return {key: redact_all(item) for key, item in value.items()}
    return value


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs the formatted message of every record it sees."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure_logging(level: str, log_format: LogFormat = "text") -> None:
    """Log to stderr at ``level``, with every handler's records scrubbed of secrets and marked
    with the request they belong to; ``log_format="json"`` writes JSON lines."""
    handler = logging.StreamHandler()
    handler.addFilter(RedactingFilter())
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
