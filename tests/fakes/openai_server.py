"""A scripted, fault-injecting OpenAI-compatible HTTP server: an explicit test fake.

HTTP/1.1 is spoken by hand on asyncio streams so that faults (truncated bodies, resets,
hangs, malformed JSON) can be injected at the byte level. The server runs its own event
loop in a daemon thread, so sync tests, async tests and other processes can all use it.

Standalone (every pass answered, or one reply file forever; the benchmarks compare their lean
stub against it)::

    python -m tests.fakes.openai_server --port 8089 --latency-ms 50 --reply-file summary.json
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json as _json  # CompletionReply.json would shadow the module name inside the class body
import signal
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, TypeAlias

from concord.loopback import free_port
from tests.fakes.answers import DEFAULT_ANSWERS, answer_text, pass_name

FAKE_MODEL = "fake-model"
_MAX_LINE = 1 << 20  # StreamReader line limit; the 64 KiB default is tight for long headers


@dataclass(frozen=True, kw_only=True)
class _ReplyBase:
    delay: float = 0.0  # seconds to wait before answering (keyword-only on every reply)


@dataclass(frozen=True)
class CompletionReply(_ReplyBase):
    """A well-formed ``chat.completion`` whose single choice carries ``content``.

    (Concord's own ``providers.call.Completion`` is what a call returns; this is the wire reply.)
    """

    content: str | None
    finish_reason: str = "stop"
    usage: tuple[int, int] = (10, 20)  # (prompt_tokens, completion_tokens)
    refusal: str | None = None
    model: str = FAKE_MODEL

    @classmethod
    def json(cls, obj: Any, **kwargs: Any) -> CompletionReply:
        """A completion whose content is ``obj`` dumped as JSON."""
        return cls(_json.dumps(obj), **kwargs)


@dataclass(frozen=True)
class PassAnswer(_ReplyBase):
    """A valid answer to whichever pass the request asks for (see ``tests.fakes.answers``).

    One ``PassAnswer`` serves one call of any pass, so the replies of summaries made at the same
    time can never be handed to the wrong pass.
    """

    answers: Mapping[str, Any] = field(default_factory=lambda: DEFAULT_ANSWERS, repr=False)
    usage: tuple[int, int] = (10, 20)

    def reply_to(self, body: Any) -> CompletionReply:
        """The wire reply to one request ``body``: its pass's answer."""
        content = answer_text(pass_name(body), self.answers)
        return CompletionReply(content, usage=self.usage, delay=self.delay)


@dataclass(frozen=True)
class EmptyChoices(_ReplyBase):
    """A 200 ``chat.completion`` with ``choices: []``."""

    model: str = FAKE_MODEL


@dataclass(frozen=True)
class HttpError(_ReplyBase):
    """An HTTP error status; a dict body is sent as JSON, a str as text, None as an OpenAI error."""

    status: int
    body: dict[str, Any] | str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InvalidJSONBody(_ReplyBase):
    """A 200 labelled ``application/json`` (or ``content_type``) whose body is not JSON."""

    body: bytes = b'{"id": "chatcmpl-broken", "choices": [{"message": '
    content_type: str = "application/json"


@dataclass(frozen=True)
class ResetMidBody(_ReplyBase):
    """Status line, headers promising more bytes than sent, half a body, then a TCP RST."""


@dataclass(frozen=True)
class Hang(_ReplyBase):
    """Accept the request, answer nothing for ``seconds``, then close the connection."""

    seconds: float = 3600.0


@dataclass(frozen=True)
class Huge(_ReplyBase):
    """A valid 200 completion whose content is ``megabytes`` MiB of useless text."""

    megabytes: int = 5


@dataclass(frozen=True)
class Trickle(_ReplyBase):
    """A valid completion body sent ``chunk_bytes`` at a time, ``interval`` seconds apart."""

    content: str = "{}"
    chunk_bytes: int = 16
    interval: float = 0.05


Reply: TypeAlias = (
    CompletionReply
    | PassAnswer
    | EmptyChoices
    | HttpError
    | InvalidJSONBody
    | ResetMidBody
    | Hang
    | Huge
    | Trickle
)


def _error(message: str, kind: str = "fake_error") -> dict[str, Any]:
    """An error body shaped like OpenAI's, so the client surfaces ``message``."""
    return {"error": {"message": message, "type": kind, "param": None, "code": None}}


QUEUE_EMPTY = HttpError(500, _error("fake server queue empty", "fake_server_error"))


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it; header names are lower-cased."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any  # parsed JSON body, or None when the body was not JSON
    raw: bytes


class _BadRequest(ValueError):
    """The bytes on the wire are not an HTTP/1.1 request we understand."""


def closed_port_url() -> str:
    """A base_url on 127.0.0.1 where nothing listens (for connection-refused tests)."""
    return f"http://127.0.0.1:{free_port()}/v1"


async def _read_request(reader: asyncio.StreamReader) -> RecordedRequest | None:
    """Read one request; None on a clean EOF between requests (keep-alive ended)."""
    line = await reader.readline()
    if not line:
        return None
    try:
        method, target, _version = line.decode("latin-1").split()
    except ValueError as exc:
        raise _BadRequest(f"bad request line {line!r}") from exc
    headers: dict[str, str] = {}
    while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = header.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    raw = await _read_body(reader, headers)
    try:
        body = _json.loads(raw) if raw else None
    except ValueError:
        body = None
    return RecordedRequest(method, target.split("?", 1)[0], headers, body, raw)


async def _read_body(reader: asyncio.StreamReader, headers: Mapping[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks = []
        while size := int((await reader.readline()).split(b";")[0].strip() or b"0", 16):
            chunks.append(await reader.readexactly(size))
            await reader.readline()  # the CRLF closing each chunk
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass  # trailers: nothing we care about
        return b"".join(chunks)
    return await reader.readexactly(int(headers.get("content-length", "0")))


def response_head(status: int, headers: Mapping[str, str], length: int) -> bytes:
    """The status line and headers of an HTTP/1.1 response whose body has ``length`` bytes."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {length}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def completion_body(
    request_id: str, model: str, choices: list[Any], usage: tuple[int, int]
) -> bytes:
    """A ``chat.completion`` JSON body; the fake and the benchmark stub both answer with it."""
    prompt, completion = usage
    return _json.dumps(
        {
            "id": request_id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": choices,
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }
    ).encode()


def choice(content: str | None, finish_reason: str = "stop", refusal: str | None = None) -> Any:
    """One choice of a completion: the assistant message ``content``."""
    message = {"role": "assistant", "content": content, "refusal": refusal}
    return {"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}


def _reply_body(reply: Reply, request_id: str) -> tuple[int, str, bytes]:
    """Status, content type and body bytes of every reply that is a complete HTTP response."""
    match reply:
        case CompletionReply(content, finish, usage, refusal, model):
            body = completion_body(request_id, model, [choice(content, finish, refusal)], usage)
        case EmptyChoices(model=model):
            body = completion_body(request_id, model, [], (10, 0))
        case Huge(megabytes=mib):
            body = completion_body(
                request_id, FAKE_MODEL, [choice("x" * (mib << 20))], (10, mib << 18)
            )
        case Trickle(content=content):
            body = completion_body(request_id, FAKE_MODEL, [choice(content)], (10, 20))
        case InvalidJSONBody(body=body, content_type=content_type):
            return 200, content_type, body
        case HttpError(status=status, body=str() as text):
            return status, "text/plain; charset=utf-8", text.encode()
        case HttpError(status=status, body=error):
            error = error or _error(f"fake HTTP {status}")
            return status, "application/json", _json.dumps(error).encode()
        case _:  # Hang and ResetMidBody are not complete responses
            raise TypeError(f"{reply!r} is not a complete response")
    return 200, "application/json", body


async def _send_reply(reply: Reply, writer: asyncio.StreamWriter, request_id: str) -> bool:
    """Write ``reply``; return whether the connection may be kept alive afterwards."""
    await asyncio.sleep(reply.delay)
    match reply:
        case Hang(seconds=seconds):
            await asyncio.sleep(seconds)
            return False
        case ResetMidBody():
            await _reset_mid_body(writer, request_id)
            return False
    status, content_type, body = _reply_body(reply, request_id)
    extra = reply.headers if isinstance(reply, HttpError) else {}
    headers = {"Content-Type": content_type, "x-request-id": request_id, **extra}
    writer.write(response_head(status, headers, len(body)))
    if isinstance(reply, Trickle):
        for start in range(0, len(body), reply.chunk_bytes):
            await asyncio.sleep(reply.interval if start else 0)
            writer.write(body[start : start + reply.chunk_bytes])
            await writer.drain()
    else:
        writer.write(body)
    await writer.drain()
    return True


async def _reset_mid_body(writer: asyncio.StreamWriter, request_id: str) -> None:
    """Promise 1000 bytes more than exist, send half of a completion, then reset."""
    _, _, body = _reply_body(CompletionReply("{}"), request_id)
    head = response_head(200, {"Content-Type": "application/json"}, len(body) + 1000)
    writer.write(head + body[: len(body) // 2])
    await writer.drain()
    # SO_LINGER 0 makes close() send RST instead of FIN: a real reset, not a polite EOF.
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class FakeOpenAIServer:
    """OpenAI-compatible fake on 127.0.0.1 serving scripted replies from a background thread."""

    def __init__(self, port: int = 0) -> None:
        self.default: Reply = QUEUE_EMPTY
        self.requests: list[RecordedRequest] = []
        self.errors: list[str] = []  # unexpected server-side exceptions; should stay empty
        self.connections = 0  # TCP connections accepted so far (to observe keep-alive)
        self._port = port
        self._queue: deque[Reply] = deque()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop_event: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._startup_error: BaseException | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``; valid once started."""
        return f"http://127.0.0.1:{self._port}/v1"

    @property
    def pending(self) -> tuple[Reply, ...]:
        """Queued replies not yet consumed."""
        with self._lock:
            return tuple(self._queue)

    def enqueue(self, *replies: Reply) -> None:
        """Queue replies, consumed one per chat-completions request, in order."""
        with self._lock:
            self._queue.extend(replies)

    def reset(self) -> None:
        """Forget queued replies, recorded requests and errors; restore the default reply."""
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.errors.clear()
            self.default = QUEUE_EMPTY

    def start(self) -> FakeOpenAIServer:
        """Bind, start the loop thread and wait until it accepts connections."""
        self._ready.clear()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="fake-openai", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._startup_error is not None:
            self._thread.join()
            raise self._startup_error
        return self

    def stop(self) -> None:
        """Drop every connection, close the listener and join the loop thread."""
        if self._loop is not None and self._stop_event is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._stop_event.set)
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            loop.close()

    async def _serve(self) -> None:
        self._stop_event = asyncio.Event()
        try:
            # A large backlog so hundreds of simultaneous connects are not dropped and retried.
            server = await asyncio.start_server(
                self._handle, "127.0.0.1", self._port, backlog=4096, limit=_MAX_LINE
            )
        except OSError as exc:
            self._startup_error = exc
            self._ready.set()
            return
        self._port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop_event.wait()
            self._stopping = True
            server.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        try:
            while True:
                try:
                    request = await _read_request(reader)
                except ValueError as exc:  # malformed request line, length or over-long line
                    await self._write_json(writer, 400, _error(str(exc), "invalid_request_error"))
                    break
                if request is None or not await self._route(request, writer):
                    break
                if request.headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client went away (fault tests, timeouts): normal, not a server bug
        except Exception as exc:  # any other failure is a fake-server bug: surfaced via .errors
            self.errors.append(repr(exc))
        finally:
            self._tasks.discard(task)
            await self._close(writer)

    async def _close(self, writer: asyncio.StreamWriter) -> None:
        if self._stopping:
            writer.transport.abort()  # never wait on a peer that stopped reading
            return
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), timeout=5)
        except (TimeoutError, ConnectionError):
            writer.transport.abort()

    async def _route(self, request: RecordedRequest, writer: asyncio.StreamWriter) -> bool:
        key = (request.method, request.path)
        if key == ("POST", "/v1/chat/completions"):
            with self._lock:
                self.requests.append(request)
                reply = self._queue.popleft() if self._queue else self.default
            if isinstance(reply, PassAnswer):
                reply = reply.reply_to(request.body)
            return await _send_reply(reply, writer, f"chatcmpl-fake-{next(self._ids)}")
        if key == ("GET", "/v1/models"):
            model = {"id": FAKE_MODEL, "object": "model", "created": 0, "owned_by": "fake"}
            return await self._write_json(writer, 200, {"object": "list", "data": [model]})
        if key == ("GET", "/health"):
            return await self._write_json(writer, 200, {"status": "ok"})
        message = f"no route for {request.method} {request.path}"
        return await self._write_json(writer, 404, _error(message, "not_found"))

    @staticmethod
    async def _write_json(writer: asyncio.StreamWriter, status: int, obj: Any) -> bool:
        body = _json.dumps(obj).encode()
        writer.write(response_head(status, {"Content-Type": "application/json"}, len(body)) + body)
        await writer.drain()
        return True


def main(argv: list[str] | None = None) -> None:
    """Serve one reply forever; print the base_url once ready; stop on SIGINT or SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument(
        "--reply-file", help="served verbatim as message content (default: answer every pass)"
    )
    args = parser.parse_args(argv)
    delay = args.latency_ms / 1000
    reply: Reply = PassAnswer(delay=delay)
    if args.reply_file:
        with open(args.reply_file, encoding="utf-8") as fh:
            reply = CompletionReply(fh.read(), delay=delay)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    with FakeOpenAIServer(port=args.port) as server:
        server.default = reply
        print(server.base_url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            done.wait()


if __name__ == "__main__":
    main()
