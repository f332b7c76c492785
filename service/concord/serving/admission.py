"""Admission by expected wait: a request that cannot be served in its budget is told so at once.

The embedded model takes minutes per article on a busy two-core machine and serves one at a
time. A request joining a queue it cannot get through before its budget runs out would wait
many minutes for a 504; told "busy, retry in N s" at once, its client can come back when there
is room. So before a request queues for a model slot, its wait is estimated: the work ahead of
it times the seconds a summary takes for its model, over the number of slots. If that wait plus
its own summary would overrun what is left of its budget, or the queue is full, it gets ``429``
with ``Retry-After`` set to that wait: when the work ahead of it is expected to be done. If its
own summary alone is expected to overrun the budget, waiting cannot help: ``503`` at once.

The seconds a summary takes come from what this server measured (``summary_estimate``): the
model's prefill and generation speed, from a warm-up call when the embedded model starts and
then from every call, and the article's length. The estimate is kept per model (the embedded
model and a hosted one differ tenfold). The work ahead is read from the limiter's public counts
(``in_flight``, ``waiting``, ``max_in_flight``, ``max_queue``) and assumed to be for the same
model; a limiter whose counts span processes gives the same decisions across processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator

from concord.errors import OverBudget, Overloaded
from concord.observability import metrics
from concord.observability.request_ids import note_estimate
from concord.providers.connection import ConnectedModel
from concord.providers.profiles import parse_model_id
from concord.providers.speed import listening
from concord.schema import SummaryResult
from concord.serving.limiter import ConcurrencyLimiter
from concord.serving.summary_estimate import SummaryEstimates, model_key
from concord.settings import Settings

DEFAULT_SLOTS = 4  # model calls at once for a remote provider, unless set


def slot_count(settings: Settings) -> int:
    """Model calls at once: ``CONCORD_API__MAX_IN_FLIGHT`` if set, else the embedded model's
    slots (``CONCORD_LOCAL_PARALLEL``) for ``local``, else ``DEFAULT_SLOTS``."""
    if settings.api.max_in_flight is not None:
        return settings.api.max_in_flight
    if parse_model_id(settings.model).provider == "local":
        return settings.local_parallel
    return DEFAULT_SLOTS


class Admitted:
    """A request holding a slot; the summary it made, once made, teaches the estimate."""

    result: SummaryResult | None = None


class Admission:
    """Decides, before a request queues, whether it can be served within its budget."""

    def __init__(
        self, limiter: ConcurrencyLimiter, estimates: SummaryEstimates | None = None
    ) -> None:
        self.limiter = limiter
        self.estimates = estimates or SummaryEstimates()
        self._started: dict[str, list[float]] = {}  # monotonic start of each call in a slot

    def estimate_s(self, model: ConnectedModel, article_chars: int | None = None) -> float:
        """Seconds a summary of ``model`` takes (of ``article_chars``, else a typical article):
        the estimate from measured speeds, or more while a summary has already been running
        longer than that (a machine that just got slower)."""
        now = time.monotonic()
        longest = max((now - t for t in self._started.get(model_key(model), ())), default=0.0)
        return max(self.estimates.estimate(model, article_chars), longest)

    def expected_wait_s(self, model: ConnectedModel) -> float:
        """Seconds until a newcomer for ``model`` would get a slot: 0 while one is free."""
        limiter = self.limiter
        ahead = limiter.in_flight + limiter.waiting - limiter.max_in_flight + 1
        if ahead <= 0:
            return 0.0
        return ahead * self.estimate_s(model) / limiter.max_in_flight

    def _refusal(self, model: ConnectedModel, each: float, wait: float, left: float) -> None:
        """Raise ``OverBudget`` or ``Overloaded`` if the request cannot be served in time."""
        if each > left and self.estimates.measured(model):
            metrics.refused("cannot_fit")
            raise OverBudget(
                f"a summary of this article is expected to take about {each:.0f} s on this "
                f"server, over the {max(left, 0):.0f} s left of the request's budget "
                "(CONCORD_API__REQUEST_TIMEOUT_S); send a shorter article or use a faster model"
            )
        if wait > 0 and self.limiter.waiting >= self.limiter.max_queue:
            reason = f"{self.limiter.waiting} requests are waiting (CONCORD_API__MAX_QUEUE)"
            metrics.refused("queue_full")
        elif wait > 0 and wait + each > left:
            reason = (
                f"a summary would start in about {wait:.0f} s and take about {each:.0f} s, over "
                f"the {max(left, 0):.0f} s left of this request's budget"
            )
            metrics.refused("over_budget")
        else:
            return
        retry_after = max(1, math.ceil(wait))
        raise Overloaded(
            f"the server is busy: {reason}; retry in {retry_after} s", retry_after=retry_after
        )

    @contextlib.asynccontextmanager
    async def slot(
        self, model: ConnectedModel, deadline: float, article_chars: int | None = None
    ) -> AsyncIterator[Admitted]:
        """Hold a model slot for the block, or raise at once: ``Overloaded`` (429) when waiting
        for one would overrun ``deadline`` (on the event loop's clock) or the queue is full,
        ``OverBudget`` (503) when the summary alone is expected to overrun it. Set the yielded
        ``Admitted.result`` to the summary made, so its tokens refine the estimate."""
        each = self.estimate_s(model, article_chars)
        wait = self.expected_wait_s(model)
        self._refusal(model, each, wait, deadline - asyncio.get_running_loop().time())
        metrics.admitted()
        note_estimate(wait + each)
        chars = article_chars or 0
        admitted = Admitted()
        async with self.limiter.slot():
            started = time.monotonic()
            running = self._started.setdefault(model_key(model), [])
            running.append(started)
            try:
                with listening(self.estimates.speeds):
                    yield admitted
            except BaseException:
                # Cut short (the request's budget ran out, the provider failed): the time it had
                # taken is a lower bound, worth learning only when it says "slower than thought".
                if (took := time.monotonic() - started) > self.estimates.estimate(model, chars):
                    self.estimates.record(model, chars, took)
                raise
            else:
                took = time.monotonic() - started
                self.estimates.record(model, chars, took, admitted.result)
            finally:
                running.remove(started)
