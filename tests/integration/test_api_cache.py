"""The response cache and request coalescing: repeated work never reaches the model twice."""

from __future__ import annotations

import asyncio

from tests.fakes.openai_server import FakeOpenAIServer, HttpError
from tests.support.api import ARTICLE, CALLS, ClientFactory, valid_answer, valid_summary


async def test_second_identical_request_is_served_from_cache(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(*valid_summary())
    async with api_client() as client:
        first = await client.post("/v1/summaries", json={"text": ARTICLE})
        second = await client.post(
            "/v1/summaries", content=ARTICLE.encode(), headers={"Content-Type": "text/plain"}
        )
    assert (first.status_code, second.status_code) == (200, 200)
    assert len(fake_openai.requests) == CALLS
    assert first.json()["meta"]["cached"] is False
    assert second.json()["meta"]["cached"] is True
    assert second.json()["summary"] == first.json()["summary"]


async def test_a_different_title_or_policy_is_a_miss(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = valid_answer()
    async with api_client() as client:
        plain = await client.post("/v1/summaries", json={"text": ARTICLE})
        titled = await client.post("/v1/summaries", json={"text": ARTICLE, "title": "Talks"})
    async with api_client(grounding_policy="strict") as client:
        strict = await client.post("/v1/summaries", json={"text": ARTICLE})
    assert [r.json()["meta"]["cached"] for r in (plain, titled, strict)] == [False] * 3
    assert len(fake_openai.requests) == 3 * CALLS


async def test_cache_is_bounded_least_recently_used_first(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = valid_answer()
    async with api_client(api={"cache_entries": 2}) as client:
        for text in ("A first.", "B second.", "A first.", "C third.", "A first.", "B second."):
            await client.post("/v1/summaries", json={"text": f"{ARTICLE} {text}"})
    # A, B, (A hit), C evicts B, (A hit), B again: four summaries made in all.
    assert len(fake_openai.requests) == 4 * CALLS


async def test_failures_are_not_cached(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(HttpError(400), *valid_summary())
    async with api_client() as client:
        failed = await client.post("/v1/summaries", json={"text": ARTICLE})
        again = await client.post("/v1/summaries", json={"text": ARTICLE})
    assert (failed.status_code, again.status_code) == (502, 200)
    assert again.json()["meta"]["cached"] is False
    assert len(fake_openai.requests) == 1 + CALLS


async def test_concurrent_identical_requests_share_one_model_call(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(*valid_summary(delay=0.3))
    async with api_client(concurrent=True) as client:
        responses = await asyncio.gather(
            *[client.post("/v1/summaries", json={"text": ARTICLE}) for _ in range(5)]
        )
    assert [r.status_code for r in responses] == [200] * 5
    assert len(fake_openai.requests) == CALLS
    assert sorted(r.json()["meta"]["cached"] for r in responses) == [False] + [True] * 4
