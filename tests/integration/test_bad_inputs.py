"""Hostile and broken requests, written by hand: each gets a 4xx problem document (never a 5xx),
and the ones that only a real server can see (a 50 MB body, HTTP/1.0, a slowloris client) are
sent over raw sockets to ``concord serve`` on loopback, with every wait bounded."""

from __future__ import annotations

import asyncio
import contextlib
import json
import select
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.openai_server import FakeOpenAIServer
from tests.serving import ServeProcess, serve_process
from tests.support.api import ARTICLE, ClientFactory, assert_problem, valid_answer

FIFTY_MB = 50 * 1024 * 1024


# --- through the app in-process ---------------------------------------------------------------

NESTED = 20_000  # deeper than Python's recursion limit, still under the body limit


@pytest.mark.parametrize(
    ("content", "content_type", "status", "slug"),
    [
        (b"caf\xe9 \xff\xfe talks", "text/plain; charset=utf-8", 422, "invalid-article"),
        (b'{"text": "caf\xe9 \xff"}', "application/json", 400, "malformed-json"),
        (
            b'{"text": ' + b"[" * NESTED + b"]" * NESTED + b"}",
            "application/json",
            400,
            "malformed-json",
        ),
        (b'{"text": 42}', "application/json", 422, "validation"),
        (b'{"text": ["a", "list"]}', "application/json", 422, "validation"),
        (b'{"text": null}', "application/json", 422, "validation"),
        (json.dumps({"text": "Talks\x07 \x1b[31m"}).encode(), "application/json", 422,
         "invalid-article"),
        (b"Talks in Paris\x00", "text/plain", 422, "invalid-article"),
        (json.dumps({"text": "\u200b\u200c\u200d\ufeff\u2060"}).encode(), "application/json",
         422, "invalid-article"),
        ("\u200b\u200b\u200b".encode(), "text/plain", 422, "invalid-article"),
        (b"text=hello", "application/x-www-form-urlencoded", 415, "unsupported-media-type"),
        (b"--b\r\n\r\nhi\r\n--b--", "multipart/form-data; boundary=b", 415,
         "unsupported-media-type"),
        (ARTICLE.encode("utf-16"), "text/plain; charset=utf-16", 415, "unsupported-media-type"),
    ],
    ids=[
        "non-UTF-8 text", "non-UTF-8 JSON", "deeply nested JSON", "text is a number",
        "text is a list", "text is null", "control characters", "NUL byte",
        "zero-width only (JSON)", "zero-width only (text)", "form body", "multipart body",
        "UTF-16 text",
    ],
)  # fmt: skip
async def test_bad_body_is_a_4xx_problem(
    api_client: ClientFactory, content: bytes, content_type: str, status: int, slug: str
) -> None:
    async with api_client() as client:
        response = await client.post(
            "/v1/summaries", content=content, headers={"Content-Type": content_type}
        )
    body = assert_problem(response, status, slug)
    if slug == "validation":
        assert body["errors"][0]["field"] == "text"


# --- against the real server, over raw sockets ------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    with FakeOpenAIServer() as fake:
        fake.default = valid_answer()
        env = {
            "CONCORD_MODEL": "llamacpp:fake-model",
            "CONCORD_BASE_URL": fake.base_url,
        }
        with serve_process(tmp_path_factory.mktemp("serve"), env) as running:
            yield running
            assert "Traceback" not in running.log()


@contextlib.contextmanager
def _connect(server: ServeProcess, timeout_s: float = 10) -> Iterator[socket.socket]:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=timeout_s)
    try:
        yield sock
    finally:
        sock.close()


def _read_all(sock: socket.socket, within_s: float = 10) -> bytes:
    """Everything until the server closes the connection (bounded by ``within_s``)."""
    chunks: list[bytes] = []
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _read_response(sock: socket.socket, within_s: float = 10) -> bytes:
    """One response: its head, then as many body bytes as its Content-Length says."""
    raw = b""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if b"\r\n\r\n" in raw:
            head, _, body = raw.partition(b"\r\n\r\n")
            length = next(
                (int(line.split(b":")[1]) for line in head.split(b"\r\n")
                 if line.lower().startswith(b"content-length:")),
                0,
            )  # fmt: skip
            if len(body) >= length:
                return raw
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        raw += chunk
    return raw


