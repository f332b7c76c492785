"""How the event stream of ``POST /v1/summaries`` is described in the OpenAPI document: the
``text/event-stream`` media type of its 200 response, the four event names and their shapes,
and an example stream built from the same sample summary as the JSON example."""

from __future__ import annotations

import json
from typing import Any

from litestar.openapi.spec import Example, OpenAPIMediaType, OpenAPIType, Schema

from concord.api.examples import EXAMPLE_PASS_ANSWERS, EXAMPLE_RESPONSE

EVENTS_DESCRIPTION = """\
Sent instead of JSON when the request has `Accept: text/event-stream`. Each event's `data` is
one JSON object:

- `accepted`: `{"provider", "model", "prompt_version"}`, once the request passed every check.
- `step`: `{"step", "phase", "elapsed_ms", "partial"}`, as each pipeline step starts
  (`phase: "started"`) and finishes (`"finished"`, with `partial` holding what the step made,
  or `null`). Step names come from the pipeline (with the default prompt `sentences`, one per
  pass, then `grounding`; with a single-pass prompt `prompt`, `model`, `grounding`); a
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
_ANSWERS = {type(a).__name__.removesuffix("Pass").lower(): a for a in EXAMPLE_PASS_ANSWERS}


def _pass_steps() -> list[str]:
    """Each pass of the default prompt started and finished, ``partial`` its validated answer."""
    events, elapsed = [], 0.4
    for stats in _META["passes"]:
        name = stats["name"]
        events.append(_step(name, "started", round(elapsed, 1)))
        elapsed += stats["latency_ms"]
        answer = _ANSWERS.get(name)
        partial = answer.model_dump(mode="json") if answer else {"checks": "…"}
        events.append(_step(name, "finished", round(elapsed, 1), partial))
    return events


_SENTENCES = {"sentences": 3, "withheld": []}
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
        _step("sentences", "started", 0.0),
        _step("sentences", "finished", 0.4, _SENTENCES),
        *_pass_steps(),
        _step("grounding", "started", _META["latency_ms"] - 1.5),
        _step("grounding", "finished", _META["latency_ms"], {"grounding": _META["grounding"]}),
        _event("summary", EXAMPLE_RESPONSE),
    ]
)

EVENT_STREAM = OpenAPIMediaType(
    schema=Schema(type=OpenAPIType.STRING, description=EVENTS_DESCRIPTION),
    examples={"sample": Example(summary="The steps, then the summary", value=EXAMPLE_STREAM)},
)
