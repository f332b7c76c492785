"""``POST /v1/summaries``: an article in, a grounded structured summary out (as JSON, or as
server-sent events for ``Accept: text/event-stream``); ``GET /v1/options``: what it may pick."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import ServerSentEvent

from concord.api.article_source import source_of
from concord.api.openapi import SUMMARY_RESPONSES, SummariseOperation
from concord.api.request_body import parse_summary_request, read_summary_body
from concord.api.summary_events import summary_events, wants_events
from concord.article import check_article
from concord.errors import RequestInvalid
from concord.schema import SummaryResult
from concord.serving.summary_runner import SummaryJob, SummaryRunner
from concord.sources.page import with_source


@post(
    "/summaries",
    status_code=200,
    summary="Summarise an article",
    tags=["summaries"],
    operation_class=SummariseOperation,
    responses=SUMMARY_RESPONSES,
)
async def create_summary(
    request: Request[Any, Any, Any],
    runner: NamedDependency[SummaryRunner],
    model: Annotated[
        str | None, QueryParameter(description="A model id 'provider:model' from the allowed list.")
    ] = None,
    provider: Annotated[
        str | None, QueryParameter(description="Another name for `model` (its earlier name).")
    ] = None,
    prompt_version: Annotated[
        str | None, QueryParameter(description="A prompt version from the allowed list.")
    ] = None,
) -> SummaryResult | ServerSentEvent:
    """Summarise the article in the body: participants, agreements and disagreements, each with
    verbatim quotes located in the article. Identical requests are answered from a cache
    (``meta.cached: true``). ``model`` (a model id; ``provider`` is another name for it) and
    ``prompt_version`` may be given in the JSON body or as query parameters, and must be on the
    server's allowed lists.

    With ``Accept: text/event-stream`` the answer is a stream of server-sent events instead:
    ``accepted``, ``step`` (each pipeline step as it starts and finishes), then ``summary`` (this
    same JSON) or ``problem`` (the problem document). A request refused before any work starts
    (bad body, unknown model …) still gets its plain problem response and status.

    The article may also come as ``{"url": …}`` (fetched under the server's fetch policy) or as
    a saved page (a ``text/html`` body); its main text is extracted, summarised, and returned
    as ``article`` beside the summary, since the evidence offsets index it. ``meta.source``
    says where the text came from."""
    media_type, options = request.content_type
    body = await read_summary_body(request, runner.settings, media_type)
    fields = parse_summary_request(media_type, options, body)
    sourced = await source_of(fields, runner.settings)
    article = check_article(
        sourced.text,
        max_chars=runner.settings.max_article_chars,
        title=sourced.title,
        source_url=fields.source_url or fields.url,
    )
    job = SummaryJob(
        article,
        model=either("model", fields.model, either("model", model, provider)),
        prompt_version=either("prompt_version", fields.prompt_version, prompt_version),
    )
    if wants_events(request):
        resolved = await runner.resolve(job)
        return summary_events(request, runner, resolved, lambda done: with_source(done, sourced))
    return with_source(await runner.run(job), sourced)


@get("/options", summary="What a request may choose", tags=["summaries"])
async def summary_options(runner: NamedDependency[SummaryRunner]) -> dict[str, list[str]]:
    """The models (``model``) and prompt versions (``prompt_version``) this server lets a
    request pick, each list starting with the server's default: the same lists
    ``POST /v1/summaries`` enforces."""
    return runner.choices()


def either(field: str, in_body: str | None, in_query: str | None) -> str | None:
    if in_body is not None and in_query is not None and in_body != in_query:
        raise RequestInvalid(f"{field} differs between the body and the query string")
    return in_body if in_body is not None else in_query
