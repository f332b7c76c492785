"""A real ``redis-server`` (Debian's package, installed by ``make install``) on a free loopback
port, with its own temporary directory and no persistence, stoppable and restartable mid-test.
Used by the tests and by ``benchmarks.scale``."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from concord.loopback import free_port


class RedisServer:
    """One ``redis-server`` process; ``url`` stays the same across ``stop()`` and ``start()``."""

    def __init__(self, directory: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(
                "redis-server is not installed; `make install` installs it (apt-get install -y "
                "redis-server)"
            )
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        command = [
            self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
            "--dir", str(self.directory), "--save", "", "--appendonly", "no",
            "--logfile", str(self.directory / "redis.log"),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start: {self.log()}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Kill it (SIGKILL: Redis gone, as in a crash); wait until the port is free."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def log(self) -> str:
        path = self.directory / "redis.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _answers(self) -> bool:
        with (
            contextlib.suppress(OSError),
            socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock,
        ):
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
        return False


@contextlib.contextmanager
def redis_server(directory: Path) -> Iterator[RedisServer]:
    """A started Redis in ``directory``; killed by its pid afterwards."""
    directory.mkdir(parents=True, exist_ok=True)
    server = RedisServer(directory).start()
    try:
        yield server
    finally:
        server.stop()
