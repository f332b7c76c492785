"""Concord's own Prometheus metrics, and the one-line hooks that move them.

HTTP requests by route and status come from Litestar's Prometheus middleware
(``concord_http_*``, see ``http_metrics``); what is defined here says what the summaries cost:
how they ended, how long each step and each model call took, the tokens each model read
(``prompt``, of which ``cached`` came from its prompt cache) and wrote (``generated``), what
admission decided and why, how many wait for a slot, cache hits and misses, and whether the
model server answers. Every process (each replica, each Granian worker, each ``concord worker``)
counts its own; ``/metrics`` serves this process's registry.

Labels are closed sets or model ids the server's settings allow, never anything a request
writes freely, so a client cannot blow up the number of series.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar

from prometheus_client import Counter, Gauge, Histogram

from concord.errors import ConcordError

if TYPE_CHECKING:  # the CLI records calls too, and must not load Litestar to do it
    from litestar.plugins.prometheus import PrometheusConfig

PREFIX = "concord"
# Seconds: a hosted call takes ~1 s, the embedded model's summary minutes.
SLOW_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 180, 300, 600, 900)

SUMMARIES = Counter(
    f"{PREFIX}_summaries",
    "Summary requests finished, by outcome (ok, cached, or the problem type's slug).",
    ["outcome"],
)
STEP_SECONDS = Histogram(
    f"{PREFIX}_step_duration_seconds",
    "Time of each pipeline step (a pass of the multi-pass prompt, grounding …).",
    ["step"],
    buckets=SLOW_BUCKETS,
)
CALL_SECONDS = Histogram(
    f"{PREFIX}_model_call_duration_seconds",
    "Time of one model (HTTP) call, by model and outcome (ok or the error's slug).",
    ["provider", "model", "outcome"],
    buckets=SLOW_BUCKETS,
)
TOKENS = Counter(
    f"{PREFIX}_model_tokens",
    "Tokens by model: prompt (read), cached (of the prompt, from the server's cache), generated.",
    ["provider", "model", "kind"],
)
ADMISSION = Counter(
    f"{PREFIX}_admission_decisions",
    "Admission decisions: admitted, or refused with the reason (queue_full, over_budget, "
    "cannot_fit).",
    ["decision", "reason"],
)
WAITING = Gauge(f"{PREFIX}_queue_waiting", "Requests waiting for a model slot in this process.")
IN_FLIGHT = Gauge(f"{PREFIX}_model_slots_in_use", "Model slots held in this process.")
CACHE = Counter(
    f"{PREFIX}_cache_lookups",
    "Summary cache lookups by layer (memory, shared) and result (hit, miss).",
    ["layer", "result"],
)
MODEL_UP = Gauge(
    f"{PREFIX}_model_up",
    "1 while the model server answered its last call or readiness check, 0 after a failure.",
    ["provider", "model"],
)
ESTIMATE_SECONDS = Gauge(
    f"{PREFIX}_summary_estimate_seconds",
    "Admission's current estimate of one summary of an average article, by model.",
    ["provider", "model"],
)


def http_metrics() -> PrometheusConfig:
    """Litestar's HTTP metrics: ``concord_http_requests_total`` and
    ``concord_http_request_duration_seconds`` by method, route template and status."""
    from litestar.plugins.prometheus import PrometheusConfig  # noqa: PLC0415 - see above

    return PrometheusConfig(
        app_name="concord",
        prefix=f"{PREFIX}_http",
        group_path=True,  # the route's template, not the path: /v1/jobs/{job_id}, not each id
        buckets=list(SLOW_BUCKETS),
    )


class SlotCounts(Protocol):
    in_flight: int
    waiting: int


def watch_slots(limiter: SlotCounts) -> None:
    """Read the queue and the slots in use from ``limiter`` at each scrape."""
    WAITING.set_function(lambda: limiter.waiting)
    IN_FLIGHT.set_function(lambda: limiter.in_flight)


def outcome_of(error: BaseException) -> str:
    return error.slug if isinstance(error, ConcordError) else "internal"


P = ParamSpec("P")
R = TypeVar("R")


def count_summaries(run: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    """Decorate the coroutine that serves one summary: count each by how it ended."""

    @functools.wraps(run)
    async def counted(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = await run(*args, **kwargs)
        except Exception as error:
            SUMMARIES.labels(outcome_of(error)).inc()
            raise
        cached = getattr(getattr(result, "meta", None), "cached", False)
        SUMMARIES.labels("cached" if cached else "ok").inc()
        return result

    return counted


def step_finished(step: str, seconds: float) -> None:
    STEP_SECONDS.labels(step).observe(seconds)


def model_call(
    provider: str,
    model: str,
    seconds: float,
    *,
    outcome: str = "ok",
    prompt_tokens: int = 0,
    cached_tokens: int = 0,
    generated_tokens: int = 0,
) -> None:
    """One model call: its time, its tokens, and what it says about the server being up."""
    CALL_SECONDS.labels(provider, model, outcome).observe(seconds)
    for kind, count in (
        ("prompt", prompt_tokens),
        ("cached", cached_tokens),
        ("generated", generated_tokens),
    ):
        TOKENS.labels(provider, model, kind).inc(count)
    if outcome == "ok":
        MODEL_UP.labels(provider, model).set(1)
    elif outcome in ("provider-unavailable", "provider-timeout"):
        MODEL_UP.labels(provider, model).set(0)


def model_up(provider: str, model: str, *, up: bool) -> None:
    MODEL_UP.labels(provider, model).set(1 if up else 0)


def admitted() -> None:
    ADMISSION.labels("admitted", "").inc()


def refused(reason: str) -> None:
    ADMISSION.labels("refused", reason).inc()


def cache_lookup(layer: str, *, hit: bool) -> None:
    CACHE.labels(layer, "hit" if hit else "miss").inc()


def summary_estimate(provider: str, model: str, seconds: float) -> None:
    ESTIMATE_SECONDS.labels(provider, model).set(seconds)
