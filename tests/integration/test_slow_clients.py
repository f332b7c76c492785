"""Slow and refused clients against a real ``concord serve`` over raw sockets: a client that
trickles its headers or its body, or idles on a kept-alive connection, is cut off after its
timeout while others are served; a refused body ends its connection instead of being drained."""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.openai_server import FakeOpenAIServer
from tests.serving import ServeProcess, fake_env, serve_process
from tests.support.api import ARTICLE, valid_answer

HEADER_TIMEOUT_S = 2.0
BODY_TIMEOUT_S = 2.0
SLACK_S = 3.0  # a loaded two-core machine may be slow to notice; far below the trickle's length


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    with FakeOpenAIServer() as fake:
        fake.default = valid_answer()
        env = fake_env(fake) | {
            "CONCORD_API__HEADER_TIMEOUT_S": str(HEADER_TIMEOUT_S),
            "CONCORD_API__BODY_TIMEOUT_S": str(BODY_TIMEOUT_S),
        }
        with serve_process(tmp_path_factory.mktemp("serve"), env) as running:
            yield running
        assert "Traceback" not in running.log(), running.log()


@contextlib.contextmanager
def _connect(server: ServeProcess) -> Iterator[socket.socket]:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    try:
        yield sock
    finally:
        sock.close()


def _closed_within(sock: socket.socket, seconds: float) -> tuple[bool, bytes]:
    """Read until the server closes (True) or ``seconds`` pass (False); also what it sent."""
    received = b""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([sock], [], [], left)[0]:
            break
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return True, received
        if not chunk:
            return True, received
        received += chunk
    return False, received


def _trickle(sock: socket.socket, data: bytes, every_s: float) -> float | None:
    """Send ``data`` a byte at a time; the seconds after which the server cut it off, or None."""
    started = time.monotonic()
    for byte in data:
        try:
            sock.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - started
        if select.select([sock], [], [], every_s)[0] and sock.recv(65536) == b"":
            return time.monotonic() - started
    return None


async def test_slowloris_is_cut_off_at_the_header_timeout_while_others_are_served(
    server: ServeProcess,
) -> None:
    head = b"POST /v1/summaries HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
    head += b"X-Padding: " + b"a" * 100  # ~180 bytes at 4 a second: 45 s if never cut off

    def slowloris() -> float | None:
        with _connect(server) as sock:
            return _trickle(sock, head, every_s=0.25)

    slow = asyncio.create_task(asyncio.to_thread(slowloris))
    await asyncio.sleep(0.5)
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as client:
        normal = await client.post("/v1/summaries", json={"text": ARTICLE + " (normal)"})
    assert normal.status_code == 200, normal.text
    cut_after = await asyncio.wait_for(slow, 60)
    assert cut_after is not None, "the slow client sent its whole head and was never cut off"
    assert HEADER_TIMEOUT_S - 0.5 <= cut_after <= HEADER_TIMEOUT_S + SLACK_S


def test_idle_kept_alive_connection_is_closed_after_the_header_timeout(
    server: ServeProcess,
) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        started = time.monotonic()
        closed, answer = _closed_within(sock, HEADER_TIMEOUT_S + SLACK_S)
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]
    assert closed, "an idle kept-alive connection stayed open"
    assert time.monotonic() - started >= HEADER_TIMEOUT_S - 0.5


def test_slow_body_gets_408_and_the_connection_is_closed(server: ServeProcess) -> None:
    body = ARTICLE.encode()
    head = (
        "POST /v1/summaries HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with _connect(server) as sock:
        sock.sendall(head + body[:10])  # then nothing more: a stalled upload
        closed, answer = _closed_within(sock, BODY_TIMEOUT_S + SLACK_S)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:300]
    assert b"application/problem+json" in answer
    assert b"body-timeout" in answer
    assert b"connection: close" in answer.lower()
    assert closed, "the connection stayed open after the body timed out"


def test_refused_chunked_body_closes_the_connection(server: ServeProcess) -> None:
    head = (
        b"POST /v1/summaries HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
    with _connect(server) as sock:
        sock.sendall(head)
        for _ in range(800):  # 50 MB, if the server never answered
            if select.select([sock], [], [], 0)[0]:
                break
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
        # The client now stops sending: only a server that closes ends this wait early.
        closed, answer = _closed_within(sock, SLACK_S + 2)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:300]
    assert b"connection: close" in answer.lower()
    assert closed, "the connection stayed open after the body was refused"


def test_answered_request_keeps_its_connection_alive(server: ServeProcess) -> None:
    # The counterpart of the above: a body read in full is no reason to close.
    with httpx.Client(base_url=server.base, timeout=10) as client:
        first = client.post("/v1/summaries", json={"text": ARTICLE + " (kept alive)"})
        second = client.get("/healthz")
    assert first.status_code == 200, first.text
    assert "close" not in first.headers.get("connection", "")
    assert second.status_code == 200
