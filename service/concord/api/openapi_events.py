"""How the event stream of ``POST /v1/summaries`` is described in the OpenAPI document: the
``text/event-stream`` media type of its 200 response, the four event names and their shapes,
and an example stream built from the same sample summary as the JSON example."""

from __future__ import annotations

import json
from typing import Any

from litestar.openapi.spec import Example, OpenAPIMediaType, OpenAPIType, Schema

from concord.api.examples import EXAMPLE_RESPONSE

EVENTS_DESCRIPTION = """\
Sent instead of JSON when the request has `Accept: text/event-stream`. Each event's `data` is
one JSON object:

- `accepted`: `{"provider", "model", "prompt_version"}`, once the request passed every check.
- `step`: `{"step", "phase", "elapsed_ms", "partial"}`, as each pipeline step starts
  (`phase: "started"`) and finishes (`"finished"`, with `partial` holding what the step made,
  or `null`). Step names come from the pipeline (today `prompt`, `model`, `grounding`); a
  client should show whatever names arrive rather than expect a fixed list.
- `summary`: exactly the JSON a plain request returns; the last event.
- `problem`: the RFC 9457 problem document a plain request would have returned, with
  `retry_after` (seconds) when that answer would have had a `Retry-After` header; the last event.

A request refused before any work starts (malformed body, too large, not allowed …) gets its
plain `application/problem+json` response and status, not a stream. Closing the connection
cancels the work when no other request waits on it.
"""


def _event(name: str, data: dict[str, Any]) -> str:
    return f"event: {name}\r\ndata: {json.dumps(data)}\r\n\r\n"


def _step(step: str, phase: str, elapsed_ms: float, partial: dict[str, Any] | None = None) -> str:
    return _event(
        "step", {"step": step, "phase": phase, "elapsed_ms": elapsed_ms, "partial": partial}
    )


_META = EXAMPLE_RESPONSE["meta"]
EXAMPLE_STREAM = "".join(
    [
        _event(
            "accepted",
            {
                "provider": _META["provider"],
                "model": _META["model"],
                "prompt_version": _META["prompt_version"],
            },
        ),
        _step("prompt", "started", 0.0),
        _step(
            "prompt", "finished", 0.2, {"prompt_version": _META["prompt_version"], "messages": 2}
        ),
        _step("model", "started", 0.2),
        _step("model", "finished", 26950.4, {"calls": 1, "usage": _META["usage"], "summary": "…"}),
        _step("grounding", "started", 26950.5),
        _step("grounding", "finished", 26952.1, {"grounding": _META["grounding"]}),
        _event("summary", EXAMPLE_RESPONSE),
    ]
)

EVENT_STREAM = OpenAPIMediaType(
    schema=Schema(type=OpenAPIType.STRING, description=EVENTS_DESCRIPTION),
    examples={"sample": Example(summary="The steps, then the summary", value=EXAMPLE_STREAM)},
)
