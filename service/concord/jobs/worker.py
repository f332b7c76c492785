"""``concord worker``: process summary jobs from the Redis queue, on this or any machine.

Run as many as the model servers can feed, anywhere that reaches the Redis (and the model):
each takes up to ``--concurrency`` jobs at a time. A worker stopped with SIGTERM hands its
running jobs back to the queue; one that dies (``kill -9``, a lost machine) stops beating, and
another worker's sweep retries its jobs, so each job finishes once.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from typing import cast

from prometheus_client import start_http_server
from pydantic import SecretStr
from redis.exceptions import RedisError
from saq import Worker
from saq.types import PartialTimersDict

from concord.errors import ConfigurationError
from concord.jobs.queue import TASK, QueueUnavailable, open_queue
from concord.jobs.task import JobContext, summarise_article
from concord.observability.tracing import configure_tracing
from concord.redact import configure_logging
from concord.serving.summary_runner import SummaryRunner
from concord.settings import Settings, get_settings
from concord.shared.redis_link import shown_url

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--redis-url", help="the queue's Redis (default: CONCORD_REDIS_URL)", default=None
    )
    parser.add_argument(
        "--concurrency", type=int, help="jobs at once (default: CONCORD_JOBS__CONCURRENCY, 4)"
    )
    parser.add_argument(
        "--metrics-port",
        type=int,
        help="serve this worker's Prometheus metrics at http://HOST:PORT/metrics (default: off)",
    )
    parser.add_argument(
        "--metrics-host", default="127.0.0.1", help="address for --metrics-port (127.0.0.1)"
    )


def build_worker(settings: Settings, url: str, concurrency: int) -> Worker[JobContext]:
    """A SAQ worker whose jobs share one ``SummaryRunner`` (models stay open between jobs)."""
    runner = SummaryRunner(settings)

    async def startup(ctx: JobContext) -> None:
        await runner.start()
        ctx["runner"] = runner
        # SAQ sweeps as its upkeep starts, alongside the first dequeues; a job dequeued during
        # that sweep looks abandoned and is aborted and retried. Sweeping here, before any job
        # is taken, holds the sweep lock for ``sweep_s`` and so makes that first one a no-op.
        await ctx["worker"].queue.sweep(settings.jobs.sweep_s)

    async def shutdown(_: JobContext) -> None:
        await runner.close()

    return Worker(
        open_queue(settings, url),
        functions=[(TASK, summarise_article)],
        concurrency=concurrency,
        startup=startup,
        shutdown=shutdown,
        timers=cast(PartialTimersDict, {"sweep": settings.jobs.sweep_s}),
    )


async def _work(worker: Worker[JobContext]) -> None:
    await worker.queue.connect()
    try:
        await worker.start()
    except (RedisError, OSError) as exc:
        raise QueueUnavailable(f"the queue's Redis failed ({type(exc).__name__})") from None
    finally:
        with contextlib.suppress(RedisError, OSError):
            await worker.queue.disconnect()


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    url = args.redis_url or (settings.redis_url.get_secret_value() if settings.redis_url else None)
    if url is None:
        raise ConfigurationError(
            "concord worker needs a queue: set CONCORD_REDIS_URL or --redis-url"
        )
    if settings.redis_url is None:
        # The runner shares cache, lock and limit through the same Redis as the queue.
        settings = settings.model_copy(update={"redis_url": SecretStr(url)})
    concurrency = args.concurrency or settings.jobs.concurrency
    configure_tracing()
    if args.metrics_port is not None:
        start_http_server(args.metrics_port, addr=args.metrics_host)
    log.warning("concord worker: %d job(s) at a time from %s", concurrency, shown_url(url))
    asyncio.run(_work(build_worker(settings, url, concurrency)))
    return 0