def _status(raw: bytes) -> int:
    return int(raw.split(b" ", 2)[1])


def test_50_mb_body_declared_up_front_is_refused_before_it_is_sent(server: ServeProcess) -> None:
    started = time.monotonic()
    with _connect(server) as sock:
        head = (
            "POST /v1/summaries HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: text/plain\r\nContent-Length: {FIFTY_MB}\r\n\r\n"
        )
        sock.sendall(head.encode() + b"x" * 1024)  # the other 50 MB are never sent
        raw = _read_response(sock)
    assert _status(raw) == 413, raw[:300]
    assert b"application/problem+json" in raw
    assert b"body-too-large" in raw
    assert time.monotonic() - started < 10


def test_50_mb_chunked_body_is_cut_off_at_the_limit_not_buffered(server: ServeProcess) -> None:
    head = (
        "POST /v1/summaries HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)
    sent = 0
    started = time.monotonic()
    with _connect(server) as sock:
        sock.sendall(head.encode())
        # Send until the server answers (or refuses more bytes), at most 50 MB and 20 s.
        while sent < FIFTY_MB and time.monotonic() - started < 20:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 65536
        raw = _read_response(sock)
    assert raw, "the server closed the connection without an answer"
    assert _status(raw) == 413, raw[:300]
    assert sent < FIFTY_MB // 2, f"the server read {sent:,} bytes before refusing"


def test_http_1_0_client_is_answered_and_the_connection_closed(server: ServeProcess) -> None:
    with _connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
        raw = _read_all(sock)  # returns only because the server closes: no keep-alive in 1.0
    assert _status(raw) == 200
    assert raw.endswith(b'{"status":"ok"}')

    body = json.dumps({"text": ARTICLE}).encode()
    with _connect(server) as sock:
        sock.sendall(
            b"POST /v1/summaries HTTP/1.0\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        raw = _read_all(sock)
    assert _status(raw) == 200, raw[:300]
    assert json.loads(raw.split(b"\r\n\r\n", 1)[1])["meta"]["model"] == "fake-model"


async def test_slowloris_client_does_not_stop_others_being_served(server: ServeProcess) -> None:
    request = (
        "POST /v1/summaries HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
        f"Content-Length: {len(ARTICLE.encode())}\r\n\r\n"
    ).encode()

    def trickle() -> bytes:
        with _connect(server, timeout_s=30) as sock:
            for byte in request:  # ~100 bytes, one every 30 ms: headers take ~3 s
                sock.sendall(bytes([byte]))
                time.sleep(0.03)
            sock.sendall(ARTICLE.encode())
            return _read_response(sock)

    slow = asyncio.create_task(asyncio.to_thread(trickle))
    async with httpx.AsyncClient(base_url=server.base, timeout=10) as client:
        await asyncio.sleep(0.3)  # the slow client is mid-headers from here on
        started = time.monotonic()
        others = await asyncio.gather(
            *[client.post("/v1/summaries", json={"text": f"{ARTICLE} ({n})"}) for n in range(10)]
        )
        others_took = time.monotonic() - started
        assert not slow.done(), "the slow client should still be sending its headers"
    assert [r.status_code for r in others] == [200] * 10
    assert others_took < 5  # not queued behind the slow client (it takes ~3 s on its own)
    assert _status(await asyncio.wait_for(slow, 30)) == 200


def test_endless_headers_are_cut_off_with_a_4xx(server: ServeProcess) -> None:
    started = time.monotonic()
    sent = 0
    with _connect(server) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        while sent < 1_000_000 and time.monotonic() - started < 20:
            if select.select([sock], [], [], 0)[0]:
                break
            try:
                sock.sendall(b"X-Pad-%d: %s\r\n" % (sent, b"a" * 1000))
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += 1000
            time.sleep(0.005)
        raw = _read_response(sock)
    assert raw, "the server closed the connection without an answer"
    assert 400 <= _status(raw) < 500, raw[:300]
    assert sent < 100_000, f"the server accepted {sent:,} bytes of headers"


def test_server_still_healthy_after_the_abuse(server: ServeProcess) -> None:
    response = httpx.post(f"{server.base}/v1/summaries", json={"text": ARTICLE + " Last."})
    assert response.status_code == 200, response.text
    assert server.process.poll() is None
