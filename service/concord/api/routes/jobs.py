"""``POST /v1/jobs`` and ``GET /v1/jobs/{id}``: summaries that outlive a request.

The article is checked here, at once (a bad one is a 4xx now, not a failed job later); the work
goes to the SAQ queue on Redis, where any ``concord worker`` takes it. These routes exist only
when ``CONCORD_REDIS_URL`` is set.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter, QueryParameter
from pydantic import BaseModel, Field
from redis.exceptions import RedisError
from saq.queue.redis import RedisQueue

from concord.api.openapi import SummariseOperation
from concord.api.request_body import parse_summary_request, read_body
from concord.api.routes.summaries import either
from concord.article import check_article
from concord.errors import RequestInvalid
from concord.jobs.queue import JobState, QueueUnavailable, job_outcome, job_state, new_job
from concord.observability import tracing
from concord.observability.request_ids import current_request_id
from concord.serving.summary_runner import SummaryRunner


class JobView(BaseModel):
    """Where a job is; once finished, its summary (``summary``, ``meta``) or its ``problem``."""

    id: str
    state: JobState
    attempts: int = 0
    request_id: str | None = Field(None, description="The X-Request-ID of the submitting request.")
    summary: dict[str, Any] | None = Field(None, description="The summary, once done.")
    meta: dict[str, Any] | None = Field(None, description="How it was made, once finished.")
    problem: dict[str, Any] | None = Field(None, description="RFC 9457 document, if failed.")


@post("/jobs", status_code=202, summary="Submit a summary job", tags=["jobs"],
      operation_class=SummariseOperation)  # fmt: skip
async def create_job(  # noqa: PLR0917 - Litestar passes each parameter by name
    request: Request[Any, Any, Any],
    runner: NamedDependency[SummaryRunner],
    jobs: NamedDependency[RedisQueue],
    model: Annotated[str | None, QueryParameter(description="A model id.")] = None,
    provider: Annotated[str | None, QueryParameter(description="Another name for `model`.")] = None,
    prompt_version: Annotated[str | None, QueryParameter(description="A prompt version.")] = None,
) -> Response[JobView]:
    """Queue the article in the body (same body as ``POST /v1/summaries``); answer 202 with the
    job's id and ``Location: /v1/jobs/{id}`` to poll."""
    settings = runner.settings
    body = await read_body(request, settings.body_limit_bytes, settings.api.body_timeout_s)
    media_type, options = request.content_type
    fields = parse_summary_request(media_type, options, body)
    if fields.text is None:  # a job carries its text: fetching and extracting are not queued
        raise RequestInvalid("jobs take the article as text; send pages to POST /v1/summaries")
    check_article(fields.text, max_chars=settings.max_article_chars, title=fields.title)
    values = fields.model_dump() | {
        "model": either("model", fields.model, either("model", model, provider)),
        "prompt_version": either("prompt_version", fields.prompt_version, prompt_version),
        # The worker logs under the submitter's request id and continues its trace.
        "request_id": current_request_id(),
        "trace_context": tracing.carrier() or None,
    }
    job = new_job(values, settings)
    try:
        await jobs.enqueue(job)
    except (RedisError, OSError):
        raise QueueUnavailable("the job queue (Redis) cannot be reached; retry later") from None
    view = JobView(id=job.key, state="queued", request_id=current_request_id())
    return Response(view, status_code=202, headers={"Location": f"/v1/jobs/{job.key}"})


@get("/jobs/{job_id:str}", summary="A job's state and outcome", tags=["jobs"])
async def read_job(
    job_id: Annotated[str, PathParameter(description="The id POST /v1/jobs answered.")],
    jobs: NamedDependency[RedisQueue],
) -> JobView:
    """``queued`` → ``running`` → ``done`` (with ``summary`` and ``meta``) or ``failed`` (with
    ``problem``). Finished jobs stay readable for ``CONCORD_JOBS__KEEP_S`` seconds."""
    try:
        job = await jobs.job(job_id)
    except (RedisError, OSError):
        raise QueueUnavailable("the job queue (Redis) cannot be reached; retry later") from None
    if job is None:
        raise NotFoundException(f"no job {job_id!r} (unknown, or finished too long ago)")
    outcome = job_outcome(job) or {}
    return JobView(
        id=job.key,
        state=job_state(job),
        attempts=job.attempts,
        request_id=(job.kwargs or {}).get("request_id"),
        **outcome,
    )
