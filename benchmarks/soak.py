"""Soak on the real embedded model: 40 requests of 8 different articles at concurrency 8.

``concord serve`` starts the embedded model (one slot by default) as it would for a user, with
its response cache on; eight clients send the 40 requests (article ``n % 8`` for request ``n``)
and each sends its next as soon as it has an answer, never waiting out a ``Retry-After``: the
worst case for the queue. Repeats of an article are answered by the cache or share the call
already running, so the model works once per article it admits.

It reports how many got 200 (and how many of those the model made), 429 with their
``Retry-After`` values and 504; p50/p99 of the 200s; the longest any request waited against
its budget; admission's estimate of each admitted request (its ``Server-Timing``) against what
it took; and the server's memory (the whole process tree: Granian, its worker and the model
server) at start and end. Targets: no 504 (every request a 200 within its budget or refused at
once with 429 or 503), nothing waits past its budget, RSS grows < 10%. Run it with
``--budget-s 300`` and ``--budget-s 90``.

The soak's request budget (``--budget-s``, sent as ``CONCORD_API__REQUEST_TIMEOUT_S``) is 300 s,
well under the server's default. A summary takes 25-45 s on a quiet two-core machine but over
260 s on a loaded one (measured while writing this); 300 s lets one through even then, and keeps
the run near ten minutes: once the server has timed a summary, requests that could not finish are
refused at once, so after the first budget only the few it admits keep the run going.

    python -m benchmarks.soak [--budget-s 300] [--json reports/soak.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from benchmarks.loadgen import Outcome, send_all
from benchmarks.processes import embedded_concord_serve, process_tree, tree_rss_mb
from benchmarks.sample import ROOT
from benchmarks.stats import percentile
from concord.providers.embedded.child import CHILD_MODULE

REQUESTS = 40
CONCURRENCY = 8
_CASES = ROOT / "evals" / "cases"


# Eight eval-case articles of 1-3 k characters (the prompt-injection cases and the long one left
# out), so each summary costs the model about the same.
ARTICLE_CASES = (
    "kerry-lavrov", "multi-party-dispute", "no-disagreement", "regulator-blocks-merger",
    "research-pact-no-dispute", "hospital-strike", "council-five-voices", "permit-refusal",
)  # fmt: skip


def articles() -> list[str]:
    """The eight articles, each different."""
    texts = [(_CASES / case / "article.txt").read_text(encoding="utf-8") for case in ARTICLE_CASES]
    if len(set(texts)) != CONCURRENCY:
        raise RuntimeError(f"expected {CONCURRENCY} different articles, got {len(set(texts))}")
    return texts


@dataclass
class Answers:
    """What the soak counts beyond the load generator's tally."""

    retry_after: list[int] = field(default_factory=list)  # seconds, one per 429
    ok_seconds: list[float] = field(default_factory=list)  # latency of each 200
    model_made: int = 0  # 200s whose summary the model made for that request (not cached)
    # Admission's estimate (``Server-Timing: estimate;dur=``) beside what the request took, for
    # each admitted request the model served.
    estimates: list[dict[str, float]] = field(default_factory=list)

    def __call__(self, response: httpx.Response, seconds: float) -> None:
        if response.status_code == 200:
            self.ok_seconds.append(seconds)
            self.model_made += not response.json()["meta"]["cached"]
            if (estimated := estimate_s(response)) is not None:
                self.estimates.append({"estimated_s": estimated, "actual_s": round(seconds, 2)})
        elif response.status_code == 429:
            self.retry_after.append(int(response.headers["retry-after"]))


def estimate_s(response: httpx.Response) -> float | None:
    """Admission's estimate of the request's seconds, from ``Server-Timing``, if it sent one."""
    for metric in response.headers.get("server-timing", "").split(","):
        name, _, params = metric.strip().partition(";")
        if name == "estimate" and params.startswith("dur="):
            return round(float(params[4:]) / 1000, 2)
    return None


def estimate_errors(estimates: list[dict[str, float]]) -> dict[str, float | int]:
    """How wrong admission's estimates were: mean and worst absolute error, mean actual/estimate."""
    if not estimates:
        return {"count": 0}
    errors = [abs(e["actual_s"] - e["estimated_s"]) for e in estimates]
    ratios = [e["actual_s"] / e["estimated_s"] for e in estimates if e["estimated_s"] > 0]
    return {
        "count": len(estimates),
        "mean_abs_error_s": round(sum(errors) / len(errors), 1),
        "worst_abs_error_s": round(max(errors), 1),
        "mean_actual_over_estimate": round(sum(ratios) / len(ratios), 2) if ratios else 0.0,
    }


