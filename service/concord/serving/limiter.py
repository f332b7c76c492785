"""Bounded concurrency: a few model calls at once, a bounded queue, and 429 beyond it.

A model server answers one or a few requests at a time; queueing without bound only turns
overload into timeouts. Past ``max_queue`` waiters a request is refused at once with a
``Retry-After`` estimated from how long recent calls took.

With replicas sharing a Redis, a holder of a local slot also takes one of the fleet-wide slots
(``global_slots``, see ``concord.shared.global_slots``) before it calls the model, so the limit
holds across every replica and worker; the interface here is the same either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, nullcontext
from typing import Protocol

from concord.errors import Overloaded

_SMOOTHING = 0.2  # weight of the newest call in the running mean of call durations


class SlotSource(Protocol):
    """Somewhere else to take a slot from as well, e.g. the fleet-wide count in Redis."""

    def hold(self) -> AbstractAsyncContextManager[None]: ...


class ConcurrencyLimiter:
    """At most ``max_in_flight`` holders of a slot; at most ``max_queue`` waiting for one."""

    def __init__(
        self,
        max_in_flight: int,
        max_queue: int,
        first_guess_s: float = 5.0,
        *,
        global_slots: SlotSource | None = None,
    ) -> None:
        self.global_slots = global_slots
        self.max_in_flight = max(1, max_in_flight)
        self.max_queue = max(0, max_queue)
        self.in_flight = 0
        self.waiting = 0
        self.mean_call_s = first_guess_s
        self._slots = asyncio.Semaphore(self.max_in_flight)

    def retry_after(self) -> float:
        """Seconds until a slot is likely free for a newcomer at the back of the queue."""
        rounds = (self.waiting + self.in_flight) / self.max_in_flight
        return float(max(1, math.ceil(self.mean_call_s * max(rounds, 1.0))))

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one model slot for the block; raise ``Overloaded`` if the queue is full."""
        if self._slots.locked() and self.waiting >= self.max_queue:
            raise Overloaded(
                f"the server is busy ({self.in_flight} summaries running, {self.waiting} "
                "waiting); retry later",
                retry_after=self.retry_after(),
            )
        self.waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self.waiting -= 1
        self.in_flight += 1
        started = time.monotonic()
        try:
            async with self.global_slots.hold() if self.global_slots else nullcontext():
                yield
        finally:
            self.in_flight -= 1
            self._slots.release()
            took = time.monotonic() - started
            self.mean_call_s += _SMOOTHING * (took - self.mean_call_s)
