"""OpenTelemetry spans recorded by the SDK's in-memory exporter: a summary through the app (the
fake provider behind it) gives a span per pipeline step and per model call, the call's with the
GenAI token attributes, and none with the article's text; a job continues the trace of the
request that queued it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from saq import Job

from concord.jobs.queue import TASK
from concord.jobs.task import JobContext, summarise_article
from concord.observability import tracing
from concord.serving.summary_runner import SummaryRunner
from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.api import ARTICLE, CALLS, PASSES, ClientFactory, fake_settings, valid_summary


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    previous = tracing.install(provider)
    yield exporter
    tracing.install(previous)


def by_name(finished: tuple[ReadableSpan, ...]) -> dict[str, ReadableSpan]:
    return {span.name: span for span in finished}


def attribute_text(span: ReadableSpan) -> str:
    values: list[Any] = list((span.attributes or {}).values())
    values += [value for event in span.events for value in (event.attributes or {}).values()]
    return " ".join(str(value) for value in values)


async def test_a_summary_has_step_and_call_spans_with_tokens_and_no_article_text(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer, spans: InMemorySpanExporter
) -> None:
    fake_openai.enqueue(*valid_summary(usage=(321, 45)))  # every call reports this usage
    async with api_client() as client:
        response = await client.post(
            "/v1/summaries", json={"text": ARTICLE}, headers={"x-request-id": "trace-me-1"}
        )
    assert response.status_code == 200, response.text

    finished = spans.get_finished_spans()
    named = by_name(finished)
    assert PASSES, "the default prompt has no pass steps"
    for step in ("sentences", *PASSES, "grounding"):
        assert named[step].attributes == {"concord.step": step}
    calls = [span for span in finished if span.name == "chat fake-model"]
    assert len(calls) == CALLS
    for call in calls:
        attributes = dict(call.attributes or {})
        assert attributes["gen_ai.operation.name"] == "chat"
        assert attributes["gen_ai.request.model"] == "fake-model"
        assert attributes["gen_ai.provider.name"] == "llamacpp"
        assert attributes["gen_ai.usage.input_tokens"] == 321
        assert attributes["gen_ai.usage.output_tokens"] == 45
    # Each call happened inside its own pass's step, inside the summary, inside the request.
    parents = [call.parent.span_id for call in calls if call.parent is not None]
    assert sorted(parents) == sorted(named[step].context.span_id for step in PASSES)
    summarise = named["summarise"]
    for step in PASSES:
        parent = named[step].parent
        assert parent is not None
        assert parent.span_id == summarise.context.span_id
    server = next(span for span in finished if span.name == "POST /v1/summaries")
    assert (server.attributes or {})["concord.request_id"] == "trace-me-1"
    assert len({span.context.trace_id for span in finished}) == 1

    words = [ARTICLE[:40], "Lavrov", "Isil", "intelligence"]  # article and completion text
    for span in finished:
        text = attribute_text(span)
        assert not any(word in text for word in words), (span.name, text)


async def test_a_job_continues_the_trace_of_the_request_that_queued_it(
    fake_openai: FakeOpenAIServer, spans: InMemorySpanExporter
) -> None:
    fake_openai.enqueue(*valid_summary())
    with tracing.span("POST /v1/jobs"):
        carried = tracing.carrier()  # what create_job puts in the job
    assert carried["traceparent"].startswith("00-")
    runner = SummaryRunner(fake_settings(fake_openai.base_url))
    await runner.start()
    try:
        ctx: JobContext = {"runner": runner, "job": Job(function=TASK, heartbeat=0)}  # type: ignore[typeddict-item]
        record = await summarise_article(
            ctx, text=ARTICLE, request_id="job-req-1", trace_context=carried
        )
    finally:
        await runner.close()
    assert "summary" in record
    named = by_name(spans.get_finished_spans())
    request, job = named["POST /v1/jobs"], named["job summarise_article"]
    assert job.context.trace_id == request.context.trace_id
    assert job.parent is not None
    assert job.parent.span_id == request.context.span_id
    calls = [span for span in spans.get_finished_spans() if span.name == "chat fake-model"]
    assert len(calls) == CALLS
    assert {call.context.trace_id for call in calls} == {request.context.trace_id}
