"""Section 1, overhead: what Concord adds on top of one bare OpenAI-client call to an instant stub.

Three callers take turns against the same stub process, in rotating order so slow drift of the
machine hits all three alike: the bare ``openai.AsyncOpenAI`` client sending exactly the
pipeline's request (baseline), ``summarise(...)`` in-process (a), and ``POST /v1/summaries`` on a
real ``concord serve`` process from an ``httpx`` client (b), with the response cache off.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import openai

from benchmarks import processes
from benchmarks.context import Pipeline, Size, pipeline
from benchmarks.sample import summary_content
from benchmarks.stats import Row, describe, latency_cell, ms
from concord.pipeline import summarise

Call = Callable[[], Awaitable[Any]]


async def _time(call: Call) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def interleaved(calls: dict[str, Call], warmup: int, reps: int) -> dict[str, list[float]]:
    """Run each call ``warmup`` times, then ``reps`` times each in rotating order."""
    names = list(calls)
    for _ in range(warmup):
        for name in names:
            await calls[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for rep in range(reps):
        shift = rep % len(names)
        for name in names[shift:] + names[:shift]:
            samples[name].append(await _time(calls[name]))
    return samples


def _bare_client(base_url: str) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=base_url, api_key="not-needed", max_retries=0)


async def _stub_choice(pipe: Pipeline, stub_url: str, reps: int) -> Row:
    """The bare client against the lean stub vs against the test fake, to justify the stub."""
    request = pipe.chat_request()
    with tempfile.TemporaryDirectory() as tmp:
        reply = Path(tmp) / "summary.json"
        reply.write_text(summary_content(), encoding="utf-8")
        with processes.fake_server(0, reply) as fake_url:
            lean, fake = _bare_client(stub_url), _bare_client(fake_url)
            try:
                samples = await interleaved(
                    {
                        "lean": lambda: lean.chat.completions.create(**request),
                        "fake": lambda: fake.chat.completions.create(**request),
                    },
                    warmup=20,
                    reps=reps,
                )
            finally:
                await lean.close()
                await fake.close()
    lean_d, fake_d = describe(samples["lean"]), describe(samples["fake"])
    return Row(
        "1 overhead",
        "stub choice: bare call, lean stub vs test fake",
        f"lean p50 {ms(lean_d['p50'])} / fake p50 {ms(fake_d['p50'])}",
        ratio=fake_d["p50"] / lean_d["p50"],
        detail={"lean_stub": lean_d, "test_fake": fake_d},
    )


async def run(size: Size) -> list[Row]:
    warmup, reps = size.pick(20, 100), size.pick(150, 1000)
    with processes.stub(0) as stub_url:
        async with pipeline(stub_url) as pipe:
            request = pipe.chat_request()
            bare = _bare_client(stub_url)
            with processes.concord_serve(stub_url, cache_entries=0) as server:
                http = httpx.AsyncClient(base_url=server.base, timeout=30)
                body = {"text": pipe.article.text}
                server_latency: list[float] = []

                async def via_server() -> None:
                    response = await http.post("/v1/summaries", json=body)
                    response.raise_for_status()
                    meta = response.json()["meta"]
                    if meta["cached"]:
                        raise RuntimeError("cache answered; the overhead test needs it off")
                    server_latency.append(meta["latency_ms"])

                try:
                    samples = await interleaved(
                        {
                            "baseline": lambda: bare.chat.completions.create(**request),
                            "pipeline": lambda: summarise(
                                pipe.article, pipe.model, pipe.prompt, pipe.options
                            ),
                            "server": via_server,
                        },
                        warmup,
                        reps,
                    )
                finally:
                    await http.aclose()
                    await bare.close()
            choice = await _stub_choice(pipe, stub_url, size.pick(50, 300))
    base, pipe_d, serve_d = (describe(samples[k]) for k in ("baseline", "pipeline", "server"))
    inner = describe(server_latency[-reps:])
    rows = [
        Row("1 overhead", "baseline: bare AsyncOpenAI → stub", latency_cell(base), detail=base),
    ]
    for label, d, target_ms in (
        ("(a) summarise() in-process", pipe_d, 1.0),
        ("(b) POST /v1/summaries, concord serve", serve_d, 3.0),
    ):
        added50, added99 = d["p50"] - base["p50"], d["p99"] - base["p99"]
        rows.append(
            Row(
                "1 overhead",
                f"{label}: added over baseline",
                f"p50 +{ms(added50)}  p99 +{ms(added99)}  (own p50 {ms(d['p50'])}, "
                f"IQR {d['iqr']:.2f})",
                ratio=d["p50"] / base["p50"],
                target=f"< {target_ms:g} ms p50",
                met=added50 < target_ms,
                detail={"samples": d, "added_p50_ms": added50, "added_p99_ms": added99},
            )
        )
    rows.append(
        Row(
            "1 overhead",
            "(b) inside the server: meta.latency_ms",
            latency_cell(inner),
            detail={"meta_latency_ms": inner, "note": "summarise() time as the server saw it"},
        )
    )
    rows.append(choice)
    return rows
