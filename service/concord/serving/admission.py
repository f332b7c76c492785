"""Admission by expected wait: a request that cannot be served in its budget is told so at once.

The embedded model takes 25 to 45 s per article on two cores and serves one at a time. A request
joining a queue it cannot get through before its budget runs out would wait many minutes for a
504; told "busy, retry in N s" at once, its client can come back when there is room. So before a
request queues for a model slot, its wait is estimated: the work ahead of it times a running
estimate of seconds per summary for its model, over the number of slots. If that wait plus its
own summary would overrun what is left of its budget, or the queue is full, it gets ``429`` with
``Retry-After`` set to that wait: when the work ahead of it is expected to be done.

The estimate is kept per model (the embedded model and a hosted one differ tenfold) and counts
only summaries that succeeded. The work ahead is read from the limiter's public counts
(``in_flight``, ``waiting``, ``max_in_flight``, ``max_queue``) and assumed to be for the same
model; a limiter whose counts span processes gives the same decisions across processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator

from concord.errors import Overloaded
from concord.providers.connection import ConnectedModel
from concord.providers.profiles import parse_model_id
from concord.serving.limiter import ConcurrencyLimiter
from concord.settings import Settings

_SMOOTHING = 0.2  # weight of the newest summary in the running mean
# Until a model has finished a summary: the embedded model measured 25 to 45 s an article on two
# cores, and guessing high turns what would have been a 504 after minutes into a 429 at once.
# Hosted models take seconds.
FIRST_GUESS_S = {"local": 45.0}
DEFAULT_FIRST_GUESS_S = 5.0
DEFAULT_SLOTS = 4  # model calls at once for a remote provider, unless set


def slot_count(settings: Settings) -> int:
    """Model calls at once: ``CONCORD_API__MAX_IN_FLIGHT`` if set, else the embedded model's
    slots (``CONCORD_LOCAL_PARALLEL``) for ``local``, else ``DEFAULT_SLOTS``."""
    if settings.api.max_in_flight is not None:
        return settings.api.max_in_flight
    if parse_model_id(settings.model).provider == "local":
        return settings.local_parallel
    return DEFAULT_SLOTS


def _key(model: ConnectedModel) -> str:
    return f"{model.provider}:{model.model}"


class SummaryTimes:
    """A running estimate of seconds per summary for each model: its first time, then a mean
    that weighs recent summaries most, so it follows a machine that gets busier."""

    def __init__(self) -> None:
        self._mean_s: dict[str, float] = {}

    def estimate(self, model: ConnectedModel) -> float:
        guess = FIRST_GUESS_S.get(model.provider, DEFAULT_FIRST_GUESS_S)
        return self._mean_s.get(_key(model), guess)

    def record(self, model: ConnectedModel, seconds: float) -> None:
        key = _key(model)
        mean = self._mean_s.get(key)
        self._mean_s[key] = seconds if mean is None else mean + _SMOOTHING * (seconds - mean)


class Admission:
    """Decides, before a request queues, whether it can be served within its budget."""

    def __init__(self, limiter: ConcurrencyLimiter, times: SummaryTimes | None = None) -> None:
        self.limiter = limiter
        self.times = times or SummaryTimes()
        self._started: dict[str, list[float]] = {}  # monotonic start of each call in a slot

    def estimate_s(self, model: ConnectedModel) -> float:
        """Seconds a summary of ``model`` takes: the running mean, or more while a summary has
        already been running longer than that (a machine that just got slower)."""
        now = time.monotonic()
        longest = max((now - t for t in self._started.get(_key(model), ())), default=0.0)
        return max(self.times.estimate(model), longest)

    def expected_wait_s(self, model: ConnectedModel) -> float:
        """Seconds until a newcomer for ``model`` would get a slot: 0 while one is free."""
        limiter = self.limiter
        ahead = limiter.in_flight + limiter.waiting - limiter.max_in_flight + 1
        if ahead <= 0:
            return 0.0
        return ahead * self.estimate_s(model) / limiter.max_in_flight

    @contextlib.asynccontextmanager
    async def slot(self, model: ConnectedModel, deadline: float) -> AsyncIterator[None]:
        """Hold a model slot for the block, or raise ``Overloaded`` at once when waiting for one
        would overrun ``deadline`` (on the event loop's clock) or the queue is full."""
        each = self.estimate_s(model)
        wait = self.expected_wait_s(model)
        left = deadline - asyncio.get_running_loop().time()
        if wait > 0 and self.limiter.waiting >= self.limiter.max_queue:
            reason = f"{self.limiter.waiting} requests are waiting (CONCORD_API__MAX_QUEUE)"
        elif wait > 0 and wait + each > left:
            reason = (
                f"a summary would start in about {wait:.0f} s and take about {each:.0f} s, over "
                f"the {max(left, 0):.0f} s left of this request's budget"
            )
        else:
            reason = ""
        if reason:
            retry_after = max(1, math.ceil(wait))
            raise Overloaded(
                f"the server is busy: {reason}; retry in {retry_after} s", retry_after=retry_after
            )
        async with self.limiter.slot():
            started = time.monotonic()
            running = self._started.setdefault(_key(model), [])
            running.append(started)
            try:
                yield
            except BaseException:
                # Cut short (the request's budget ran out, the provider failed): the time it had
                # taken is a lower bound, worth learning only when it says "slower than thought".
                if (took := time.monotonic() - started) > self.times.estimate(model):
                    self.times.record(model, took)
                raise
            else:
                self.times.record(model, time.monotonic() - started)
            finally:
                running.remove(started)
