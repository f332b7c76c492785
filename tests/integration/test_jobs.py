"""Jobs on the SAQ queue: submitted over HTTP or by ``concord batch --queue``, processed by real
``concord worker`` processes, one of which is killed with SIGKILL mid-job."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.openai_server import FakeOpenAIServer
from tests.redis_server import RedisServer
from tests.serving import fake_env, worker_process
from tests.support.api import (
    ARTICLE,
    CALLS,
    ClientFactory,
    assert_problem,
    valid_answer,
    valid_summary,
)

pytestmark = pytest.mark.redis

FAST_SWEEP = {"CONCORD_JOBS__HEARTBEAT_S": "2", "CONCORD_JOBS__SWEEP_S": "1"}


def worker_env(fake: FakeOpenAIServer, redis: RedisServer, **extra: str) -> dict[str, str]:
    return fake_env(fake) | {"CONCORD_REDIS_URL": redis.url, **extra}


async def wait_for_job(client: httpx.AsyncClient, location: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        view: dict[str, Any] = (await client.get(location)).json()
        if view["state"] in ("done", "failed"):
            return view
        await asyncio.sleep(0.1)
    raise AssertionError(f"job at {location} not finished: {view}")


async def test_a_job_goes_through_a_worker(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer, redis: RedisServer, tmp_path: Path
) -> None:
    fake_openai.enqueue(*valid_summary())
    async with api_client(redis_url=redis.url) as client:
        submitted = await client.post("/v1/jobs", json={"text": ARTICLE, "title": "Talks"})
        assert submitted.status_code == 202
        location = submitted.headers["location"]
        assert location == f"/v1/jobs/{submitted.json()['id']}"
        assert (await client.get(location)).json()["state"] == "queued"  # no worker yet
        with worker_process(tmp_path, worker_env(fake_openai, redis)):
            view = await wait_for_job(client, location)

    assert view["state"] == "done"
    assert view["summary"]["participants"][0]["name"] == "John Kerry"
    assert view["meta"]["provider"] == "llamacpp"
    assert view["problem"] is None
    assert len(fake_openai.requests) == CALLS


async def test_a_worker_stopped_with_sigterm_hands_its_job_back(
    api_client: ClientFactory, fake_openai: FakeOpenAIServer, redis: RedisServer, tmp_path: Path
) -> None:
    fake_openai.enqueue(valid_answer(delay=60), *valid_summary())  # the first call outlasts it
    env = worker_env(fake_openai, redis)
    async with api_client(redis_url=redis.url) as client:
        location = (await client.post("/v1/jobs", json={"text": ARTICLE})).headers["location"]
        with worker_process(tmp_path, env, "stopped") as stopped:
            deadline = time.monotonic() + 60
            while not fake_openai.requests:
                assert time.monotonic() < deadline, "the worker never called the model"
                await asyncio.sleep(0.05)
            stopped.send_signal(signal.SIGTERM)
            assert await asyncio.to_thread(stopped.wait, 30) == 0
        handed_back = (await client.get(location)).json()
        with worker_process(tmp_path, env, "next"):
            view = await wait_for_job(client, location)
    assert handed_back["state"] == "queued"
    assert (view["state"], view["attempts"]) == ("done", 2)
    assert len(fake_openai.requests) == 1 + CALLS


async def test_a_bad_job_is_refused_at_once_and_an_unknown_one_is_404(
    api_client: ClientFactory, redis: RedisServer
) -> None:
    async with api_client(redis_url=redis.url) as client:
        empty = await client.post("/v1/jobs", json={"text": "  "})
        unknown = await client.get("/v1/jobs/no-such-job")
    assert_problem(empty, 422, "invalid-article")
    assert_problem(unknown, 404, "not-found")


async def test_a_queue_that_is_gone_is_a_503_problem_not_a_traceback(
    api_client: ClientFactory, redis: RedisServer
) -> None:
    async with api_client(redis_url=redis.url) as client:
        redis.stop()
        submitted = await client.post("/v1/jobs", json={"text": ARTICLE})
        read = await client.get("/v1/jobs/anything")
        summary = await client.post("/v1/summaries", json={"text": "  "})
    assert_problem(submitted, 503, "queue-unavailable")
    assert_problem(read, 503, "queue-unavailable")
    assert_problem(summary, 422, "invalid-article")  # the rest of the API is unaffected


async def test_without_redis_there_are_no_job_routes(api_client: ClientFactory) -> None:
    async with api_client() as client:
        response = await client.post("/v1/jobs", json={"text": ARTICLE})
    assert_problem(response, 404, "not-found")


def test_a_worker_killed_mid_job_is_replaced_and_each_article_finishes_once(
    fake_openai: FakeOpenAIServer, redis: RedisServer, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus.jsonl"
    ids = ["first", "second", "third"]
    corpus.write_text("".join(json.dumps({"id": i, "text": f"{ARTICLE} {i}."}) + "\n" for i in ids))
    output = tmp_path / "out.jsonl"
    # The first model call never answers in time: its worker is killed while it waits.
    fake_openai.enqueue(valid_answer(delay=120))
    fake_openai.default = valid_answer()
    env = worker_env(fake_openai, redis, **FAST_SWEEP)
    batch_env = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")}
    batch_env |= {"CONCORD_CONFIG": str(tmp_path / "absent.toml"), **env}
    command = [sys.executable, "-m", "concord.cli", "batch", str(corpus), "-o", str(output),
               "--queue", redis.url]  # fmt: skip
    with worker_process(tmp_path, env | {"CONCORD_JOBS__CONCURRENCY": "1"}, "doomed") as doomed:
        batch = subprocess.Popen(command, env=batch_env, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while not fake_openai.requests:
            assert time.monotonic() < deadline, "the first worker never called the model"
            time.sleep(0.05)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
    try:
        with worker_process(tmp_path, env, "survivor"):
            _, errors = batch.communicate(timeout=90)
    finally:
        if batch.poll() is None:
            batch.kill()
            batch.wait()

    assert batch.returncode == 0, errors
    lines = [json.loads(line) for line in output.read_text().splitlines()]
    assert sorted(line["id"] for line in lines) == sorted(ids)  # each exactly once
    assert all(line["summary"]["agreements"] for line in lines)
    # The killed worker's call, then one summary's calls per article by the survivor.
    assert len(fake_openai.requests) == 1 + 3 * CALLS