async def soak(origin: str, budget_s: float) -> tuple[Outcome, Answers]:
    texts = articles()
    answers = Answers()
    out = await send_all(
        origin,
        ({"text": texts[n % CONCURRENCY]} for n in range(REQUESTS)),
        CONCURRENCY,
        timeout_s=budget_s + 60,
        on_answer=answers,
    )
    return out, answers


def report(
    out: Outcome, answers: Answers, budget_s: float, rss: dict[str, float]
) -> tuple[str, bool]:
    longest_s = max(out.latencies_ms, default=0.0) / 1000  # whatever the answer was
    lost = sum(out.lost.values())
    growth = (rss["end"] - rss["start"]) / rss["start"] * 100
    checks = {
        "nothing waited past its budget": longest_s <= budget_s + 5,  # 5 s: HTTP + grounding
        "no 504": not out.statuses[504],
        "every request answered": not lost,
        "RSS growth < 10%": growth < 10,
    }
    retry = sorted(answers.retry_after)
    retry_text = (
        f", Retry-After {retry[0]}-{retry[-1]} s (median {retry[len(retry) // 2]} s)"
        if retry
        else ""
    )
    others = ", ".join(
        f"{s}: {n}" for s, n in out.statuses.items() if s not in (200, 429, 503, 504)
    )
    no_answer = f"; no answer: {lost} {dict(out.lost)}" if lost else ""
    lines = [
        f"soak: {REQUESTS} requests of {CONCURRENCY} articles at concurrency {CONCURRENCY}, "
        f"embedded model, request budget {budget_s:g} s; {out.seconds:.0f} s in all",
        f"  200           {out.statuses[200]} ({answers.model_made} made by the model, the rest "
        "from the cache or a call already running)",
        f"  429           {out.statuses[429]}{retry_text}",
        f"  503           {out.statuses[503]} (a summary alone would overrun the budget)",
        f"  504           {out.statuses[504]}",
        f"  other         {others or 'none'}{no_answer}",
    ]
    if answers.ok_seconds:
        lines.append(
            f"  200 latency   p50 {percentile(answers.ok_seconds, 50):.1f} s, "
            f"p99 {percentile(answers.ok_seconds, 99):.1f} s"
        )
    if answers.estimates:
        wrong = estimate_errors(answers.estimates)
        lines.append(
            f"  estimates     {wrong['count']} admitted: mean error {wrong['mean_abs_error_s']} s, "
            f"worst {wrong['worst_abs_error_s']} s, actual/estimated "
            f"{wrong['mean_actual_over_estimate']}"
        )
    lines += [
        f"  longest wait  {longest_s:.1f} s (budget {budget_s:g} s)",
        f"  server RSS    start {rss['start']:.0f} MB, end {rss['end']:.0f} MB "
        f"({growth:+.1f}%); the model server alone {rss['model_start']:.0f} -> "
        f"{rss['model_end']:.0f} MB",
        "  targets       "
        + ", ".join(f"{name}: {'MET' if ok else 'MISSED'}" for name, ok in checks.items()),
    ]
    return "\n".join(lines), all(checks.values())


def _model_rss_mb(pid: int) -> float:
    servers = [p for p in process_tree(pid) if CHILD_MODULE in " ".join(p.cmdline())]
    return sum(float(p.memory_info().rss) for p in servers) / 2**20


async def run(args: argparse.Namespace) -> int:
    with embedded_concord_serve(request_timeout_s=args.budget_s) as server:
        rss = {"start": tree_rss_mb(server.pid), "model_start": _model_rss_mb(server.pid)}
        out, answers = await soak(server.base, args.budget_s)
        rss |= {"end": tree_rss_mb(server.pid), "model_end": _model_rss_mb(server.pid)}
    text, ok = report(out, answers, args.budget_s, rss)
    print(text)
    if args.json:
        summary = {**asdict(out), **asdict(answers)}
        summary |= {"statuses": dict(out.statuses), "lost": dict(out.lost)}  # not Counters
        summary |= {"longest_s": max(out.latencies_ms, default=0.0) / 1000}
        summary |= {"estimate_errors": estimate_errors(answers.estimates)}
        summary |= {"rss_mb": rss, "budget_s": args.budget_s, "ok": ok}
        write_json(Path(args.json), summary)
    return 0 if ok else 1


def write_json(path: Path, summary: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--budget-s", type=float, default=300.0, help="request budget")
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args(argv)
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
