"""Section 4, cache: a repeated identical request answered from the response cache.

Measured two ways. In-process, the ASGI app from ``create_app(settings)`` is called directly
(no sockets): the time from the request scope to the last body byte is the service time of a
hit, routing, body parsing, article checks, the cache key's SHA-256 and serialisation included.
Via the server, an ``httpx`` client times the same hit over loopback, next to ``GET /healthz``
(the HTTP floor), so the network part is visible.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import httpx
from litestar import Litestar

from benchmarks import processes
from benchmarks.context import Size, stub_settings
from benchmarks.sample import article_text
from benchmarks.stats import Row, describe, latency_cell, ms
from concord.api.app import create_app

Message = dict[str, Any]


async def call(app: Litestar, body: bytes) -> tuple[int, bytes]:
    """One ``POST /v1/summaries`` through the ASGI app; returns status and body."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/summaries",
        "raw_path": b"/v1/summaries",
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"bench"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # the client never disconnects
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)  # type: ignore[arg-type]
    return status, b"".join(chunks)


async def in_process(stub_url: str, warmup: int, reps: int) -> dict[str, float]:
    app = create_app(stub_settings(stub_url))
    body = json.dumps({"text": article_text()}).encode()
    samples: list[float] = []
    async with app.lifespan():
        status, first = await call(app, body)  # the miss that fills the cache
        if status != 200 or json.loads(first)["meta"]["cached"]:
            raise RuntimeError(f"priming request failed: {status} {first[:200]!r}")
        for i in range(warmup + reps):
            started = time.perf_counter()
            status, answer = await call(app, body)
            took = (time.perf_counter() - started) * 1000
            if status != 200 or not json.loads(answer)["meta"]["cached"]:
                raise RuntimeError("a repeated request was not served from the cache")
            if i >= warmup:
                samples.append(took)
    return describe(samples)


async def via_server(stub_url: str, warmup: int, reps: int) -> tuple[dict[str, float], ...]:
    hit: list[float] = []
    health: list[float] = []
    body = {"text": article_text()}
    with processes.concord_serve(stub_url) as server:
        async with httpx.AsyncClient(base_url=server.base, timeout=30) as client:
            (await client.post("/v1/summaries", json=body)).raise_for_status()
            for i in range(warmup + reps):
                started = time.perf_counter()
                response = await client.post("/v1/summaries", json=body)
                middle = time.perf_counter()
                await client.get("/healthz")
                ended = time.perf_counter()
                if not response.json()["meta"]["cached"]:
                    raise RuntimeError("a repeated request was not served from the cache")
                if i >= warmup:
                    hit.append((middle - started) * 1000)
                    health.append((ended - middle) * 1000)
    return describe(hit), describe(health)


async def run(size: Size) -> list[Row]:
    warmup, reps = size.pick(20, 100), size.pick(200, 2000)
    with processes.stub(0) as stub_url:
        local = await in_process(stub_url, warmup, reps)
        hit, health = await via_server(stub_url, warmup, size.pick(100, 500))
    return [
        Row(
            "4 cache",
            "hit, in-process ASGI call (service time)",
            latency_cell(local),
            target="< 1 ms p50",
            met=local["p50"] < 1.0,
            detail=local,
        ),
        Row(
            "4 cache",
            "hit via concord serve (httpx round trip)",
            f"{latency_cell(hit)}; GET /healthz p50 {ms(health['p50'])}",
            ratio=hit["p50"] / health["p50"],
            detail={"hit": hit, "healthz": health},
        ),
    ]
