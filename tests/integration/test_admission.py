"""Admission by expected wait: with one slot, a provider taking 1 s per summary and a queue of 10,
requests that could not finish within their budget are refused at once with a Retry-After that
matches the wait ahead of them, and every request admitted finishes within its budget."""

from __future__ import annotations

import asyncio
import contextlib

import httpx

from concord.providers.connection import ConnectedModel
from concord.providers.profiles import PROFILES
from concord.serving.admission import Admission, slot_count
from concord.serving.limiter import ConcurrencyLimiter
from concord.serving.summary_estimate import SummaryEstimates
from tests.fakes.openai_server import FakeOpenAIServer
from tests.support.api import (
    ARTICLE,
    CALLS,
    ClientFactory,
    assert_problem,
    fake_settings,
    valid_answer,
)

# How long one summary takes at the fake provider, spread over the default prompt's calls.
SUMMARY_S = 2.0
# The budget test's summary, longer so that each call's own overhead (~0.1 s on a busy 2-core
# machine, four calls a summary) moves the estimate less: room for the one running and four
# waiting (20 s) with 15 % to spare, not for a sixth (24 s).
BUDGETED_SUMMARY_S = 4.0
BUDGET_S = 23.0


async def test_requests_that_would_outwait_their_budget_get_429_at_once(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = valid_answer(delay=BUDGETED_SUMMARY_S / CALLS)
    api = {"max_in_flight": 1, "max_queue": 10, "request_timeout_s": BUDGET_S}
    async with api_client(concurrent=True, api=api, timeout_s=60) as client:
        # One summary teaches the server how long a summary takes here.
        first = await client.post("/v1/summaries", json={"text": ARTICLE + " (first)"})
        assert first.status_code == 200, first.text
        answered: list[httpx.Response] = []

        async def post(n: int) -> None:
            response = await client.post("/v1/summaries", json={"text": f"{ARTICLE} ({n})"})
            answered.append(response)

        await asyncio.gather(*(post(n) for n in range(10)))

    statuses = [response.status_code for response in answered]
    assert sorted(statuses) == [200] * 5 + [429] * 5, statuses
    # At once: every refusal came back before the first admitted summary was done.
    assert statuses[:5] == [429] * 5, statuses
    for refused in answered[:5]:
        body = assert_problem(refused, 429, "overloaded")
        # Five summaries of ~4 s are ahead of it (one running, four waiting).
        assert refused.headers["retry-after"] in {"20", "21", "22", "23"}, refused.headers
        assert "budget" in body["detail"]


async def test_a_full_queue_is_refused_with_the_same_estimate(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = valid_answer(delay=SUMMARY_S / CALLS)
    api = {"max_in_flight": 1, "max_queue": 2, "request_timeout_s": 60}
    async with api_client(concurrent=True, api=api, timeout_s=30) as client:
        first = await client.post("/v1/summaries", json={"text": ARTICLE + " (first)"})
        assert first.status_code == 200, first.text
        answered = await asyncio.gather(
            *(client.post("/v1/summaries", json={"text": f"{ARTICLE} ({n})"}) for n in range(4))
        )
    statuses = sorted(response.status_code for response in answered)
    assert statuses == [200, 200, 200, 429], statuses
    refused = next(response for response in answered if response.status_code == 429)
    assert "CONCORD_API__MAX_QUEUE" in assert_problem(refused, 429, "overloaded")["detail"]
    assert refused.headers["retry-after"] in {"6", "7", "8"}


def test_the_in_flight_cap_follows_the_embedded_models_slots() -> None:
    local = fake_settings("http://127.0.0.1:9/v1", model="local", local_parallel=3)
    assert slot_count(local) == 3
    assert slot_count(local.model_copy(update={"api": local.api.model_copy(
        update={"max_in_flight": 2})})) == 2  # fmt: skip
    assert slot_count(fake_settings("http://127.0.0.1:9/v1")) == 4


async def test_the_estimate_starts_at_the_first_summary_then_follows_recent_ones() -> None:
    model = ConnectedModel(client=None, profile=PROFILES["llamacpp"], model="m")  # type: ignore[arg-type]
    times = SummaryEstimates()
    admission = Admission(ConcurrencyLimiter(max_in_flight=1, max_queue=5), times)
    assert admission.expected_wait_s(model) == 0  # a free slot: no wait, whatever the estimate
    times.record(model, 2000, 10.0)
    assert times.estimate(model) == 10.0
    times.record(model, 2000, 20.0)
    assert 10.0 < times.estimate(model) < 20.0


async def test_a_summary_running_longer_than_thought_raises_the_estimate_at_once() -> None:
    model = ConnectedModel(client=None, profile=PROFILES["llamacpp"], model="m")  # type: ignore[arg-type]
    times = SummaryEstimates()
    times.record(model, 2000, 0.05)
    admission = Admission(ConcurrencyLimiter(max_in_flight=1, max_queue=5), times)
    deadline = asyncio.get_running_loop().time() + 60

    async def slow_summary() -> None:
        async with admission.slot(model, deadline):
            await asyncio.sleep(3600)

    running = asyncio.create_task(slow_summary())
    await asyncio.sleep(0.3)
    assert admission.estimate_s(model) >= 0.3  # the running one says more than the mean
    assert admission.expected_wait_s(model) >= 0.3
    running.cancel()  # its budget ran out: what it took is learnt as a lower bound
    with contextlib.suppress(asyncio.CancelledError):
        await running
    assert times.estimate(model) >= 0.05 + 0.2 * (0.3 - 0.05)  # one sample's weight in the mean


async def test_the_embedded_models_warm_up_call_sets_the_estimate_before_any_summary(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    # The fake stands in for the embedded model's server (model "local" at a base URL): each
    # call takes 0.5 s for 20 generated tokens, so a summary of ~900 tokens looks like ~22 s.
    fake_openai.default = valid_answer(delay=0.5)
    api = {"request_timeout_s": 10}
    async with api_client(model="local", api=api) as client:
        assert len(fake_openai.requests) == 1  # the warm-up, at startup
        warm_up = fake_openai.requests[0].body
        assert warm_up["max_tokens"] <= 32
        loop = asyncio.get_running_loop()
        began = loop.time()
        refused = await client.post("/v1/summaries", json={"text": ARTICLE})
        took = loop.time() - began
    body = assert_problem(refused, 503, "over-budget")
    assert "CONCORD_API__REQUEST_TIMEOUT_S" in body["detail"]
    assert took < 0.5  # at once: no model call was started for it
    assert len(fake_openai.requests) == 1


async def test_an_admitted_summary_reports_its_estimate_and_the_estimate_learns_from_it(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = valid_answer(delay=0.5)
    async with api_client(model="local", api={"request_timeout_s": 60}) as client:
        first = await client.post("/v1/summaries", json={"text": ARTICLE + " (1)"})
        second = await client.post("/v1/summaries", json={"text": ARTICLE + " (2)"})
    assert first.status_code == second.status_code == 200

    def estimate_s(response: httpx.Response) -> float:
        name, _, duration = response.headers["server-timing"].partition(";dur=")
        assert name == "estimate"
        return float(duration) / 1000

    # Before its first summary the server knew its speed (warm-up), not what a summary writes:
    # it guessed long. After one, it knows a summary here is CALLS calls of 20 tokens, ~0.5 s
    # each.
    assert estimate_s(first) > 5
    assert 0.3 * CALLS < estimate_s(second) < 1.5 * CALLS
