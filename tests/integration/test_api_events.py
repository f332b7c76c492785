"""``POST /v1/summaries`` with ``Accept: text/event-stream``: the steps as they happen, then the
same summary a plain POST returns, or the problem it would have answered with."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx

from concord.prompts import load_prompt
from tests.fakes.openai_server import FakeOpenAIServer, Hang, HttpError
from tests.serving import fake_env, serve_process
from tests.support.api import (
    ARTICLE,
    CALLS,
    DEFAULT_PROMPT,
    ClientFactory,
    assert_problem,
    valid_summary,
)
from tests.support.events import EVENTS, parse_events


def without_latency(document: dict[str, Any]) -> dict[str, Any]:
    """The document with every measured latency (the summary's and each pass's) blanked."""
    meta = document["meta"]
    passes = [{**p, "latency_ms": None} for p in meta["passes"]]
    return {**document, "meta": {**meta, "latency_ms": None, "passes": passes}}


async def test_steps_arrive_in_order_and_the_summary_is_the_plain_answer(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(*valid_summary(), *valid_summary())
    async with api_client(api={"cache_entries": 0}) as client:
        streamed = await client.post("/v1/summaries", json={"text": ARTICLE}, headers=EVENTS)
        plain = await client.post("/v1/summaries", json={"text": ARTICLE})

    assert streamed.status_code == 200
    assert streamed.headers["content-type"].startswith("text/event-stream")
    events = parse_events(streamed.text)
    names = [name for name, _ in events]
    assert names[0] == "accepted"
    assert names[-1] == "summary"
    assert set(names[1:-1]) == {"step"}
    assert events[0][1] == {
        "provider": "llamacpp",
        "model": "fake-model",
        "prompt_version": DEFAULT_PROMPT,
    }
    steps = [(data["step"], data["phase"]) for name, data in events if name == "step"]
    for step in {step for step, _ in steps}:  # each step starts, then finishes, once
        assert steps.count((step, "started")) == steps.count((step, "finished")) == 1
        assert steps.index((step, "started")) < steps.index((step, "finished"))
    finished = [step for step, phase in steps if phase == "finished"]
    assert finished == ["sentences", *load_prompt(DEFAULT_PROMPT).passes, "grounding"]
    elapsed = [data["elapsed_ms"] for name, data in events if name == "step"]
    assert elapsed == sorted(elapsed)
    found = next(
        d for n, d in events if n == "step" and d["step"] == "participants" and d["partial"]
    )
    assert found["partial"]["participants"][0]["name"] == "John Kerry"

    # Exactly the plain POST's JSON; only the measured latency of the two runs differs.
    assert without_latency(events[-1][1]) == without_latency(plain.json())


async def test_a_provider_fault_mid_stream_ends_in_a_problem_event(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(*(HttpError(500),) * 3)
    async with api_client() as client:
        response = await client.post("/v1/summaries", json={"text": ARTICLE}, headers=EVENTS)

    events = parse_events(response.text)
    assert next(name for name, _ in events) == "accepted"
    assert ("step", {"step": "participants", "phase": "finished"}) not in [
        (n, {"step": d.get("step"), "phase": d.get("phase")}) for n, d in events
    ]
    name, problem = events[-1]
    assert name == "problem"
    assert problem["status"] == 502
    assert problem["type"].endswith("/provider-error")
    assert problem["title"]
    assert problem["detail"]
    assert problem["calls"] == 3
    assert "Traceback" not in response.text


async def test_an_overloaded_stream_says_when_to_retry(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.default = Hang(seconds=2)
    async with api_client(concurrent=True, api={"max_in_flight": 1, "max_queue": 0}) as client:
        task = asyncio.ensure_future(client.post("/v1/summaries", json={"text": ARTICLE}))
        await asyncio.sleep(0.3)
        response = await client.post(
            "/v1/summaries", json={"text": ARTICLE + " Another."}, headers=EVENTS
        )
        task.cancel()
    name, problem = parse_events(response.text)[-1]
    assert name == "problem"
    assert problem["status"] == 429
    assert problem["retry_after"] >= 1


async def test_a_request_refused_before_work_gets_a_plain_problem(
    api_client: ClientFactory,
) -> None:
    async with api_client() as client:
        not_allowed = await client.post(
            "/v1/summaries",
            json={"text": ARTICLE, "prompt_version": "summarise/v9"},
            headers=EVENTS,
        )
        empty = await client.post("/v1/summaries", json={"text": "   "}, headers=EVENTS)
    assert_problem(not_allowed, 422, "validation")
    assert_problem(empty, 422, "invalid-article")


async def test_options_list_what_a_request_may_pick(api_client: ClientFactory) -> None:
    allowed = {
        "allowed_models": ["openai:gpt-4o-mini"],
        "allowed_prompt_versions": ["summarise/v1"],
    }
    async with api_client(api=allowed) as client:
        response = await client.get("/v1/options")
    assert response.json() == {
        "models": ["llamacpp:fake-model", "openai:gpt-4o-mini"],
        "prompt_versions": [DEFAULT_PROMPT, "summarise/v1"],
    }


def test_a_client_that_disconnects_frees_the_model_slot(
    tmp_path: Path, fake_openai: FakeOpenAIServer
) -> None:
    """With one model slot and no queue, a second request is refused while the first holds the
    slot; once the first client hangs up mid-stream, its model call is cancelled and the slot
    serves the next request."""
    fake_openai.enqueue(Hang(seconds=60), *valid_summary())
    env = fake_env(fake_openai) | {
        "CONCORD_API__MAX_IN_FLIGHT": "1",
        "CONCORD_API__MAX_QUEUE": "0",
        "CONCORD_TIMEOUT_S": "120",
    }
    with serve_process(tmp_path, env) as server:
        url = server.base + "/v1/summaries"
        first = httpx.Client(timeout=30)
        with first, first.stream("POST", url, json={"text": ARTICLE}, headers=EVENTS) as stream:
            seen, chunks = "", stream.iter_text()  # kept: a dropped iterator hangs up
            for chunk in chunks:
                seen += chunk
                if '"step": "participants", "phase": "started"' in seen:
                    break
            deadline = time.monotonic() + 10
            while not fake_openai.requests and time.monotonic() < deadline:
                time.sleep(0.05)  # the model call has reached the provider and hangs there
            busy = httpx.post(url, json={"text": ARTICLE + " Other."}, timeout=30)
            assert busy.status_code == 429  # the hanging call holds the only slot
        # The stream is closed: the server must notice and cancel the hanging model call.
        deadline = time.monotonic() + 10
        while True:
            after = httpx.post(url, json={"text": ARTICLE + " Third."}, timeout=30)
            if after.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert after.status_code == 200, after.text
        assert len(fake_openai.requests) == 1 + CALLS


async def test_a_request_joining_the_same_work_hears_every_step(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.enqueue(*valid_summary(delay=0.5))
    async with api_client(concurrent=True) as client:

        async def stream() -> list[tuple[str, dict[str, Any]]]:
            response = await client.post("/v1/summaries", json={"text": ARTICLE}, headers=EVENTS)
            return parse_events(response.text)

        first, second = await asyncio.gather(stream(), stream())
    assert len(fake_openai.requests) == CALLS  # one summary's calls served both
    # The joiner hears the steps that ran before it joined, then the rest: the same list.
    steps = [
        [(d["step"], d["phase"]) for n, d in events if n == "step"] for events in (first, second)
    ]
    assert steps[0] == steps[1]
    assert ("participants", "finished") in steps[0]
    assert first[-1][0] == second[-1][0] == "summary"
    assert {events[-1][1]["meta"]["cached"] for events in (first, second)} == {False, True}


async def test_the_openapi_document_describes_the_event_stream(api_client: ClientFactory) -> None:
    async with api_client() as client:
        schema = (await client.get("/schema/openapi.json")).json()
    ok = schema["paths"]["/v1/summaries"]["post"]["responses"]["200"]["content"]
    stream = ok["text/event-stream"]
    for name in ("accepted", "step", "summary", "problem"):
        assert f"`{name}`" in stream["schema"]["description"]
    example = stream["examples"]["sample"]["value"]
    names = [name for name, _ in parse_events(example)]
    assert names[0] == "accepted"
    assert set(names[1:-1]) == {"step"}
    assert names[-1] == "summary"
    assert "/v1/options" in schema["paths"]
