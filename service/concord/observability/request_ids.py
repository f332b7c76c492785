"""Request ids: every HTTP request has one, and everything it causes says which.

A client (or the load balancer in front) may send ``X-Request-ID``; a well-formed one is kept,
anything else is replaced by a fresh id. The id is held in a context variable for the duration
of the request, so log lines (``RequestIdFilter``), problem documents and queued jobs read it
without being handed it, and it goes back on the response. The ASGI wrapper sits outside the
whole Litestar app, not in its middleware list: Litestar's middleware only run for routed
requests, and a 404 or 405 must carry its id too.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports this module through logging; it must not load Litestar
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
# What a caller's id may look like: short, printable, nothing that could forge a log line.
_WELL_FORMED = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
# Admission's estimate of this request's seconds (queue wait plus its summary), when it made one;
# a list so that the task that serves the request can fill in what the request's own reads.
_estimate: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar(
    "estimate_s", default=None
)


def current_request_id() -> str | None:
    """The id of the request (or job) this code runs for, if any."""
    return _current.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_id(given: str | None) -> str:
    """``given`` if it is a well-formed id, else a new one."""
    if given is not None and _WELL_FORMED.fullmatch(given):
        return given
    return new_request_id()


@contextlib.contextmanager
def request_id_set(request_id: str | None) -> Iterator[str]:
    """Run the block as request ``request_id`` (a new id if None or malformed)."""
    value = accepted_id(request_id)
    token = _current.set(value)
    try:
        yield value
    finally:
        _current.reset(token)


def note_estimate(seconds: float) -> None:
    """Admission's estimate for the current request, sent back in ``Server-Timing``."""
    if (box := _estimate.get()) is not None:
        box[:] = [seconds]


def with_request_id(app: ASGIApp) -> ASGIApp:
    """Wrap ``app``: read or make the request's id, hold it while it runs, return it (and
    admission's estimate of the request's time, as ``Server-Timing: estimate;dur=<ms>``)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # type: ignore[comparison-overlap]  # a str enum
            await app(scope, receive, send)
            return
        raw = dict(scope["headers"]).get(b"x-request-id")
        box: list[float] = []
        estimate = _estimate.set(box)
        with request_id_set(raw.decode("latin-1") if raw is not None else None) as request_id:

            async def send_with_id(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = [
                        (name, value)
                        for name, value in message.get("headers", [])
                        if name.lower() != b"x-request-id"
                    ]
                    headers.append((b"x-request-id", request_id.encode("latin-1")))
                    if box:
                        timing = f"estimate;dur={box[0] * 1000:.0f}"
                        headers.append((b"server-timing", timing.encode("latin-1")))
                    message = {**message, "headers": headers}
                await send(message)

            try:
                await app(scope, receive, send_with_id)
            finally:
                _estimate.reset(estimate)

    return middleware


class RequestIdFilter(logging.Filter):
    """Gives every log record a ``request_id`` attribute ("-" outside any request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _current.get() or "-"
        return True
