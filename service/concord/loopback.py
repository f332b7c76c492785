"""A free TCP port on 127.0.0.1, for the embedded model server and for test and benchmark
processes started on loopback."""

from __future__ import annotations

import socket

HOST = "127.0.0.1"


def free_port() -> int:
    """A port the kernel just handed out on 127.0.0.1 and released again.

    Another process could take it before the caller binds it; that tiny race is cheaper than
    asking a child process which port it chose.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port
