"""Graceful shutdown of ``concord serve`` as a real process: requests in flight when SIGTERM
arrives all complete, the process exits 0 within its grace period, and the embedded model's
server does not outlive it.

``serve_process`` is also used by the other tests that need a real server on loopback (raw
sockets, the server's own stderr).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from tests.conftest import ARTICLE, valid_answer
from tests.fakes.openai_server import FakeOpenAIServer

GRACE_S = 10.0


@dataclass(frozen=True)
class ServeProcess:
    process: subprocess.Popen[bytes]
    base: str  # http://127.0.0.1:PORT
    port: int
    stderr: Path  # everything the server logged

    def log(self) -> str:
        return self.stderr.read_text(encoding="utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serve_process(
    tmp_path: Path, env: dict[str, str], *, ready_path: str = "/healthz", ready_within_s: float = 30
) -> Iterator[ServeProcess]:
    """``concord serve`` on a free loopback port with ``env`` (over a CONCORD_-free environment),
    ready once ``ready_path`` answers 200; killed by its pid afterwards if still running."""
    port = _free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")}
    environment |= {"CONCORD_CONFIG": str(tmp_path / "absent.toml"), **env}
    command = [
        sys.executable, "-m", "service.cli", "serve",
        "--port", str(port), "--graceful-timeout", str(GRACE_S),
    ]  # fmt: skip
    stderr = tmp_path / f"serve-{port}.log"
    with stderr.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=tmp_path, env=environment, stdout=sink, stderr=subprocess.STDOUT
        )
    server = ServeProcess(process, f"http://127.0.0.1:{port}", port, stderr)
    try:
        deadline = time.monotonic() + ready_within_s
        while True:
            if process.poll() is not None:
                raise AssertionError(f"concord serve exited early: {server.log()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(server.base + ready_path, timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"concord serve not ready in {ready_within_s} s")
            time.sleep(0.1)
        yield server
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def fake_env(fake: FakeOpenAIServer) -> dict[str, str]:
    return {
        "CONCORD_MODEL": "llamacpp:fake-model",
        "CONCORD_BASE_URL": fake.base_url,
        "CONCORD_MAX_BACKOFF_S": "0.1",
    }


async def test_requests_in_flight_at_sigterm_complete_and_the_process_exits_0(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    fake_openai.default = valid_answer(delay=1.5)
    with serve_process(tmp_path, fake_env(fake_openai)) as server:
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
            requests = [
                asyncio.create_task(
                    client.post("/v1/summaries", json={"text": f"{ARTICLE} Copy {n}."})
                )
                for n in range(3)
            ]
            # SIGTERM once all three are waiting on the (slow) provider.
            for _ in range(1000):
                if len(fake_openai.requests) == 3:
                    break
                await asyncio.sleep(0.01)
            assert len(fake_openai.requests) == 3
            sent = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            responses = await asyncio.gather(*requests)
        assert [r.status_code for r in responses] == [200, 200, 200], [r.text for r in responses]
        assert all(r.json()["meta"]["cached"] is False for r in responses)
        code = await asyncio.to_thread(server.process.wait, GRACE_S + 5)
        assert code == 0, server.log()
        assert time.monotonic() - sent < GRACE_S + 5
        assert "Traceback" not in server.log()


@pytest.mark.local_model
def test_sigterm_leaves_no_embedded_model_process_behind(tmp_path: Path) -> None:
    pytest.importorskip("service.local_model", reason="the embedded model is not built yet")
    # The default model: the embedded llama.cpp server, started by the app's lifespan.
    env = {"CONCORD_MODEL": "local", "CONCORD_LOCAL_THREADS": "2"}
    with serve_process(tmp_path, env, ready_path="/readyz", ready_within_s=240) as server:
        parent = psutil.Process(server.process.pid)
        children = parent.children(recursive=True)
        assert children, "the embedded model's server should be running as a child process"
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=GRACE_S + 20) == 0, server.log()
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"still running after concord serve exited: {alive}"
    assert "Traceback" not in server.log()
