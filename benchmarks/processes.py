"""Start and stop the processes a benchmark talks to: the stub, ``concord serve``, the minimal app.

Each runs in its own process, as in production, and is stopped by its own pid (SIGTERM, then
SIGKILL after a grace period). Ports are picked free on 127.0.0.1 just before starting.
"""

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

from benchmarks.sample import ROOT, STUB_MODEL_ID
from concord.loopback import free_port

PYTHON = sys.executable
CONCORD = str(Path(PYTHON).with_name("concord"))


@dataclass(frozen=True)
class Server:
    origin: str  # http://127.0.0.1:PORT
    pid: int  # the main process; Granian serves from worker processes under it


def process_tree(pid: int) -> list[psutil.Process]:
    """The process and all its descendants (Granian's workers, the embedded model server)."""
    main = psutil.Process(pid)
    return [main, *main.children(recursive=True)]


def tree_rss_mb(pid: int) -> float:
    """Resident memory of the whole process tree, in MiB."""
    return sum(float(p.memory_info().rss) for p in process_tree(pid)) / 2**20


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by the whole process tree."""
    return sum(float(t.user + t.system) for t in (p.cpu_times() for p in process_tree(pid)))


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def _url_printing_process(what: str, *args: str) -> Iterator[str]:
    """Run ``python -m <args>`` until the block ends; yield the base URL it prints when ready."""
    proc = subprocess.Popen([PYTHON, "-m", *args], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError(f"{what} did not start (exit {proc.poll()})")
        yield url
    finally:
        _stop(proc)


def stub(latency_ms: float = 0.0) -> contextlib.AbstractContextManager[str]:
    """The lean stub in its own process; yields its base_url."""
    return _url_printing_process("stub", "benchmarks.stub", "--latency-ms", str(latency_ms))


def fake_server(latency_ms: float, reply_file: Path) -> contextlib.AbstractContextManager[str]:
    """The test fake, standalone, for comparison with the lean stub."""
    return _url_printing_process(
        "fake server", "tests.fakes.openai_server",
        "--latency-ms", str(latency_ms), "--reply-file", str(reply_file),
    )  # fmt: skip


def concord_env(base_url: str, **api: object) -> dict[str, str]:
    """Environment for ``concord serve`` against the stub; ``api`` sets CONCORD_API__* fields."""
    env = {
        **os.environ,
        "CONCORD_MODEL": STUB_MODEL_ID,
        "CONCORD_BASE_URL": base_url,
        "CONCORD_CONFIG": str(ROOT / "benchmarks" / "no-such-concord.toml"),
        "CONCORD_LOG_LEVEL": "WARNING",
    }
    env.update({f"CONCORD_API__{key.upper()}": str(value) for key, value in api.items()})
    return env


def _wait_ready(url: str, proc: subprocess.Popen[str], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before it was ready")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server not ready at {url} after {timeout:g} s")


@contextlib.contextmanager
def concord_serve(
    base_url: str, workers: int = 1, extra_env: dict[str, str] | None = None, **api: object
) -> Iterator[Server]:
    """``concord serve --workers N`` against ``base_url``; yields it (pid: the main process)."""
    env = concord_env(base_url, **api) | (extra_env or {})
    with _concord_serve(env, workers, ready_within_s=60) as server:
        yield server


@contextlib.contextmanager
def embedded_concord_serve(**api: object) -> Iterator[Server]:
    """``concord serve`` on the real embedded model, which it starts before it listens."""
    env = concord_env("", **api)
    env["CONCORD_MODEL"] = "local"
    del env["CONCORD_BASE_URL"]
    with _concord_serve(env, workers=1, ready_within_s=300) as server:
        yield server


@contextlib.contextmanager
def _concord_serve(env: dict[str, str], workers: int, ready_within_s: float) -> Iterator[Server]:
    port = free_port()
    proc = subprocess.Popen(
        [CONCORD, "serve", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    origin = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(origin + "/healthz", proc, ready_within_s)
        yield Server(origin, proc.pid)
    finally:
        _stop(proc)


@contextlib.contextmanager
def minimal_app() -> Iterator[Server]:
    """The minimal Litestar app under the same Granian settings; yields it."""
    port = free_port()
    proc = subprocess.Popen(
        [PYTHON, "-m", "benchmarks.minimal_app", "--port", str(port)],
        cwd=ROOT,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    origin = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(origin + "/healthz", proc)
        yield Server(origin, proc.pid)
    finally:
        _stop(proc)
