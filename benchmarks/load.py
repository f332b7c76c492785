"""Bounded load over loopback: ``concord serve`` under 5,000 requests at concurrency 100.

The fake OpenAI server runs as its own process (50 ms per answer, a valid grounded summary) and
``concord serve`` as another, pointed at it, with its queue raised so 100 requests fit and every
article made unique so neither the cache nor coalescing can answer for the model. An
``httpx.AsyncClient`` sends the requests (bounded in count and in time; 127.0.0.1 only) and the
script reports errors by status, p50/p99 latency, throughput, and the server's RSS.

Targets: zero 5xx, zero lost responses, RSS growth under 10% (measured from after a warm-up, so
one-time imports and caches do not count as growth; the growth from readiness is shown too).

    python -m benchmarks.load [--requests 5000] [--concurrency 100] [--latency-ms 50]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.processes import concord_serve, fake_server, tree_rss_mb
from benchmarks.sample import article_text, summary_content, varied_article
from benchmarks.stats import percentile

WARMUP_REQUESTS = 200
REQUEST_TIMEOUT_S = 60.0


@dataclass
class Outcome:
    statuses: Counter[int] = field(default_factory=Counter)
    lost: Counter[str] = field(default_factory=Counter)  # no response: exception name → count
    latencies_ms: list[float] = field(default_factory=list)
    not_sent: int = 0  # skipped because the time budget ran out
    seconds: float = 0.0


async def send_all(
    origin: str, first: int, count: int, concurrency: int, budget_s: float
) -> Outcome:
    """Send ``count`` POSTs with ``concurrency`` in flight; stop starting new ones after
    ``budget_s``. Article ``n`` is unique, so the model path runs every time."""
    outcome = Outcome()
    article = article_text()
    numbers = iter(range(first, first + count))
    # The server closes a keep-alive connection idle for 10 s; reusing one just as it does is a
    # client-side race (httpx never retries a POST), not a lost response. Expire them sooner.
    limits = httpx.Limits(
        max_connections=concurrency, max_keepalive_connections=concurrency, keepalive_expiry=2
    )
    started = time.monotonic()

    async with httpx.AsyncClient(
        base_url=origin, limits=limits, timeout=REQUEST_TIMEOUT_S
    ) as client:

        async def worker() -> None:
            for n in numbers:
                if time.monotonic() - started > budget_s:
                    outcome.not_sent += 1
                    continue
                sent = time.perf_counter()
                try:
                    response = await client.post(
                        "/v1/summaries", json={"text": varied_article(article, n)}
                    )
                except httpx.HTTPError as exc:
                    outcome.lost[type(exc).__name__] += 1
                    continue
                outcome.latencies_ms.append((time.perf_counter() - sent) * 1000)
                outcome.statuses[response.status_code] += 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    outcome.seconds = time.monotonic() - started
    return outcome


def report(args: argparse.Namespace, out: Outcome, rss: dict[str, float]) -> tuple[str, bool]:
    answered = sum(out.statuses.values())
    lost = sum(out.lost.values())
    server_errors = sum(n for status, n in out.statuses.items() if status >= 500)
    growth = (rss["end"] - rss["warm"]) / rss["warm"] * 100
    growth_from_ready = (rss["end"] - rss["ready"]) / rss["ready"] * 100
    checks = {
        "zero 5xx": server_errors == 0,
        "zero lost responses": lost == 0 and out.not_sent == 0,
        "RSS growth < 10%": growth < 10,
    }
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(out.statuses.items()))
    lines = [
        f"concord serve under load: {args.requests} requests, concurrency {args.concurrency}, "
        f"provider latency {args.latency_ms:g} ms (after {WARMUP_REQUESTS} warm-up requests)",
        f"  answered      {answered} in {out.seconds:.1f} s  ->  "
        f"{answered / out.seconds:.0f} requests/s",
        f"  by status     {statuses or 'none'}",
        f"  lost          {lost} {dict(out.lost) or ''}".rstrip()
        + (f"; {out.not_sent} not sent (time budget)" if out.not_sent else ""),
    ]
    if out.latencies_ms:
        lines.append(
            f"  latency       p50 {percentile(out.latencies_ms, 50):.0f} ms, "
            f"p99 {percentile(out.latencies_ms, 99):.0f} ms, max {max(out.latencies_ms):.0f} ms"
        )
    lines += [
        f"  server RSS    ready {rss['ready']:.1f} MB, after warm-up {rss['warm']:.1f} MB, "
        f"end {rss['end']:.1f} MB",
        f"                growth {growth:+.1f}% since warm-up ({growth_from_ready:+.1f}% since "
        "ready)",
        "  targets       "
        + ", ".join(f"{name}: {'MET' if ok else 'MISSED'}" for name, ok in checks.items()),
    ]
    return "\n".join(lines), all(checks.values())


async def run(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        reply = Path(tmp) / "summary.json"
        reply.write_text(summary_content(), encoding="utf-8")
        with (
            fake_server(args.latency_ms, reply) as provider,
            concord_serve(
                provider,
                max_in_flight=args.concurrency,
                max_queue=args.concurrency * 10,
                cache_entries=0,
            ) as server,
        ):
            rss = {"ready": tree_rss_mb(server.pid)}
            warm = await send_all(server.origin, 0, WARMUP_REQUESTS, args.concurrency, 60)
            if warm.statuses.get(200) != WARMUP_REQUESTS:
                print(f"warm-up failed: {dict(warm.statuses)} lost {dict(warm.lost)}")
                return 1
            rss["warm"] = tree_rss_mb(server.pid)
            out = await send_all(
                server.origin, WARMUP_REQUESTS, args.requests, args.concurrency, args.max_seconds
            )
            rss["end"] = tree_rss_mb(server.pid)
    text, ok = report(args, out, rss)
    print(text)
    if args.json:
        write_json(Path(args.json), out, rss, ok)
    return 0 if ok else 1


def write_json(path: Path, out: Outcome, rss: dict[str, float], ok: bool) -> None:
    summary = {
        "statuses": dict(out.statuses), "lost": dict(out.lost), "not_sent": out.not_sent,
        "seconds": out.seconds, "rss_mb": rss, "ok": ok,
        "p50_ms": percentile(out.latencies_ms, 50) if out.latencies_ms else None,
        "p99_ms": percentile(out.latencies_ms, 99) if out.latencies_ms else None,
    }  # fmt: skip
    path.write_text(json.dumps(summary, indent=2), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--latency-ms", type=float, default=50.0, help="fake provider latency")
    parser.add_argument(
        "--max-seconds", type=float, default=600.0, help="stop starting requests after this"
    )
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args(argv)
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
