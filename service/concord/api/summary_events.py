"""``POST /v1/summaries`` as server-sent events, for a client that wants to watch the work.

The stream is ``accepted`` (the request passed every check and holds its model and prompt), a
``step`` for each pipeline step as it starts and finishes (with its partial result, where there
is one), then exactly one of ``summary`` (the very JSON a plain POST returns) or ``problem`` (the
problem document a plain POST would have answered with). A client that goes away cancels its
part of the work; the model call stops when no other request is waiting on it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from litestar import Request
from litestar.response import ServerSentEvent, ServerSentEventMessage

from concord.api.problems import problem_details_plugin
from concord.progress import StepEvent
from concord.schema import SummaryResult
from concord.serving.summary_runner import ResolvedJob, SummaryRunner

EVENT_TYPES = ("accepted", "step", "summary", "problem")
_TO_PROBLEM = problem_details_plugin().config.exception_to_problem_detail_map


def wants_events(request: Request[Any, Any, Any]) -> bool:
    """Whether the client asked for ``text/event-stream`` rather than JSON."""
    return "text/event-stream" in request.headers.get("accept", "").lower()


def _message(event: str, data: dict[str, Any]) -> ServerSentEventMessage:
    return ServerSentEventMessage(event=event, data=json.dumps(data, ensure_ascii=False))


def event_problem(request: Request[Any, Any, Any], error: Exception) -> dict[str, Any]:
    """The problem document a plain request failing with ``error`` would have had as its body.

    The same exception-to-problem map serves both, so a stream's ``problem`` cannot drift from
    the JSON answers; a ``Retry-After`` header, which an event cannot carry, becomes the
    ``retry_after`` member (seconds).
    """
    to_problem = next(convert for kind, convert in _TO_PROBLEM.items() if isinstance(error, kind))
    response = to_problem(error).to_response(request)
    document = dict(response.content)
    if retry_after := response.headers.get("Retry-After"):
        document["retry_after"] = int(retry_after)
    return document


def summary_document(result: SummaryResult) -> dict[str, Any]:
    """The summary as the plain ``POST`` serialises it."""
    return result.model_dump(mode="json")


async def _events(
    request: Request[Any, Any, Any],
    runner: SummaryRunner,
    job: ResolvedJob,
    finish: Callable[[SummaryResult], SummaryResult],
) -> AsyncIterator[ServerSentEventMessage]:
    steps: asyncio.Queue[StepEvent] = asyncio.Queue()
    yield _message(
        "accepted",
        {"provider": job.model.provider, "model": job.model.model, "prompt_version": job.prompt.id},
    )
    work = asyncio.ensure_future(runner.run_resolved(job, on_progress=steps.put_nowait))
    next_step: asyncio.Future[StepEvent] | None = None
    try:
        while not work.done() or not steps.empty():
            next_step = asyncio.ensure_future(steps.get())
            await asyncio.wait({work, next_step}, return_when=asyncio.FIRST_COMPLETED)
            if next_step.done():
                yield _message("step", dataclasses.asdict(next_step.result()))
            else:  # the work ended first: drop this wait so it cannot swallow a late event
                next_step.cancel()
        try:
            result = work.result()
        except Exception as error:  # every failure becomes the problem a plain POST would get
            yield _message("problem", event_problem(request, error))
            return
        yield _message("summary", summary_document(finish(result)))
    finally:
        # Reached early when the client disconnects: Litestar cancels this stream, and the
        # work it started must not go on holding a model slot for nobody.
        work.cancel()
        if next_step is not None:
            next_step.cancel()


class _EventStream(ServerSentEvent):
    """A ``ServerSentEvent`` that keeps its own media type.

    The handler also answers plain JSON, so its declared media type is ``application/json``,
    and Litestar hands that to every response it returns, overriding the stream's own
    ``text/event-stream`` (``media_type or self.media_type`` in ``Stream.to_asgi_response``).
    """

    def to_asgi_response(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["media_type"] = None
        return super().to_asgi_response(*args, **kwargs)


def summary_events(
    request: Request[Any, Any, Any],
    runner: SummaryRunner,
    job: ResolvedJob,
    finish: Callable[[SummaryResult], SummaryResult] = lambda result: result,
) -> ServerSentEvent:
    """The event stream for one resolved job; ``finish`` completes its summary (its source)."""
    return _EventStream(
        _events(request, runner, job, finish),
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
