"""Fanning a corpus out to ``concord worker`` processes through the SAQ queue on Redis.

Each article becomes a job whose key is derived from the batch and the article id, so a rerun
after a crash finds the jobs it already submitted instead of submitting them again: a job still
queued or running is waited for, one that finished while nobody watched is read, and only
articles never submitted are enqueued. Bad items are recorded here without reaching the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from typing import Any

from redis.exceptions import RedisError
from saq import Job
from saq.job import TERMINAL_STATUSES
from saq.queue.redis import RedisQueue

from concord.batch.inputs import Item
from concord.batch.local import Finished, record_if_bad
from concord.jobs.queue import QueueUnavailable, job_outcome, new_job, open_queue
from concord.settings import Settings

POLL_S = 0.5
SUBMIT_CHUNK = 100  # jobs looked up and submitted per Redis round


def job_key(batch: str, item_id: str) -> str:
    """A stable job key for one article of one batch."""
    return f"batch:{batch}:{hashlib.sha256(item_id.encode()).hexdigest()[:32]}"


async def run_queued(
    items: list[Item],
    *,
    settings: Settings,
    url: str,
    batch: str,
    options: dict[str, Any],
    finished: Finished,
) -> None:
    """Submit ``items`` to the queue at ``url`` and record each job's outcome as it finishes."""
    queue = open_queue(settings, url)
    await queue.connect()
    try:
        await _submit_and_collect(
            queue, items, settings=settings, batch=batch, options=options, finished=finished
        )
    except (RedisError, OSError) as exc:
        raise QueueUnavailable(f"the queue's Redis failed ({type(exc).__name__})") from None
    finally:
        with contextlib.suppress(RedisError, OSError):
            await queue.disconnect()


async def _submit_and_collect(
    queue: RedisQueue,
    items: list[Item],
    *,
    settings: Settings,
    batch: str,
    options: dict[str, Any],
    finished: Finished,
) -> None:
    todo = [item for item in items if not record_if_bad(item, settings, finished)]
    waiting: dict[str, str] = {}  # job key → item id
    for start in range(0, len(todo), SUBMIT_CHUNK):
        chunk = todo[start : start + SUBMIT_CHUNK]
        keys = [job_key(batch, item.id) for item in chunk]
        for item, key, job in zip(chunk, keys, await queue.jobs(keys), strict=True):
            if job is None:  # never submitted (a job already known is waited for, or read)
                fields = {"text": item.text, "title": item.title, **options}
                await queue.enqueue(new_job(fields, settings, key=key))
            waiting[key] = item.id
    while waiting:
        keys = list(waiting)
        for key, job in zip(keys, await queue.jobs(keys), strict=True):
            if (record := _finished_record(job)) is not None:
                finished(waiting.pop(key), record)
        if waiting:
            await asyncio.sleep(POLL_S)


def _finished_record(job: Job | None) -> dict[str, Any] | None:
    if job is None or job.status not in TERMINAL_STATUSES:
        return None
    return job_outcome(job)
