"""The job queue: SAQ on Redis, as seen by whoever submits jobs and reads their outcome.

SAQ (Simple Async Queue) was chosen because it is asyncio-native like the rest of Concord,
small, and already what Litestar's ecosystem integrates (litestar-saq); its Redis queue gives
what summaries need without home-made machinery: keys that make re-submission idempotent,
a heartbeat that marks a job whose worker died, a sweep that retries it on another worker, and
results kept for a while after they finish. The plugin itself is not used: Concord's API only
submits and reads jobs, and workers run as ``concord worker``, not inside the web app.
"""

from __future__ import annotations

from typing import Any, Literal

from saq import Job, Status
from saq.queue.redis import RedisQueue

from concord.errors import ProviderUnavailable
from concord.settings import JobSettings, Settings
from concord.shared.redis_link import connect_redis

TASK = "summarise_article"


class QueueUnavailable(ProviderUnavailable):
    """The queue's Redis cannot be reached."""

    title = "Job queue unavailable"
    slug = "queue-unavailable"


JobState = Literal["queued", "running", "done", "failed"]

_STATES: dict[Status, JobState] = {
    Status.NEW: "queued",
    Status.QUEUED: "queued",
    Status.ACTIVE: "running",
    Status.ABORTING: "running",
    Status.COMPLETE: "done",
    Status.FAILED: "failed",
    Status.ABORTED: "failed",
}


def open_queue(
    settings: Settings, url: str | None = None, *, fail_fast: bool = False
) -> RedisQueue:
    """The queue at ``url`` (default ``CONCORD_REDIS_URL``); call ``await queue.connect()``.

    ``fail_fast`` is for clients that must answer quickly (the API): a Redis fault surfaces in
    about a second. Workers block on the queue for new jobs, so theirs waits as long as needed.
    """
    if url is None:
        if settings.redis_url is None:
            raise ValueError("no Redis URL: set CONCORD_REDIS_URL")
        url = settings.redis_url.get_secret_value()
    if fail_fast:
        return RedisQueue(connect_redis(url), name=settings.jobs.queue)
    return RedisQueue.from_url(url, name=settings.jobs.queue)


def new_job(fields: dict[str, Any], settings: Settings, key: str | None = None) -> Job:
    """A summary job for the article ``fields`` (text, title, source_url, provider …)."""
    jobs: JobSettings = settings.jobs
    job = Job(
        function=TASK,
        kwargs={name: value for name, value in fields.items() if value is not None},
        timeout=int(settings.api.request_timeout_s),
        heartbeat=jobs.heartbeat_s,
        retries=jobs.retries,
        ttl=jobs.keep_s,
        retry_delay=1.0,
    )
    if key is not None:
        job.key = key
    return job


def job_state(job: Job) -> JobState:
    """queued, running, done (a summary) or failed (a problem document)."""
    state = _STATES[job.status]
    if state == "done" and isinstance(job.result, dict) and "problem" in job.result:
        return "failed"
    return state


def job_outcome(job: Job) -> dict[str, Any] | None:
    """The finished job's record (``summary``+``meta`` or ``problem``+``meta``), else None."""
    if job.status == Status.COMPLETE and isinstance(job.result, dict):
        return job.result
    if job.status in (Status.FAILED, Status.ABORTED):
        problem = {
            "type": "https://concord.dev/problems/internal",
            "title": "Internal error",
            "status": 500,
            "detail": f"the job stopped after {job.attempts} attempt(s) without a summary; "
            "the worker's log says why",
        }
        return {"problem": problem, "meta": {"attempts": job.attempts}}
    return None
