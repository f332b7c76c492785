"""Section 2, concurrency: 256 simultaneous requests to ``concord serve``, the stub taking 1 s.

If nothing serialises them, the burst takes the stub's 1 s plus Concord's per-request CPU. The
limits on the way: the in-flight cap (``CONCORD_API__MAX_IN_FLIGHT``, default 4, with a queue of
``MAX_QUEUE``, default 64, and 429 beyond) and the OpenAI client's httpx2 pool
(``concord.providers.connection.POOL_CONNECTIONS``, all kept alive). Both are raised or matched
here; every request carries a different article so coalescing cannot merge them.
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter

from benchmarks import processes
from benchmarks.context import Size
from benchmarks.loadgen import ConnectionSet, post_request
from benchmarks.sample import article_text, varied_article
from benchmarks.stats import Row, describe
from concord.providers.connection import POOL_CONNECTIONS

BURST = 256
LATENCY_MS = 1000.0


def requests(origin: str, first: int) -> list[bytes]:
    """``BURST`` requests, each with its own article (no coalescing, no cache hits)."""
    text = article_text()
    return [
        post_request(
            origin, "/v1/summaries", json.dumps({"text": varied_article(text, n)}).encode()
        )
        for n in range(first, first + BURST)
    ]


async def bursts(
    stub_url: str, rounds: int, workers: int = 1
) -> tuple[list[float], tuple[float, Counter[int]], Counter[int], list[float], list[float]]:
    """One cold burst, then ``rounds`` warm ones; walls, cold result, statuses, latencies, CPU."""
    walls: list[float] = []
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    client_cpu: list[float] = []
    cold: tuple[float, Counter[int]] = (0.0, Counter())
    with processes.concord_serve(
        stub_url, workers=workers, cache_entries=0, max_in_flight=BURST, max_queue=BURST
    ) as server:
        # A raw keep-alive client: httpx's own pool spends ~8 ms of CPU per request at this
        # fan-out on 2 cores, which would be measured as server time.
        async with ConnectionSet(server.base, BURST) as client:
            for round_ in range(rounds + 1):
                batch = requests(server.base, round_ * BURST)
                cpu0 = time.process_time()
                result = await client.burst(batch)
                client_cpu.append(time.process_time() - cpu0)
                if round_ == 0:
                    # The server's own pool to the stub is cold: reported, not judged.
                    cold = (result.seconds, Counter(result.statuses))
                    continue
                walls.append(result.seconds)
                latencies += result.latencies_ms
                statuses += Counter(result.statuses)
    return walls, cold, statuses, latencies, client_cpu


async def run(size: Size) -> list[Row]:
    rounds = size.pick(1, 3)
    with processes.stub(LATENCY_MS) as stub_url:
        walls, cold, statuses, latencies, client_cpu = await bursts(stub_url, rounds)
        walls2, _, statuses2, _, _ = await bursts(stub_url, rounds, workers=2)
    median_wall = statistics.median(walls)
    all_ok = statuses == Counter({200: BURST * rounds})
    limits_note = (
        f"in-flight cap {BURST} (default 4, queue 64: {BURST - 68} of {BURST} would get 429, "
        f"the rest take ~{68 // 4} s); openai httpx2 pool {POOL_CONNECTIONS} connections, "
        "all kept alive"
    )
    lat = describe(latencies)
    return [
        Row(
            "2 concurrency",
            f"{BURST} concurrent, stub 1 s: wall (warm, median of {rounds})",
            f"{median_wall:.3f} s  (min {min(walls):.3f}, max {max(walls):.3f}); "
            f"statuses {dict(statuses)}",
            ratio=median_wall / (LATENCY_MS / 1000),
            target="< 1.5 s, all 200",
            met=all_ok and median_wall < 1.5,
            detail={
                "walls_s": walls,
                "statuses": dict(statuses),
                "limits": limits_note,
                "client_cpu_s": client_cpu,
            },
        ),
        Row(
            "2 concurrency",
            "first burst (cold connections)",
            f"{cold[0]:.3f} s; statuses {dict(cold[1])}",
            ratio=cold[0] / (LATENCY_MS / 1000),
            detail={"wall_s": cold[0]},
        ),
        Row(
            "2 concurrency",
            "per-request latency in warm bursts",
            f"p50 {lat['p50']:.0f} ms  p99 {lat['p99']:.0f} ms  max {lat['max']:.0f} ms",
            detail=lat,
        ),
        Row(
            "2 concurrency",
            "same burst, concord serve --workers 2 (not judged)",
            f"{statistics.median(walls2):.3f} s (min {min(walls2):.3f}, max {max(walls2):.3f}); "
            f"statuses {dict(statuses2)}",
            ratio=statistics.median(walls2) / (LATENCY_MS / 1000),
            detail={"walls_s": walls2, "statuses": dict(statuses2)},
        ),
        Row("2 concurrency", "limits that apply", limits_note),
    ]
