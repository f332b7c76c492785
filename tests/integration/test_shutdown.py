"""Graceful shutdown of ``concord serve`` as a real process: requests in flight when SIGTERM
arrives all complete, the process exits 0 within its grace period, and the embedded model's
server does not outlive it.

"""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import httpx
import psutil
import pytest

from concord.providers.embedded.child import CHILD_MODULE
from tests.fakes.openai_server import FakeOpenAIServer
from tests.serving import GRACE_S, fake_env, serve_process
from tests.support.api import ARTICLE, valid_answer


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


def test_a_killed_server_leaves_no_worker_behind(
    fake_openai: FakeOpenAIServer, tmp_path: Path
) -> None:
    # SIGKILL gives concord serve no chance to stop its workers: they must notice on their own.
    with serve_process(tmp_path, fake_env(fake_openai)) as server:
        workers = psutil.Process(server.process.pid).children(recursive=True)
        assert workers, "Granian should serve from a worker process"
        server.process.kill()
        server.process.wait(timeout=10)
    _, alive = psutil.wait_procs(workers, timeout=10)
    assert not alive, f"still running after concord serve was killed: {alive}"


@pytest.mark.local_model
def test_sigterm_leaves_no_embedded_model_process_behind(tmp_path: Path) -> None:
    # The default model: the embedded llama.cpp server, started by concord serve before it listens.
    env = {"CONCORD_MODEL": "local", "CONCORD_LOCAL_THREADS": "2"}
    with serve_process(tmp_path, env, ready_path="/readyz", ready_within_s=240) as server:
        parent = psutil.Process(server.process.pid)
        children = parent.children(recursive=True)
        models = [p for p in children if CHILD_MODULE in " ".join(p.cmdline())]
        assert len(models) == 1, "one embedded model, shared by concord serve and its worker"
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=GRACE_S + 20) == 0, server.log()
    _, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, f"still running after concord serve exited: {alive}"
    assert "Traceback" not in server.log()
