"""The benchmarks' load generator: ``concurrency`` clients, each sending its next request as soon
as it has an answer.

Two ways to send. ``closed_loop`` and ``ConnectionSet`` write prebuilt HTTP/1.1 requests on raw
asyncio streams (like ``wrk``, in Python): ``httpx`` spends a few hundred microseconds of client
CPU per request, which on a 2-core machine caps what a throughput test can observe. ``send_all``
uses ``httpx`` for a bounded count of requests where correctness is measured, not speed: every
answer by status, every request that got none (lost) by exception, every latency.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    client_cpu_s: float = 0.0
    total_s: float = 0.0  # warm-up included, for CPU shares

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def post_request(origin: str, path: str, body: bytes) -> bytes:
    host = urlsplit(origin).netloc
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status


async def closed_loop(
    origin: str,
    make_request: Callable[[int], bytes],
    concurrency: int,
    seconds: float,
    warmup_s: float = 1.0,
) -> LoadResult:
    """Keep ``concurrency`` requests outstanding for ``warmup_s + seconds``; count the last part.

    ``make_request(n)`` builds the n-th request's bytes (so bodies can differ per request).
    """
    parts = urlsplit(origin)
    result = LoadResult()
    counter = iter(range(10**12))
    loop = asyncio.get_running_loop()
    start = loop.time()
    measure_from = start + warmup_s
    stop_at = measure_from + seconds

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while (now := loop.time()) < stop_at:
                writer.write(make_request(next(counter)))
                status = await _read_response(reader)
                done = loop.time()
                if now >= measure_from:
                    result.requests += 1
                    result.latencies_ms.append((done - now) * 1000)
                    result.statuses[status] = result.statuses.get(status, 0) + 1
                    if status != 200:
                        result.errors += 1
        finally:
            writer.close()

    cpu0 = time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    # Requests started inside the window finish a little after it; count the real span.
    result.seconds = loop.time() - measure_from
    result.client_cpu_s = time.process_time() - cpu0
    result.total_s = loop.time() - start
    return result


@dataclass
class BurstResult:
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]


class ConnectionSet:
    """``size`` keep-alive connections, reused across bursts (a warm client)."""

    def __init__(self, origin: str, size: int) -> None:
        self.origin = origin
        self.size = size
        self._streams: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []

    async def __aenter__(self) -> ConnectionSet:
        parts = urlsplit(self.origin)
        self._streams = list(
            await asyncio.gather(
                *(asyncio.open_connection(parts.hostname, parts.port) for _ in range(self.size))
            )
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for _, writer in self._streams:
            writer.close()

    async def burst(self, requests: list[bytes]) -> BurstResult:
        """Send one request on each connection at once; wait for every response."""
        loop = asyncio.get_running_loop()
        latencies: list[float] = []
        statuses: dict[int, int] = {}

        async def one(
            stream: tuple[asyncio.StreamReader, asyncio.StreamWriter], data: bytes
        ) -> None:
            reader, writer = stream
            started = loop.time()
            writer.write(data)
            status = await _read_response(reader)
            latencies.append((loop.time() - started) * 1000)
            statuses[status] = statuses.get(status, 0) + 1

        started = loop.time()
        await asyncio.gather(*(one(s, r) for s, r in zip(self._streams, requests, strict=True)))
        return BurstResult(loop.time() - started, latencies, statuses)


@dataclass
class Outcome:
    statuses: Counter[int] = field(default_factory=Counter)
    lost: Counter[str] = field(default_factory=Counter)  # no response: exception name → count
    latencies_ms: list[float] = field(default_factory=list)  # of every answered request
    not_sent: int = 0  # skipped because the time budget ran out
    seconds: float = 0.0


async def send_all(
    origin: str,
    bodies: Iterable[dict[str, Any]],
    concurrency: int,
    *,
    timeout_s: float,
    budget_s: float = float("inf"),
    on_answer: Callable[[httpx.Response, float], None] | None = None,
) -> Outcome:
    """POST each of ``bodies`` to ``/v1/summaries`` with ``concurrency`` in flight; stop starting
    new ones after ``budget_s``. ``on_answer(response, seconds)`` sees every answer."""
    outcome = Outcome()
    pending = iter(bodies)
    # The server closes a keep-alive connection idle for 10 s; reusing one just as it does is a
    # client-side race (httpx never retries a POST), not a lost response. Expire them sooner.
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2
    )
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=origin, limits=limits, timeout=timeout_s) as client:

        async def one_client() -> None:
            for body in pending:
                if time.monotonic() - started > budget_s:
                    outcome.not_sent += 1
                    continue
                sent = time.perf_counter()
                try:
                    response = await client.post("/v1/summaries", json=body)
                except httpx.HTTPError as exc:
                    outcome.lost[type(exc).__name__] += 1
                    continue
                took = time.perf_counter() - sent
                outcome.latencies_ms.append(took * 1000)
                outcome.statuses[response.status_code] += 1
                if on_answer is not None:
                    on_answer(response, took)

        await asyncio.gather(*(one_client() for _ in range(concurrency)))
    outcome.seconds = time.monotonic() - started
    return outcome
