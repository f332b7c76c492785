"""``GET /metrics`` scraped with Prometheus' own text parser after real requests through the app
(the fake provider behind it): the counters an operator watches move by what was asked."""

from __future__ import annotations

import asyncio

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.credentials import bearer, sk
from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.api import ARTICLE, CALLS, PASSES, ClientFactory, valid_answer, valid_summary

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(client: httpx.AsyncClient, **headers: str) -> Samples:
    response = await client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    assert key in after, f"{name}{labels} not in /metrics"
    return after[key] - before.get(key, 0.0)


MODEL = {"provider": "llamacpp", "model": "fake-model"}


async def test_requests_move_the_http_summary_token_admission_and_cache_counters(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(*valid_summary(usage=(321, 45)))  # every call reports this usage
    async with api_client() as client:
        before = await scrape(client)
        first = await client.post("/v1/summaries", json={"text": ARTICLE})
        again = await client.post("/v1/summaries", json={"text": ARTICLE})  # from the cache
        bad = await client.post("/v1/summaries", json={"text": ""})
        after = await scrape(client)

    assert [first.status_code, again.status_code, bad.status_code] == [200, 200, 422]
    http = {"app_name": "concord", "method": "POST", "path": "/v1/summaries"}
    assert moved(before, after, "concord_http_requests_total", **http, status_code="200") == 2
    assert moved(before, after, "concord_http_requests_total", **http, status_code="422") == 1
    latency = "concord_http_request_duration_seconds_count"
    assert moved(before, after, latency, **http, status_code="200") == 2
    assert moved(before, after, "concord_summaries_total", outcome="ok") == 1
    assert moved(before, after, "concord_summaries_total", outcome="cached") == 1
    assert moved(before, after, "concord_model_tokens_total", **MODEL, kind="prompt") == 321 * CALLS
    assert (
        moved(before, after, "concord_model_tokens_total", **MODEL, kind="generated") == 45 * CALLS
    )
    calls = "concord_model_call_duration_seconds_count"
    assert moved(before, after, calls, **MODEL, outcome="ok") == CALLS
    assert PASSES, "the default prompt has no pass steps to time"
    for step in PASSES:  # each pass is a step that calls the model, timed once per summary
        assert moved(before, after, "concord_step_duration_seconds_count", step=step) == 1
    admitted = {"decision": "admitted", "reason": ""}
    assert moved(before, after, "concord_admission_decisions_total", **admitted) == 1
    assert moved(before, after, "concord_cache_lookups_total", layer="memory", result="hit") == 1
    assert moved(before, after, "concord_cache_lookups_total", layer="memory", result="miss") == 1
    assert after[("concord_model_up", frozenset(MODEL.items()))] == 1
    assert after[("concord_queue_waiting", frozenset())] == 0


async def test_refusals_are_counted_by_reason(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = valid_answer(delay=1.0)
    api = {"max_in_flight": 1, "max_queue": 0, "request_timeout_s": 60}
    async with api_client(concurrent=True, api=api) as client:
        before = await scrape(client)
        await client.post("/v1/summaries", json={"text": ARTICLE + " (first)"})
        answers = await asyncio.gather(
            *(client.post("/v1/summaries", json={"text": f"{ARTICLE} ({n})"}) for n in range(3))
        )
        after = await scrape(client)
    refused = sum(answer.status_code == 429 for answer in answers)
    assert refused == 2, [answer.status_code for answer in answers]
    reason = {"decision": "refused", "reason": "queue_full"}
    assert moved(before, after, "concord_admission_decisions_total", **reason) == refused
    assert moved(before, after, "concord_summaries_total", outcome="overloaded") == refused


async def test_metrics_need_the_key_when_the_api_has_keys(api_client: ClientFactory) -> None:
    key = sk("test-metrics-key-0001")  # the shared fake, spelled so no scanner flags the file
    async with api_client(api={"api_keys": [key]}) as client:
        assert (await client.get("/metrics")).status_code == 401
        samples = await scrape(client, authorization=bearer(key))
    assert any(name == "concord_queue_waiting" for name, _ in samples)
