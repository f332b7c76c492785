"""``concord serve`` as a real process on a free loopback port, for the tests that need one
(graceful shutdown, raw sockets, the server's own stderr)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from concord.loopback import free_port
from tests.fakes.openai_server import FakeOpenAIServer

GRACE_S = 10.0


@dataclass(frozen=True)
class ServeProcess:
    process: subprocess.Popen[bytes]
    base: str  # http://127.0.0.1:PORT
    port: int
    stderr: Path  # everything the server logged

    @property
    def pid(self) -> int:
        """The main process; Granian serves from a worker process under it."""
        return self.process.pid

    def log(self) -> str:
        return self.stderr.read_text(encoding="utf-8", errors="replace")


@contextlib.contextmanager
def serve_process(
    tmp_path: Path,
    env: dict[str, str],
    *,
    workers: int = 1,
    ready_path: str = "/healthz",
    ready_within_s: float = 30,
) -> Iterator[ServeProcess]:
    """``concord serve`` on a free loopback port with ``env`` (over a CONCORD_-free environment),
    ready once ``ready_path`` answers 200; killed by its pid afterwards if still running.
    The benchmarks start it this way too."""
    port = free_port()
    command = [*_command(port), "--workers", str(workers)]
    with listening_process(
        "concord serve", command, tmp_path, env, port, ready_path, ready_within_s
    ) as server:
        yield server


@contextlib.contextmanager
def listening_process(
    name: str,
    command: list[str],
    tmp_path: Path,
    env: dict[str, str],
    port: int,
    ready_path: str = "/healthz",
    ready_within_s: float = 30,
) -> Iterator[ServeProcess]:
    """Any HTTP server ``command`` that listens on ``port``, started as ``serve_process`` starts
    ``concord serve``: its output in ``tmp_path``, ready once ``ready_path`` answers 200."""
    stderr = tmp_path / f"serve-{port}.log"
    with stderr.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=tmp_path, env=environment(tmp_path, env), stdout=sink,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    server = ServeProcess(process, f"http://127.0.0.1:{port}", port, stderr)
    try:
        deadline = time.monotonic() + ready_within_s
        while True:
            if process.poll() is not None:
                raise AssertionError(f"{name} exited early: {server.log()}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(server.base + ready_path, timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} not ready in {ready_within_s} s")
            time.sleep(0.1)
        yield server
    finally:
        _kill_tree(process)


def _kill_tree(process: subprocess.Popen[bytes]) -> None:
    """Kill the server and every process it started, each by its pid: a Granian worker whose
    parent was killed does not always notice, and would go on holding its port."""
    if process.poll() is not None:
        return
    children: list[psutil.Process] = []
    with contextlib.suppress(psutil.NoSuchProcess):
        children = psutil.Process(process.pid).children(recursive=True)
    process.kill()
    process.wait(timeout=10)
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()
    psutil.wait_procs(children, timeout=10)


@contextlib.contextmanager
def worker_process(
    tmp_path: Path, env: dict[str, str], name: str = "worker"
) -> Iterator[subprocess.Popen[bytes]]:
    """``concord worker`` with ``env`` (over a CONCORD_-free environment), its output in
    ``tmp_path/<name>.log``; killed by its pid afterwards if still running."""
    with (tmp_path / f"{name}.log").open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "concord.cli", "worker"],
            cwd=tmp_path, env=environment(tmp_path, env), stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def serve_until_exit(
    tmp_path: Path, env: dict[str, str], *, port: int | None = None, within_s: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``concord serve`` expecting it to give up on its own; its exit code and output."""
    return subprocess.run(
        _command(port or free_port()), cwd=tmp_path, env=environment(tmp_path, env),
        capture_output=True, text=True, timeout=within_s, check=False,
    )  # fmt: skip


def environment(tmp_path: Path, env: dict[str, str]) -> dict[str, str]:
    """``env`` over this process's environment without its CONCORD_ variables, and no
    ``concord.toml`` read: the process runs Concord's defaults (the default prompt included)."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("CONCORD_")}
    return inherited | {"CONCORD_CONFIG": str(tmp_path / "absent.toml"), **env}


def _command(port: int) -> list[str]:
    return [
        sys.executable, "-m", "concord.cli", "serve",
        "--port", str(port), "--graceful-timeout", str(GRACE_S),
    ]  # fmt: skip


def fake_env(fake: FakeOpenAIServer) -> dict[str, str]:
    return {
        "CONCORD_MODEL": "llamacpp:fake-model",
        "CONCORD_BASE_URL": fake.base_url,
        "CONCORD_MAX_BACKOFF_S": "0.1",
    }
