"""Reading a server-sent-event stream of ``POST /v1/summaries``."""

from __future__ import annotations

import json
from typing import Any

EVENTS = {"accept": "text/event-stream"}


def parse_events(body: str) -> list[tuple[str, dict[str, Any]]]:
    """``(event name, parsed data)`` for each event of a server-sent-event stream."""
    events = []
    for block in body.replace("\r\n", "\n").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            events.append((fields["event"], json.loads(fields["data"])))
    return events
