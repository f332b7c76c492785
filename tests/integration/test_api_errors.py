"""Every fault a client can meet on POST /v1/summaries, as an RFC 9457 problem document."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from tests.fakes.credentials import sk
from tests.fakes.openai_server import (
    CompletionReply,
    FakeOpenAIServer,
    Hang,
    HttpError,
    closed_port_url,
)
from tests.support.api import (
    ARTICLE,
    CALLS,
    ClientFactory,
    assert_problem,
    valid_answer,
    valid_summary,
)

problem = assert_problem


async def test_malformed_json_is_400(api_client: ClientFactory) -> None:
    async with api_client() as client:
        response = await client.post(
            "/v1/summaries", content=b'{"text": "x",', headers={"Content-Type": "application/json"}
        )
    assert "not valid JSON" in assert_problem(response, 400, "malformed-json")["detail"]


async def test_body_over_the_limit_is_413(api_client: ClientFactory) -> None:
    async with api_client(api={"max_body_bytes": 1024}) as client:
        response = await client.post("/v1/summaries", json={"text": "word " * 400})
    body = assert_problem(response, 413, "body-too-large")
    assert "1,024 bytes" in body["detail"]


async def test_article_over_the_limit_is_413(api_client: ClientFactory) -> None:
    async with api_client(max_article_chars=100) as client:
        response = await client.post("/v1/summaries", json={"text": "word " * 30})
    body = assert_problem(response, 413, "article-too-large")
    assert "150 characters" in body["detail"]
    assert body["limit"] == 100


@pytest.mark.parametrize(
    "headers",
    [{"Content-Type": "application/xml"}, {"Content-Type": "text/plain; charset=latin-1"}, {}],
)
async def test_other_media_types_are_415(
    api_client: ClientFactory, headers: dict[str, str]
) -> None:
    async with api_client() as client:
        response = await client.post("/v1/summaries", content=b"<a>text</a>", headers=headers)
    assert_problem(response, 415, "unsupported-media-type")


@pytest.mark.parametrize("text", ["", "   \n\t ", "\u200b\ufeff"])
async def test_empty_text_is_422(api_client: ClientFactory, text: str) -> None:
    async with api_client() as client:
        response = await client.post("/v1/summaries", json={"text": text})
    assert "empty" in assert_problem(response, 422, "invalid-article")["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": 42}, "text"),
        ({"text": ["a", "b"]}, "text"),
        ({"text": None}, "text"),
        ({}, "text"),
        ({"text": ARTICLE, "colour": "blue"}, "colour"),
        ({"text": ARTICLE, "title": 7}, "title"),
    ],
)
async def test_wrong_fields_are_422(
    api_client: ClientFactory, body: dict[str, Any], field: str
) -> None:
    async with api_client() as client:
        response = await client.post("/v1/summaries", json=body)
    document = assert_problem(response, 422, "validation")
    assert [error["field"] for error in document["errors"]] == [field]


async def test_json_that_is_not_an_object_is_422(api_client: ClientFactory) -> None:
    async with api_client() as client:
        response = await client.post("/v1/summaries", json=["text"])
    assert_problem(response, 422, "validation")


async def test_text_body_that_is_not_utf8_is_422(api_client: ClientFactory) -> None:
    async with api_client() as client:
        response = await client.post(
            "/v1/summaries", content=b"caf\xe9 talks", headers={"Content-Type": "text/plain"}
        )
    assert "UTF-8" in assert_problem(response, 422, "invalid-article")["detail"]


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("model=openai:gpt-4o", "model"),
        ("provider=openai:gpt-4o", "model"),  # the field's older name
        ("prompt_version=summarise/v9", "prompt_version"),
    ],
)
async def test_choices_off_the_allowed_lists_are_422(
    api_client: ClientFactory, query: str, named: str
) -> None:
    async with api_client() as client:
        response = await client.post(f"/v1/summaries?{query}", json={"text": ARTICLE})
    detail = assert_problem(response, 422, "validation")["detail"]
    assert f"{named} " in detail
    assert "not allowed" in detail


async def test_local_queue_full_is_429_with_retry_after(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(*valid_summary(delay=0.5))
    async with api_client(concurrent=True, api={"max_in_flight": 1, "max_queue": 0}) as client:
        first, second = await asyncio.gather(
            client.post("/v1/summaries", json={"text": ARTICLE}),
            client.post("/v1/summaries", json={"text": ARTICLE + " Later."}),
        )
    statuses = sorted([first.status_code, second.status_code])
    assert statuses == [200, 429]
    refused = first if first.status_code == 429 else second
    assert_problem(refused, 429, "overloaded")
    assert int(refused.headers["retry-after"]) >= 1
    assert len(fake_openai.requests) == CALLS


async def test_provider_rate_limit_is_429_with_its_retry_after(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(HttpError(429, headers={"Retry-After": "7"}))
    async with api_client() as client:
        response = await client.post("/v1/summaries", json={"text": ARTICLE})
    body = assert_problem(response, 429, "provider-rate-limited")
    assert response.headers["retry-after"] == "7"
    assert body["calls"] == 1


async def test_output_still_invalid_after_retries_is_502(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(*[CompletionReply("this is not JSON")] * 3)
    async with api_client(max_attempts=3) as client:
        response = await client.post("/v1/summaries", json={"text": ARTICLE})
    body = assert_problem(response, 502, "output-invalid")
    assert body["calls"] == 3
    assert "this is not JSON" not in response.text  # the raw completion stays in the logs


async def test_unreachable_provider_is_503(api_client: ClientFactory) -> None:
    async with api_client(base_url=closed_port_url(), transient_retries=1) as client:
        response = await client.post("/v1/summaries", json={"text": ARTICLE})
    assert assert_problem(response, 503, "provider-unavailable")["calls"] == 2


async def test_provider_timeout_is_504(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(Hang(5))
    async with api_client(timeout_s=0.3) as client:
        response = await client.post("/v1/summaries", json={"text": ARTICLE})
    assert assert_problem(response, 504, "provider-timeout")["calls"] == 1


async def test_request_timeout_is_504(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(valid_answer(delay=2))  # the first pass outlasts the request's budget
    async with api_client(api={"request_timeout_s": 0.3}) as client:
        response = await client.post("/v1/summaries", json={"text": ARTICLE})
    assert "0.3 s" in assert_problem(response, 504, "request-timeout")["detail"]


async def test_unexpected_failure_is_a_generic_500_logged_redacted(
    api_client: ClientFactory, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # No fake can make the pipeline itself crash, so this one test replaces it.
    async def crash(*_: object, **__: object) -> None:
        raise RuntimeError(f"boom with key {sk('abcdefghijklmnop1234')}")

    monkeypatch.setattr("concord.serving.summary_runner.summarise", crash)
    async with api_client() as client:
        with caplog.at_level(logging.ERROR, logger="concord.api.problems"):
            response = await client.post("/v1/summaries", json={"text": ARTICLE})
    body = assert_problem(response, 500, "internal")
    assert "boom" not in response.text
    assert "RuntimeError" not in body["detail"]
    assert "boom with key [REDACTED]" in caplog.text
    assert sk("abcdefghijklmnop1234") not in caplog.text


async def test_unknown_route_is_a_problem_document(api_client: ClientFactory) -> None:
    async with api_client() as client:
        response = await client.get("/v1/nothing-here")
    assert_problem(response, 404, "not-found")
