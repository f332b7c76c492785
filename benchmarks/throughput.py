"""Section 3, throughput: requests/s at concurrency 64 with the instant stub, ``concord serve``
against a minimal Litestar app returning fixed JSON under the same Granian settings.

The load comes from ``benchmarks.loadgen`` (raw keep-alive connections, tens of microseconds
of client CPU per request). Runs alternate between the two servers so drift hits both; the CPU
each process used is reported, since on 2 cores client, stub and server share them.
"""

from __future__ import annotations

import json
import statistics
from typing import TypedDict

from benchmarks import processes
from benchmarks.context import Size
from benchmarks.loadgen import LoadResult, closed_loop, post_request
from benchmarks.sample import article_text, varied_article
from benchmarks.stats import Row, describe

CONCURRENCY = 64


class Measured(TypedDict):
    """One run against one server (kept as is in the JSON report)."""

    rps: float
    requests: int
    errors: int
    statuses: dict[int, int]
    latency_ms: dict[str, float]  # describe()'s numbers; empty when nothing was answered
    server_cpu_share: float
    client_cpu_share: float


async def measure(origin: str, pid: int, seconds: float, warmup_s: float) -> Measured:
    text = article_text()

    def make(n: int) -> bytes:
        body = json.dumps({"text": varied_article(text, n)}).encode()
        return post_request(origin, "/v1/summaries", body)

    cpu0 = processes.tree_cpu_s(pid)
    result: LoadResult = await closed_loop(origin, make, CONCURRENCY, seconds, warmup_s)
    server_cpu = processes.tree_cpu_s(pid) - cpu0
    return {
        "rps": result.rps,
        "requests": result.requests,
        "errors": result.errors,
        "statuses": result.statuses,
        "latency_ms": describe(result.latencies_ms) if result.latencies_ms else {},
        "server_cpu_share": server_cpu / result.total_s,
        "client_cpu_share": result.client_cpu_s / result.total_s,
    }


async def run(size: Size) -> list[Row]:
    rounds, seconds, warmup = size.pick(1, 3), size.pick_f(2.0, 5.0), size.pick_f(0.5, 1.0)
    runs: dict[str, list[Measured]] = {"concord": [], "minimal": []}
    with (
        processes.stub(0) as stub_url,
        processes.concord_serve(
            stub_url, cache_entries=0, max_in_flight=CONCURRENCY * 2, max_queue=CONCURRENCY * 4
        ) as concord,
        processes.minimal_app() as minimal,
    ):
        for _ in range(rounds):
            runs["concord"].append(await measure(concord.base, concord.pid, seconds, warmup))
            runs["minimal"].append(await measure(minimal.base, minimal.pid, seconds, warmup))
    rps = {name: [r["rps"] for r in results] for name, results in runs.items()}
    med = {name: statistics.median(values) for name, values in rps.items()}
    rows = []
    for name, label in (("concord", "concord serve"), ("minimal", "minimal Litestar app")):
        last = runs[name][-1]
        lat = last["latency_ms"]
        rows.append(
            Row(
                "3 throughput",
                f"{label}, c={CONCURRENCY} ({rounds}×{seconds:g} s)",
                f"{med[name]:.0f} req/s (min {min(rps[name]):.0f}, max {max(rps[name]):.0f}); "
                f"p50 {lat.get('p50', 0):.1f} ms p99 {lat.get('p99', 0):.1f} ms; "
                f"server CPU {last['server_cpu_share']:.0%}, "
                f"client CPU {last['client_cpu_share']:.0%}",
                detail={"runs": runs[name]},
            )
        )
    errors = sum(r["errors"] for rs in runs.values() for r in rs)
    rows.append(
        Row(
            "3 throughput",
            "concord / minimal app (framework ceiling)",
            f"{med['concord']:.0f} / {med['minimal']:.0f} req/s; non-200: {errors}",
            ratio=med["concord"] / med["minimal"],
            detail={"median_rps": med},
        )
    )
    return rows
