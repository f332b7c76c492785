"""A lean OpenAI-compatible stub: a fixed chat completion per pass, optionally after a delay.

The test fake (``tests/fakes/openai_server.py``) parses and records every request body, which
costs a few hundred microseconds per call and grows memory without bound under load; here the
body is only searched for the pass it names (``tests.fakes.answers.pass_name_in``) and the reply
is prebuilt bytes, so the stub's own cost stays far below what is being measured. Run it in its
own process so it never competes for the measured process's GIL::

    python -m benchmarks.stub --latency-ms 0      # prints its base_url when ready
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from benchmarks.sample import ANSWERS
from tests.fakes.answers import SINGLE_PASS, answer_text, pass_name_in
from tests.fakes.openai_server import choice, completion_body, response_head


def completion_bytes(content: str) -> bytes:
    """The whole HTTP response, built once: the test fake's completion with ``content``."""
    body = completion_body("chatcmpl-bench", "bench-model", [choice(content)], (900, 300))
    return _response(body)


def _response(body: bytes) -> bytes:
    return response_head(200, {"Content-Type": "application/json"}, len(body)) + body


_MODELS = _response(b'{"object":"list","data":[{"id":"bench-model","object":"model"}]}')


async def _serve_connection(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    replies: dict[str, bytes],
    delay: float,
) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            body = await reader.readexactly(length) if length else b""
            if delay:
                await asyncio.sleep(delay)
            reply = replies.get(pass_name_in(body), replies[SINGLE_PASS])
            writer.write(_MODELS if head.startswith(b"GET") else reply)
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
        pass  # client gone, or the stub is stopping: nothing to report
    finally:
        writer.close()


async def serve(port: int, latency_ms: float) -> None:
    replies = {name: completion_bytes(answer_text(name, ANSWERS)) for name in ANSWERS}
    delay = latency_ms / 1000

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _serve_connection(reader, writer, replies, delay)

    server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=4096)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1"
    print(url, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="lean OpenAI-compatible benchmark stub")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, args.latency_ms))


if __name__ == "__main__":
    main()
