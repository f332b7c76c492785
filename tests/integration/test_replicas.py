"""Replicas sharing state through a real Redis: each ``concord serve`` a real process.

Two replicas, one Redis, one fake provider: identical requests cost one model call wherever
they land; the in-flight limit holds across replicas; and when Redis dies mid-run a replica
keeps answering from its own memory, says so once in its log and on ``/readyz``. What issue 11
added beside them (event streams, the reader page, ``/v1/options``, the CSP) works on a replica
sharing Redis too.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis as sync_redis

from tests.fakes.openai_server import FakeOpenAIServer
from tests.redis_server import RedisServer
from tests.serving import ServeProcess, fake_env, serve_process
from tests.support.api import ARTICLE, CALLS, valid_answer, valid_summary
from tests.support.events import parse_events

pytestmark = pytest.mark.redis


@contextlib.contextmanager
def replicas(
    count: int, fake: FakeOpenAIServer, redis: RedisServer, tmp_path: Path, **env: str
) -> Iterator[list[ServeProcess]]:
    settings = fake_env(fake) | {"CONCORD_REDIS_URL": redis.url, "CONCORD_LOG_LEVEL": "INFO"}
    with contextlib.ExitStack() as stack:
        started = []
        for n in range(count):
            folder = tmp_path / f"replica-{n}"
            folder.mkdir()
            started.append(stack.enter_context(serve_process(folder, settings | env)))
        yield started


async def summarise(client: httpx.AsyncClient, server: ServeProcess, text: str) -> httpx.Response:
    return await client.post(server.base + "/v1/summaries", json={"text": text}, timeout=30)


async def test_identical_requests_at_two_replicas_make_one_model_call(
    fake_openai: FakeOpenAIServer, redis: RedisServer, tmp_path: Path
) -> None:
    fake_openai.enqueue(*valid_summary(delay=1.0))
    with replicas(2, fake_openai, redis, tmp_path) as (first, second):
        async with httpx.AsyncClient() as client:
            together = await asyncio.gather(
                summarise(client, first, ARTICLE), summarise(client, second, ARTICLE)
            )
            later = await summarise(client, second, ARTICLE)
    assert [response.status_code for response in together] == [200, 200]
    assert len(fake_openai.requests) == CALLS  # one summary made
    assert sorted(r.json()["meta"]["cached"] for r in together) == [False, True]
    assert later.status_code == 200
    assert later.json()["meta"]["cached"] is True
    assert later.json()["summary"] == together[0].json()["summary"]


async def test_a_cached_answer_from_one_replica_serves_the_other(
    fake_openai: FakeOpenAIServer, redis: RedisServer, tmp_path: Path
) -> None:
    fake_openai.enqueue(*valid_summary())
    with replicas(2, fake_openai, redis, tmp_path) as (first, second):
        async with httpx.AsyncClient() as client:
            made = await summarise(client, first, ARTICLE)
            served = await summarise(client, second, ARTICLE)
    assert (made.json()["meta"]["cached"], served.json()["meta"]["cached"]) == (False, True)
    assert len(fake_openai.requests) == CALLS


async def test_the_in_flight_limit_holds_across_replicas(
    fake_openai: FakeOpenAIServer, redis: RedisServer, tmp_path: Path
) -> None:
    fake_openai.default = valid_answer(delay=0.3 / CALLS)  # ~0.3 s a summary
    watcher = sync_redis.Redis.from_url(redis.url)
    with replicas(2, fake_openai, redis, tmp_path, CONCORD_API__MAX_IN_FLIGHT="1") as servers:
        async with httpx.AsyncClient() as client:
            requests = asyncio.gather(
                *[summarise(client, servers[n % 2], f"{ARTICLE} Part {n}.") for n in range(6)]
            )
            held: list[int] = []
            while not requests.done():
                held.append(int(watcher.zcard("concord:slots")))
                await asyncio.sleep(0.02)
            responses = await requests
    assert [response.status_code for response in responses] == [200] * 6
    assert len(fake_openai.requests) == 6 * CALLS
    assert max(held) == 1  # one summary at a time across both replicas, never two
    assert held.count(1) > 0


async def test_redis_gone_mid_run_leaves_a_replica_answering_from_memory(
    fake_openai: FakeOpenAIServer, redis: RedisServer, tmp_path: Path
) -> None:
    fake_openai.default = valid_answer()
    env = {"CONCORD_SHARED__RETRY_REDIS_S": "0.5"}
    with replicas(1, fake_openai, redis, tmp_path, **env) as (server,):
        async with httpx.AsyncClient() as client:
            before = await summarise(client, server, ARTICLE)
            ready_before = (await client.get(server.base + "/readyz")).json()
            redis.stop()
            during = [await summarise(client, server, f"{ARTICLE} Part {n}.") for n in range(4)]
            again = await summarise(client, server, ARTICLE)  # from this replica's memory
            ready_during = await client.get(server.base + "/readyz")
            redis.start()
            await asyncio.sleep(0.6)  # past CONCORD_SHARED__RETRY_REDIS_S
            after = await summarise(client, server, f"{ARTICLE} Afterwards.")
            ready_after = (await client.get(server.base + "/readyz")).json()
        log = server.log()

    assert before.status_code == 200
    assert ready_before["shared_state"] == "redis"
    assert [response.status_code for response in during] == [200] * 4
    assert again.status_code == 200
    assert again.json()["meta"]["cached"] is True
    assert ready_during.status_code == 200
    assert ready_during.json()["shared_state"] == "memory"
    assert "unreachable" in ready_during.json()["redis"]
    assert log.count("answering from this replica's memory until it is back") == 1
    assert after.status_code == 200
    assert ready_after["shared_state"] == "redis"
    assert "is back" in log


async def test_a_stream_at_a_second_replica_gets_the_first_ones_summary_without_steps(
    fake_openai: FakeOpenAIServer, redis: RedisServer, tmp_path: Path
) -> None:
    fake_openai.enqueue(*valid_summary())
    events = {"accept": "text/event-stream"}
    with replicas(2, fake_openai, redis, tmp_path) as (first, second):
        async with httpx.AsyncClient() as client:
            made = await client.post(
                first.base + "/v1/summaries", json={"text": ARTICLE}, headers=events, timeout=30
            )
            served = await client.post(
                second.base + "/v1/summaries", json={"text": ARTICLE}, headers=events, timeout=30
            )
    made_events, served_events = parse_events(made.text), parse_events(served.text)
    assert (made_events[0][0], made_events[-1][0]) == ("accepted", "summary")
    made_steps = {data["step"] for name, data in made_events if name == "step"}
    assert {"participants", "grounding"} <= made_steps
    assert made_events[-1][1]["meta"]["cached"] is False
    assert [name for name, _ in served_events] == ["accepted", "summary"]
    assert served_events[-1][1]["meta"]["cached"] is True
    assert served_events[-1][1]["summary"] == made_events[-1][1]["summary"]
    assert len(fake_openai.requests) == CALLS


async def test_a_replica_on_redis_serves_the_reader_page_jobs_and_options_under_one_policy(
    fake_openai: FakeOpenAIServer, redis: RedisServer, tmp_path: Path
) -> None:
    with replicas(1, fake_openai, redis, tmp_path) as (server,):
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
            page = await client.get("/")
            options = await client.get("/v1/options")
            job = await client.post("/v1/jobs", json={"text": ARTICLE})
            paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert page.status_code == options.status_code == 200
    assert job.status_code == 202
    for response in (page, options, job):
        assert "default-src 'none'" in response.headers["content-security-policy"]
    assert {"/v1/summaries", "/v1/options", "/v1/jobs", "/v1/jobs/{job_id}"} <= set(paths)
