"""``concord serve`` as a real process on loopback: it answers, and SIGTERM stops it cleanly
after letting the request in flight finish."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.fakes.openai_server import FakeOpenAIServer
from tests.serving import ServeProcess, fake_env, serve_process
from tests.support.api import ARTICLE, valid_summary

_PROJECT_ARTICLE = Path(__file__).parents[2] / "evals/cases/kerry-lavrov/article.txt"


@pytest.fixture
def server(fake_openai: FakeOpenAIServer, tmp_path: Path) -> Iterator[ServeProcess]:
    """``concord serve`` aimed at the fake provider; its log must hold no traceback."""
    with serve_process(tmp_path, fake_env(fake_openai)) as running:
        yield running
    assert "Traceback" not in running.log(), running.log()


async def test_serve_answers_over_http_and_stops_gracefully_on_sigterm(
    server: ServeProcess, fake_openai: FakeOpenAIServer
) -> None:
    process, base = server.process, server.base
    article = _PROJECT_ARTICLE.read_text() if _PROJECT_ARTICLE.exists() else ARTICLE
    fake_openai.enqueue(*valid_summary(), *valid_summary(delay=1.0))
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        first = await client.post(
            "/v1/summaries", content=article.encode(), headers={"Content-Type": "text/plain"}
        )
        assert first.status_code == 200, first.text
        assert set(first.json()) == {"summary", "meta"}
        assert first.json()["meta"]["model"] == "fake-model"

        # A slow request is in flight when SIGTERM arrives: it must still complete.
        in_flight = asyncio.create_task(
            client.post("/v1/summaries", json={"text": article + "\nUpdated."})
        )
        for _ in range(500):
            if len(fake_openai.requests) == 2:
                break
            await asyncio.sleep(0.01)
        process.send_signal(signal.SIGTERM)
        second = await in_flight
    assert second.status_code == 200, second.text
    assert second.json()["meta"]["cached"] is False
    assert await asyncio.to_thread(process.wait, 15) == 0
