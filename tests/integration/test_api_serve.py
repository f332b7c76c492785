"""``concord serve`` as a real process on loopback: it answers, and SIGTERM stops it cleanly
after letting the request in flight finish."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ARTICLE, valid_answer
from tests.fakes.openai_server import FakeOpenAIServer

_PROJECT_ARTICLE = Path(__file__).parents[2] / "evals/cases/kerry-lavrov/article.txt"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``concord serve`` on a free port, aimed at the fake provider through the environment."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")}
    env |= {
        "CONCORD_MODEL": "llamacpp:fake-model",
        "CONCORD_BASE_URL": fake_openai.base_url,
        "CONCORD_MAX_BACKOFF_S": "0.1",
        "CONCORD_CONFIG": str(tmp_path / "absent.toml"),
    }
    command = [sys.executable, "-m", "service.cli", "serve", "--port", str(port)]
    log = tmp_path / "serve.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(command, cwd=tmp_path, env=env, stderr=stderr)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(process, base, log)
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert "Traceback" not in log.read_text(), log.read_text()


def _wait_until_healthy(
    process: subprocess.Popen[bytes], base: str, log: Path, within_s: float = 20
) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"concord serve exited early: {log.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("concord serve did not become healthy in time")


async def test_serve_answers_over_http_and_stops_gracefully_on_sigterm(
    server: tuple[subprocess.Popen[bytes], str], fake_openai: FakeOpenAIServer
) -> None:
    process, base = server
    article = _PROJECT_ARTICLE.read_text() if _PROJECT_ARTICLE.exists() else ARTICLE
    fake_openai.enqueue(valid_answer(), valid_answer(delay=1.0))
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
