"""Bounded load over loopback: ``concord serve`` under 5,000 requests at concurrency 100.

The benchmark stub runs as its own process (50 ms per answer, a valid grounded summary) and
``concord serve`` as another, pointed at it, with its queue raised so 100 requests fit and every
article made unique so neither the cache nor coalescing can answer for the model. The load
generator's ``send_all`` sends the requests (bounded in count and in time; 127.0.0.1 only) and the
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
from collections.abc import Iterator
from pathlib import Path

from benchmarks.loadgen import Outcome, send_all
from benchmarks.processes import concord_serve, stub, tree_rss_mb
from benchmarks.sample import article_text, varied_article
from benchmarks.stats import percentile

WARMUP_REQUESTS = 200
REQUEST_TIMEOUT_S = 60.0


def _unique_articles(first: int, count: int) -> Iterator[dict[str, str]]:
    """Article ``n`` is unique, so the model path runs every time."""
    text = article_text()
    return ({"text": varied_article(text, n)} for n in range(first, first + count))


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
    with (
        stub(args.latency_ms) as provider,
        concord_serve(
            provider,
            max_in_flight=args.concurrency,
            max_queue=args.concurrency * 10,
            cache_entries=0,
        ) as server,
    ):
        rss = {"ready": tree_rss_mb(server.pid)}
        warm = await send_all(
            server.base,
            _unique_articles(0, WARMUP_REQUESTS),
            args.concurrency,
            timeout_s=REQUEST_TIMEOUT_S,
            budget_s=60,
        )
        if warm.statuses.get(200) != WARMUP_REQUESTS:
            print(f"warm-up failed: {dict(warm.statuses)} lost {dict(warm.lost)}")
            return 1
        rss["warm"] = tree_rss_mb(server.pid)
        out = await send_all(
            server.base,
            _unique_articles(WARMUP_REQUESTS, args.requests),
            args.concurrency,
            timeout_s=REQUEST_TIMEOUT_S,
            budget_s=args.max_seconds,
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
    parser.add_argument("--latency-ms", type=float, default=50.0, help="stub provider latency")
    parser.add_argument(
        "--max-seconds", type=float, default=600.0, help="stop starting requests after this"
    )
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args(argv)
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
