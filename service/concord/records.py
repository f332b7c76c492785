"""One article's outcome as a JSON object: what a batch writes per line and a job returns.

A success is ``{"summary": …, "meta": …}`` (the same JSON as ``concord summarise``); a failure
is ``{"problem": …, "meta": …}`` whose problem is the RFC 9457 document the HTTP API would have
sent for the same error (type, title, status, detail and the error's extras, redacted).
"""

from __future__ import annotations

from typing import Any

from concord.errors import ConcordError
from concord.observability.request_ids import current_request_id
from concord.redact import redact, redact_all
from concord.schema import SummaryResult


def problem_document(error: ConcordError) -> dict[str, Any]:
    """The RFC 9457 problem document for ``error``, as a dict: the one builder, used by the
    HTTP API, jobs and batch alike. Every string in it is redacted, however deeply nested."""
    document: dict[str, Any] = redact_all(error.extra)
    return document | {
        "type": error.type_uri,
        "title": error.title,
        "status": error.status,
        "detail": redact(error.detail),
    }
    if (request_id := current_request_id()) is not None:
        document["request_id"] = request_id  # the request that queued the job
    return document


def summary_record(result: SummaryResult) -> dict[str, Any]:
    """A finished summary: ``{"summary", "meta"}``."""
    record: dict[str, Any] = result.model_dump(mode="json")
    return record


def problem_record(error: ConcordError, latency_ms: float = 0.0) -> dict[str, Any]:
    """A failed article: ``{"problem", "meta"}``; meta holds what little is known."""
    meta: dict[str, Any] = {"latency_ms": round(latency_ms, 1)}
    if isinstance(calls := error.extra.get("calls"), int):
        meta["calls"] = calls
    return {"problem": problem_document(error), "meta": meta}
