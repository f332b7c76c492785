"""What a worker does with one job: the API's own runner summarises the article.

The runner brings the worker everything a replica has (the model pool, the cache and, with
Redis, the shared cache, the one-call lock and the fleet-wide in-flight limit). A job that
fails for a reason a retry cannot fix (bad article, provider refusal …) finishes with a problem
document; only "too busy right now" is raised back to SAQ to be retried later. While it runs,
the job's heartbeat is renewed, so a worker that dies is noticed within ``heartbeat_s``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from saq import Job
from saq.types import Context

from concord.article import check_article
from concord.errors import ConcordError, Overloaded
from concord.observability import tracing
from concord.observability.request_ids import request_id_set
from concord.records import problem_record, summary_record
from concord.serving.summary_runner import SummaryJob, SummaryRunner


class JobContext(Context, total=False):
    """SAQ's task context plus the worker's runner, set up once at worker start."""

    runner: SummaryRunner


async def summarise_article(
    ctx: JobContext,
    *,
    text: str,
    title: str | None = None,
    source_url: str | None = None,
    model: str | None = None,
    prompt_version: str | None = None,
    provider: str | None = None,
    request_id: str | None = None,
    trace_context: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The SAQ task: a summary record, or a problem record; logged under the submitting
    request's id, traced as part of its trace. ``provider`` is ``model`` as jobs queued before
    the field was renamed carry it."""
    with request_id_set(request_id), tracing.continued(trace_context, "job summarise_article"):
        return await _summarise(
            ctx,
            text=text,
            title=title,
            source_url=source_url,
            model=model or provider,
            prompt_version=prompt_version,
        )


async def _summarise(
    ctx: JobContext,
    *,
    text: str,
    title: str | None,
    source_url: str | None,
    model: str | None,
    prompt_version: str | None,
) -> dict[str, Any]:
    runner = ctx["runner"]
    job = ctx["job"]
    started = time.perf_counter()
    beating = asyncio.create_task(_heartbeat(job))
    try:
        article = check_article(
            text, max_chars=runner.settings.max_article_chars, title=title, source_url=source_url
        )
        result = await runner.run(SummaryJob(article, model=model, prompt_version=prompt_version))
        return summary_record(result)
    except Overloaded:
        raise  # the fleet is busy: SAQ retries the job after its delay
    except ConcordError as error:
        return problem_record(error, (time.perf_counter() - started) * 1000)
    finally:
        beating.cancel()


async def _heartbeat(job: Job) -> None:
    every = max(0.5, job.heartbeat / 3) if job.heartbeat else 5.0
    while True:
        await asyncio.sleep(every)
        with contextlib.suppress(Exception):  # a missed beat is retried at the next one
            await job.update()
