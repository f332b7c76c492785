"""Beyond one machine: jobs through the queue on 1 and 3 workers, and the cache across replicas.

Starts a real ``redis-server`` (on a free loopback port, its own temp dir), the benchmark stub as
its own process answering every call after ``--latency-ms`` (1 s by default), then, for each
worker count, that many ``concord worker`` processes and one ``concord batch --queue`` of
``--articles`` unique articles (300 by default). Throughput is articles per second from the
batch's start to its exit; the ideal is workers * per-worker concurrency / latency, and the
ratio to it says how much the queue, Redis and Concord cost on top of the model.

Then two ``concord serve`` replicas, first without Redis (the baseline: each has its own
cache) and then sharing one: every article is sent to one replica, then the same article to
the other. The hit rate is the share of those second requests answered from cache.

    python -m benchmarks.scale [--articles 300] [--latency-ms 1000] [--concurrency 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import redis

from benchmarks.processes import CONCORD, concord_env, concord_serve, stub
from benchmarks.sample import article_text, varied_article
from tests.redis_server import RedisServer, redis_server
from tests.serving import environment, worker_process

WORKER_COUNTS = (1, 3)
CACHE_ARTICLES = 100
CACHE_LATENCY_MS = 50.0


@contextlib.contextmanager
def workers(count: int, env: dict[str, str], redis_url: str, folder: Path) -> Iterator[None]:
    """``count`` workers, each its own process; returns once all have registered with SAQ."""
    client = redis.Redis.from_url(redis_url)
    with contextlib.ExitStack() as stack:
        procs = [
            stack.enter_context(worker_process(folder, env, f"worker-{count}-{n}"))
            for n in range(count)
        ]
        deadline = time.monotonic() + 60
        while len(client.keys("saq:concord:worker_info:*")) < count:
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError("the workers did not start")
            time.sleep(0.1)
        yield
    client.close()


def queue_round(count: int, args: argparse.Namespace, provider: str, server: RedisServer,
                folder: Path) -> dict[str, float]:  # fmt: skip
    """One batch of unique articles through ``count`` workers; its throughput."""
    redis.Redis.from_url(server.url).flushall()  # nothing cached from an earlier round
    corpus, output = folder / f"corpus-{count}.jsonl", folder / f"out-{count}.jsonl"
    text = article_text()
    with corpus.open("w", encoding="utf-8") as file:
        for n in range(args.articles):
            line = {"id": f"a{n}", "text": varied_article(text, count * 100_000 + n)}
            file.write(json.dumps(line) + "\n")
    env = concord_env(provider) | {
        "CONCORD_REDIS_URL": server.url,
        "CONCORD_JOBS__CONCURRENCY": str(args.concurrency),
        # The fleet-wide limit must not be what is measured here.
        "CONCORD_API__MAX_IN_FLIGHT": str(args.concurrency * max(WORKER_COUNTS)),
        "CONCORD_API__MAX_QUEUE": str(args.articles),
    }
    with workers(count, env, server.url, folder):
        started = time.monotonic()
        subprocess.run(
            [CONCORD, "batch", str(corpus), "-o", str(output), "--queue", server.url],
            cwd=folder, env=environment(folder, env), check=True, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        seconds = time.monotonic() - started
    done = sum("summary" in json.loads(line) for line in output.read_text().splitlines())
    span = queue_span_s(server.url)
    ideal = count * args.concurrency / (args.latency_ms / 1000)
    return {
        "workers": count, "articles": done, "seconds": seconds, "per_s": done / seconds,
        "queue_s": span, "queue_per_s": done / span, "ideal_per_s": ideal,
        "ratio_to_ideal": done / seconds / ideal, "queue_ratio": done / span / ideal,
        "load_average": os.getloadavg()[0],
    }  # fmt: skip


def queue_span_s(redis_url: str) -> float:
    """From the first job queued to the last one completed, by SAQ's own timestamps (ms): the
    queue's throughput without the batch command's start-up and its polling."""
    client = redis.Redis.from_url(redis_url)
    jobs = [json.loads(raw) for key in client.scan_iter("saq:job:concord:*", count=500)
            if (raw := client.get(key))]  # fmt: skip
    client.close()
    span_ms: int = max(job["completed"] for job in jobs) - min(job["queued"] for job in jobs)
    return span_ms / 1000


async def cache_round(provider: str, redis_url: str | None) -> dict[str, float]:
    """Each article to one replica, then to the other: how often the second is a cache hit."""
    extra = {"CONCORD_REDIS_URL": redis_url} if redis_url else {}
    text = article_text()
    with (
        concord_serve(provider, extra_env=extra) as first,
        concord_serve(provider, extra_env=extra) as second,
    ):
        async with httpx.AsyncClient(timeout=60) as client:
            slots = asyncio.Semaphore(10)

            async def pair(n: int) -> bool:
                body = {"text": varied_article(text, 900_000 + n)}
                async with slots:
                    made = await client.post(first.base + "/v1/summaries", json=body)
                    again = await client.post(second.base + "/v1/summaries", json=body)
                made.raise_for_status()
                again.raise_for_status()
                return bool(again.json()["meta"]["cached"])

            hits = await asyncio.gather(*(pair(n) for n in range(CACHE_ARTICLES)))
    return {"repeats": CACHE_ARTICLES, "hits": sum(hits), "hit_rate": sum(hits) / len(hits)}


def report(rounds: list[dict[str, float]], alone: dict[str, float], shared: dict[str, float],
           args: argparse.Namespace) -> str:  # fmt: skip
    lines = [
        f"jobs through the queue: {args.articles} articles, stub provider {args.latency_ms:g} ms, "
        f"{args.concurrency} jobs per worker",
    ]
    for r in rounds:
        lines.append(
            f"  {r['workers']:.0f} worker(s)  {r['articles']:.0f} done in {r['seconds']:.1f} s  "
            f"{r['per_s']:.2f}/s  ideal {r['ideal_per_s']:.0f}/s  ratio {r['ratio_to_ideal']:.2f}"
            f"  (queue alone: {r['queue_s']:.1f} s, {r['queue_per_s']:.2f}/s, "
            f"ratio {r['queue_ratio']:.2f}; load average {r['load_average']:.1f})"
        )
    if len(rounds) == 2:
        speedup = rounds[1]["per_s"] / rounds[0]["per_s"]
        queue_speedup = rounds[1]["queue_per_s"] / rounds[0]["queue_per_s"]
        lines.append(
            f"  {rounds[1]['workers']:.0f} workers vs 1: x{speedup:.2f} "
            f"(queue alone x{queue_speedup:.2f})"
        )
    lines += [
        f"cache across 2 replicas ({CACHE_ARTICLES} articles, each to one then the other):",
        f"  without Redis  hit rate {alone['hit_rate']:.0%} ({alone['hits']:.0f} hits)",
        f"  with Redis     hit rate {shared['hit_rate']:.0%} ({shared['hits']:.0f} hits)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--latency-ms", type=float, default=1000.0)
    parser.add_argument("--concurrency", type=int, default=10, help="jobs per worker")
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with redis_server(folder / "redis") as server:
            with stub(args.latency_ms) as provider:
                rounds = [queue_round(n, args, provider, server, folder) for n in WORKER_COUNTS]
            with stub(CACHE_LATENCY_MS) as provider:
                alone = asyncio.run(cache_round(provider, None))
                shared = asyncio.run(cache_round(provider, server.url))
    print(report(rounds, alone, shared, args))
    if args.json:
        numbers = {"queue": rounds, "cache_alone": alone, "cache_shared": shared}
        Path(args.json).write_text(json.dumps(numbers, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
