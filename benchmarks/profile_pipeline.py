"""Where the in-process overhead goes: ``summarise(...)`` against the instant stub, profiled.

Not part of ``python -m benchmarks``; run it when the overhead target is missed::

    pip install pyinstrument==5.1.3
    python -m benchmarks.profile_pipeline [--calls 300] [--html reports/profile.html]

It prints the call tree trimmed to frames that take at least 1% of the time.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from benchmarks import processes
from benchmarks.context import pipeline
from concord.pipeline import summarise

try:
    from pyinstrument import Profiler
except ImportError:  # an optional tool, not a project dependency
    raise SystemExit("pyinstrument is not installed: pip install pyinstrument==5.1.3") from None


async def profile(calls: int) -> Profiler:
    with processes.stub(0) as url:
        async with pipeline(url) as pipe:
            for _ in range(30):  # warm-up: imports, caches, connections
                await summarise(pipe.article, pipe.model, pipe.prompt, pipe.options)
            profiler = Profiler(interval=0.0002, async_mode="disabled")
            profiler.start()
            for _ in range(calls):
                await summarise(pipe.article, pipe.model, pipe.prompt, pipe.options)
            profiler.stop()
    return profiler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--html", type=Path)
    args = parser.parse_args()
    profiler = asyncio.run(profile(args.calls))
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html is not None:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(profiler.output_html(), encoding="utf-8")
        print(f"HTML: {args.html}")


if __name__ == "__main__":
    main()
