"""Shared test fixtures: the fake OpenAI server, and an API app pointed at it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from concord.api import create_app
from concord.errors import TYPE_BASE
from concord.schema import ModelAgreement, ModelParticipant, ModelSummary
from concord.settings import ApiSettings, Settings
from tests.fakes.openai_server import Completion, FakeOpenAIServer
from tests.redis_server import RedisServer, redis_server

pytest_plugins = ["tests.fakes.fixtures"]

# The fake provider's scripted answers (``valid_answer``) speak the single-pass schema of
# summarise/v2, so the HTTP, CLI, batch and fault tests pin it, for this process and the
# servers and CLIs it starts. The multi-pass default (v3) has its own tests with an answer per
# pass (tests/integration/test_multipass.py) and runs live in the eval suite.
os.environ.setdefault("CONCORD_PROMPT_VERSION", "summarise/v2")

ARTICLE = (
    "US Secretary of State John Kerry and Russian Foreign Minister Sergei Lavrov have agreed to "
    "increase cooperation between intelligence services on Isis, despite divisions over Ukraine.\n"
    '"We both recognise the need to destroy and ultimately defeat Isil," Kerry said.'
)


def valid_answer(**reply: Any) -> Completion:
    """A schema-valid model answer whose quotes are in ``ARTICLE``."""
    summary = ModelSummary(
        participants=[
            ModelParticipant(
                name="John Kerry",
                role="Secretary of State",
                affiliation="United States",
                quotes=["We both recognise the need to destroy and ultimately defeat Isil"],
            )
        ],
        agreements=[
            ModelAgreement(
                statement="More intelligence cooperation on Isis.",
                parties=["John Kerry", "Sergei Lavrov"],
                quotes=["increase cooperation between intelligence services on Isis"],
            )
        ],
        disagreements=[],
    )
    return Completion.json(summary.model_dump(), **reply)


def fake_settings(
    fake_base_url: str, *, api: dict[str, Any] | None = None, **core: Any
) -> Settings:
    """Settings aimed at the fake server, fast to fail, with no file or environment surprises."""
    values: dict[str, Any] = {
        "model": "llamacpp:fake-model",
        "prompt_version": os.environ["CONCORD_PROMPT_VERSION"],
        "base_url": fake_base_url,
        "max_backoff_s": 0.1,
        "timeout_s": 5.0,
        **core,
    }
    return Settings(**values, api=ApiSettings(**(api or {})))


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A real redis-server of the test's own, on a free loopback port."""
    with redis_server(tmp_path / "redis") as server:
        yield server


ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def api_client(fake_openai: FakeOpenAIServer) -> ClientFactory:
    """``async with api_client(api={...}, **settings) as client``: an app on the fake server.

    ``concurrent=True`` swaps Litestar's ``AsyncTestClient`` (which runs one request at a time)
    for httpx's ASGI transport on the test's own loop, so ``asyncio.gather`` really overlaps.
    """

    @asynccontextmanager
    async def open_client(
        *, concurrent: bool = False, **kwargs: Any
    ) -> AsyncIterator[httpx.AsyncClient]:
        base_url = kwargs.pop("base_url", fake_openai.base_url)
        app = create_app(fake_settings(base_url, **kwargs))
        if not concurrent:
            async with AsyncTestClient(app) as client:
                yield client
            return
        # One ASGI protocol, typed twice: Litestar's scope is a union of TypedDicts, httpx's a
        # plain mapping, so neither signature accepts the other.
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with (
            app.lifespan(),
            httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
        ):
            yield client

    return open_client


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    """Check an RFC 9457 problem document (status, media type, stable type, no traceback)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == TYPE_BASE + slug
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert "Traceback" not in response.text
    return body
