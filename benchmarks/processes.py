"""Start and stop the processes a benchmark talks to: the stub, ``concord serve``, the minimal app.

Each runs in its own process, as in production. ``concord serve`` and the minimal app are started
by the tests' launcher (``tests/serving.py``: a free loopback port, a CONCORD_-free environment,
ready once ``/healthz`` answers, killed by its pid afterwards); the stub prints its URL when ready
and is stopped by its pid (SIGTERM, then SIGKILL after a grace period).
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil

from benchmarks.sample import ROOT, STUB_MODEL_ID, STUB_PROMPT_VERSION
from concord.loopback import free_port
from concord.settings import Settings
from tests.serving import ServeProcess, listening_process, serve_process

PYTHON = sys.executable
CONCORD = str(Path(PYTHON).with_name("concord"))


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
    """The test fake, standalone, only to compare the lean stub against it."""
    return _url_printing_process(
        "fake server", "tests.fakes.openai_server",
        "--latency-ms", str(latency_ms), "--reply-file", str(reply_file),
    )  # fmt: skip


def concord_env(base_url: str, **api: object) -> dict[str, str]:
    """Settings for Concord against the stub; ``api`` sets CONCORD_API__* fields."""
    env = {
        "CONCORD_MODEL": STUB_MODEL_ID,
        "CONCORD_BASE_URL": base_url,
        # The stub answers every call with one single-pass summary.
        "CONCORD_PROMPT_VERSION": STUB_PROMPT_VERSION,
        "CONCORD_LOG_LEVEL": "WARNING",
    }
    return env | {f"CONCORD_API__{key.upper()}": str(value) for key, value in api.items()}


@contextlib.contextmanager
def concord_serve(
    base_url: str, workers: int = 1, extra_env: dict[str, str] | None = None, **api: object
) -> Iterator[ServeProcess]:
    """``concord serve --workers N`` against ``base_url``; yields it (pid: the main process)."""
    env = concord_env(base_url, **api) | (extra_env or {})
    with (
        tempfile.TemporaryDirectory() as folder,
        serve_process(Path(folder), env, workers=workers, ready_within_s=60) as server,
    ):
        yield server


@contextlib.contextmanager
def embedded_concord_serve(**api: object) -> Iterator[ServeProcess]:
    """``concord serve`` with its defaults on the real embedded model, which it starts before
    it listens."""
    env = {
        "CONCORD_MODEL": "local",
        "CONCORD_PROMPT_VERSION": Settings.model_fields["prompt_version"].default,
        "CONCORD_LOG_LEVEL": "WARNING",
    } | {f"CONCORD_API__{key.upper()}": str(value) for key, value in api.items()}
    with (
        tempfile.TemporaryDirectory() as folder,
        serve_process(Path(folder), env, ready_within_s=300) as server,
    ):
        yield server


@contextlib.contextmanager
def minimal_app() -> Iterator[ServeProcess]:
    """The minimal Litestar app under the same Granian settings; yields it."""
    port = free_port()
    command = [PYTHON, "-m", "benchmarks.minimal_app", "--port", str(port)]
    with (
        tempfile.TemporaryDirectory() as folder,
        listening_process(
            "the minimal app", command, Path(folder), {"PYTHONPATH": str(ROOT)}, port
        ) as server,
    ):
        yield server
