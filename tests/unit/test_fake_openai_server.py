"""The fake OpenAI server, driven by the real ``openai`` client: each reply kind as it sees it."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import openai
import pytest

from concord.schema import PASS_OUTPUTS
from tests.fakes.answers import DEFAULT_ANSWERS
from tests.fakes.openai_server import (
    FAKE_MODEL,
    CompletionReply,
    EmptyChoices,
    FakeOpenAIServer,
    Hang,
    HttpError,
    Huge,
    InvalidJSONBody,
    PassAnswer,
    ResetMidBody,
    Trickle,
    closed_port_url,
)

pytest_plugins = ["tests.fakes.fixtures"]

ROOT = Path(__file__).resolve().parents[2]
MESSAGES: list[openai.types.chat.ChatCompletionMessageParam] = [
    {"role": "user", "content": "summarise this"}
]


@pytest.fixture
async def client(fake_openai: FakeOpenAIServer) -> AsyncIterator[openai.AsyncOpenAI]:
    async with openai.AsyncOpenAI(
        base_url=fake_openai.base_url, api_key="sk-fake", max_retries=0, timeout=10
    ) as client:
        yield client


async def ask(client: openai.AsyncOpenAI) -> openai.types.chat.ChatCompletion:
    return await client.chat.completions.create(model=FAKE_MODEL, messages=MESSAGES)


@pytest.mark.parametrize("name", ["participants", "agreements", "disagreements", "verification"])
async def test_a_pass_answer_answers_the_pass_the_request_names(
    fake_openai: FakeOpenAIServer, client: openai.AsyncOpenAI, name: str
) -> None:
    fake_openai.enqueue(PassAnswer(), PassAnswer())
    asked = await client.chat.completions.create(
        model=FAKE_MODEL,
        messages=MESSAGES,
        response_format={
            "type": "json_schema",
            "json_schema": {"name": name, "schema": {"type": "object"}, "strict": True},
        },
    )
    unnamed = await ask(client)  # no response_format: a single-pass prompt's summary
    assert json.loads(asked.choices[0].message.content or "") == DEFAULT_ANSWERS[name]
    assert json.loads(unnamed.choices[0].message.content or "") == DEFAULT_ANSWERS["summary"]
    assert set(DEFAULT_ANSWERS[name]) == set(PASS_OUTPUTS[name].model_fields)


async def test_completion_reaches_the_client_and_the_request_is_recorded(
    fake_openai: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    fake_openai.enqueue(CompletionReply.json({"title": "t"}, usage=(7, 3)))
    completion = await ask(client)
    assert completion.choices[0].message.content == '{"title": "t"}'
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.total_tokens) == (7, 10)
    [request] = fake_openai.requests
    assert request.headers["authorization"] == "Bearer sk-fake"
    assert request.body["messages"] == MESSAGES
    assert request.body["model"] == FAKE_MODEL


async def test_replies_are_consumed_in_order_then_default_applies(
    fake_openai: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    fake_openai.enqueue(CompletionReply("one"), CompletionReply("two", finish_reason="length"))
    fake_openai.default = CompletionReply("forever")
    contents = [(await ask(client)).choices[0] for _ in range(4)]
    assert [c.message.content for c in contents] == ["one", "two", "forever", "forever"]
    assert contents[1].finish_reason == "length"


async def test_refusal_is_carried(
    fake_openai: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    fake_openai.enqueue(CompletionReply(None, refusal="I can't help with that"))
    message = (await ask(client)).choices[0].message
    assert (message.content, message.refusal) == (None, "I can't help with that")


async def test_empty_queue_fails_loudly(
    fake_openai: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    with pytest.raises(openai.InternalServerError, match="fake server queue empty"):
        await ask(client)


async def test_empty_choices(fake_openai: FakeOpenAIServer, client: openai.AsyncOpenAI) -> None:
    fake_openai.enqueue(EmptyChoices())
    assert (await ask(client)).choices == []


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (HttpError(500), openai.InternalServerError),
        (HttpError(502, "<html>bad gateway</html>"), openai.InternalServerError),
        (HttpError(503), openai.InternalServerError),
        (HttpError(401, {"error": {"message": "bad key"}}), openai.AuthenticationError),
        (HttpError(429), openai.RateLimitError),
    ],
    ids=["500", "502-text", "503", "401", "429-no-retry-after"],
)
async def test_http_errors(
    fake_openai: FakeOpenAIServer,
    client: openai.AsyncOpenAI,
    reply: HttpError,
    error: type[openai.APIStatusError],
) -> None:
    fake_openai.enqueue(reply)
    with pytest.raises(error) as caught:
        await ask(client)
    assert caught.value.status_code == reply.status
    assert "retry-after" not in caught.value.response.headers


async def test_rate_limit_carries_retry_after(
    fake_openai: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    fake_openai.enqueue(HttpError(429, headers={"Retry-After": "7"}))
    with pytest.raises(openai.RateLimitError) as caught:
        await ask(client)
    assert caught.value.response.headers["retry-after"] == "7"


async def test_invalid_json_body(fake_openai: FakeOpenAIServer, client: openai.AsyncOpenAI) -> None:
    fake_openai.enqueue(InvalidJSONBody())
    # What openai 3.57.0 does: a body labelled application/json is parsed with response.json()
    # unguarded, so a bare json.JSONDecodeError (a ValueError, NOT an openai.APIError) escapes.
    with pytest.raises(json.JSONDecodeError):
        await ask(client)


async def test_non_json_content_type_returns_a_str(
    fake_openai: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    fake_openai.enqueue(InvalidJSONBody(b"<html>proxy login</html>", content_type="text/html"))
    # What openai 3.57.0 does: with any other content type it does not raise; it returns the
    # raw text, a str where a ChatCompletion was promised. Callers must check the type.
    result: object = await ask(client)
    assert result == "<html>proxy login</html>"


async def test_reset_mid_body_is_a_connection_error(
    fake_openai: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    fake_openai.enqueue(ResetMidBody())
    with pytest.raises(openai.APIConnectionError) as caught:
        await ask(client)
    assert not isinstance(caught.value, openai.APITimeoutError)


async def test_hang_is_a_timeout(fake_openai: FakeOpenAIServer, client: openai.AsyncOpenAI) -> None:
    fake_openai.enqueue(Hang(30))
    started = time.monotonic()
    with pytest.raises(openai.APITimeoutError):
        await client.with_options(timeout=0.3).chat.completions.create(
            model=FAKE_MODEL, messages=MESSAGES
        )
    assert time.monotonic() - started < 5


async def test_connection_refused() -> None:
    async with openai.AsyncOpenAI(
        base_url=closed_port_url(), api_key="sk-fake", max_retries=0
    ) as client:
        with pytest.raises(openai.APIConnectionError):
            await ask(client)


async def test_huge_completes(fake_openai: FakeOpenAIServer, client: openai.AsyncOpenAI) -> None:
    fake_openai.enqueue(Huge(3))
    content = (await ask(client)).choices[0].message.content
    assert content is not None
    assert len(content) == 3 << 20


async def test_trickle_and_delay_complete_slowly(
    fake_openai: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    fake_openai.enqueue(
        Trickle('{"a": 1}', chunk_bytes=64, interval=0.02), CompletionReply("x", delay=0.3)
    )
    started = time.monotonic()
    assert (await ask(client)).choices[0].message.content == '{"a": 1}'
    assert (await ask(client)).choices[0].message.content == "x"
    assert time.monotonic() - started >= 0.3 + 0.02


async def test_concurrent_delayed_requests_are_not_serialised(
    fake_openai: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    fake_openai.default = CompletionReply("ok", delay=0.5)
    started = time.monotonic()
    results = await asyncio.gather(*(ask(client) for _ in range(200)))
    assert time.monotonic() - started < 5  # serialised would take 100 s
    assert all(r.choices[0].message.content == "ok" for r in results)
    assert len(fake_openai.requests) == 200


def test_plain_http_endpoints_keep_alive_and_chunked_requests(
    fake_openai: FakeOpenAIServer,
) -> None:
    with httpx.Client(base_url=fake_openai.base_url.removesuffix("/v1")) as http:
        assert http.get("/health").status_code == 200
        assert http.get("/v1/models").json()["data"][0]["id"] == FAKE_MODEL
        missing = http.get("/v1/nope")
        assert missing.status_code == 404
        assert "no route" in missing.json()["error"]["message"]
        fake_openai.enqueue(CompletionReply("chunked ok"))
        chunks = iter([b'{"model": "fake-model", ', b'"messages": []}'])
        reply = http.post("/v1/chat/completions", content=chunks)  # no length: chunked
        assert reply.json()["choices"][0]["message"]["content"] == "chunked ok"
    assert fake_openai.requests[0].body == {"model": FAKE_MODEL, "messages": []}
    assert fake_openai.connections == 1  # all four requests reused one connection


def test_sync_client_and_reset() -> None:
    with (
        FakeOpenAIServer() as server,
        openai.OpenAI(base_url=server.base_url, api_key="sk-fake", max_retries=0) as client,
    ):
        server.enqueue(CompletionReply("sync"), CompletionReply("unused"))
        reply = client.chat.completions.create(model=FAKE_MODEL, messages=MESSAGES)
        assert reply.choices[0].message.content == "sync"
        server.reset()
        assert (server.pending, server.requests) == ((), [])


def test_stop_does_not_wait_for_hanging_requests() -> None:
    server = FakeOpenAIServer().start()
    server.enqueue(Hang(3600))
    with httpx.Client(timeout=0.2) as http, pytest.raises(httpx.ReadTimeout):
        http.post(server.base_url + "/chat/completions", json={})
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2


def test_standalone_process_serves_the_reply_file(tmp_path: Path) -> None:
    reply_file = tmp_path / "summary.json"
    reply_file.write_text('{"summary": "s"}')
    command = [
        sys.executable,
        "-m",
        "tests.fakes.openai_server",
        "--latency-ms",
        "10",
        "--reply-file",
        str(reply_file),
    ]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            base_url = process.stdout.readline().strip()
            assert base_url.startswith("http://127.0.0.1:")
            with openai.OpenAI(base_url=base_url, api_key="sk-fake", max_retries=0) as client:
                for _ in range(2):
                    reply = client.chat.completions.create(model=FAKE_MODEL, messages=MESSAGES)
                    assert reply.choices[0].message.content == '{"summary": "s"}'
        finally:
            process.terminate()
        assert process.wait(timeout=10) == 0
