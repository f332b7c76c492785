"""Shared test fixtures: the fake OpenAI server, a redis-server, and an API app on the fake.

Helpers the tests call live in ``tests/support/``; no test imports this module. Nothing here
pins a prompt version: every test runs the default prompt unless it names another.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from concord.api import create_app
from tests.fakes.openai_server import FakeOpenAIServer
from tests.redis_server import RedisServer, redis_server
from tests.support.api import ClientFactory, fake_settings

pytest_plugins = ["tests.fakes.fixtures"]


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A real redis-server of the test's own, on a free loopback port."""
    with redis_server(tmp_path / "redis") as server:
        yield server


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
