"""``python -m benchmarks`` (``make bench``): every section (overhead, concurrency, throughput,
cache, eval replay, the embedded model) in one table and one JSON file.

    python -m benchmarks                 # everything (a few minutes; the embedded model most)
    python -m benchmarks --quick         # smoke run: few samples, one round each
    python -m benchmarks --only overhead cache
    python -m benchmarks --skip embedded length
    python -m benchmarks --only length   # cost against article length (~30-60 min on 2 cores)
    python -m benchmarks --only floor    # Concord beside the one plain call (~15 min)

Numbers are only comparable within one run: each section alternates or interleaves what it
compares, warms up first, and reports medians with their spread.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import platform
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import NotRequired, TypedDict

from benchmarks.context import Size
from benchmarks.sample import ROOT
from benchmarks.stats import Row, render_table

SECTIONS = {
    "overhead": "benchmarks.overhead",
    "concurrency": "benchmarks.concurrency",
    "throughput": "benchmarks.throughput",
    "cache": "benchmarks.cache",
    "eval": "benchmarks.eval_replay",
    "embedded": "benchmarks.embedded",
    "floor": "benchmarks.floor",
    "length": "benchmarks.length_growth",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 when any target is missed (for a CI job)"
    )
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    parser.add_argument("--skip", nargs="+", choices=SECTIONS, default=[], help="skip these")
    parser.add_argument(
        "--json", type=Path, default=ROOT / "reports" / "bench.json", help="where to write JSON"
    )
    return parser.parse_args(argv)


class Machine(TypedDict):
    cores: int | None
    cores_usable: int
    load_average: tuple[float, float, float]
    python: str
    platform: str
    load_average_end: NotRequired[tuple[float, float, float]]


def machine() -> Machine:
    return {
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


async def run_section(name: str, size: Size) -> tuple[list[Row], float]:
    started = time.perf_counter()
    try:
        module = importlib.import_module(SECTIONS[name])
        rows: list[Row] = await module.run(size)
    except Exception as exc:  # one broken section must not hide the others
        traceback.print_exc()
        rows = [Row(name, "section failed", f"ERROR: {type(exc).__name__}: {exc}"[:200])]
    return rows, time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    size = Size(quick=args.quick)
    # "floor" alone is a part of "embedded", which runs it: not twice in a whole run.
    everything = [n for n in SECTIONS if n != "floor"]
    chosen = [n for n in (args.only or everything) if n not in args.skip]
    info = machine()
    print(
        f"machine: {info['cores']} cores ({info['cores_usable']} usable), load average "
        f"{', '.join(f'{x:.2f}' for x in info['load_average'])}, Python {info['python']}"
        f"{' — QUICK smoke run, not a measurement' if size.quick else ''}",
        flush=True,
    )
    rows: list[Row] = []
    durations: dict[str, float] = {}
    for name in chosen:
        print(f"… {name}", flush=True)
        section_rows, durations[name] = asyncio.run(run_section(name, size))
        rows += section_rows
    print()
    print(render_table(rows))
    info["load_average_end"] = os.getloadavg()
    print(
        f"\n{info['cores']} cores; load average at the end "
        f"{', '.join(f'{x:.2f}' for x in info['load_average_end'])}; ratios compare only within "
        "this run."
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": size.quick,
        "machine": info,
        "section_seconds": durations,
        "rows": [row.as_json() for row in rows],
    }
    args.json.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"JSON: {args.json}")
    missed = [row for row in rows if row.met is False]
    print(f"targets missed: {len(missed)} of {sum(row.met is not None for row in rows)}")
    # A missed target is information, not a crash: machines differ. --strict makes it a failure.
    return 1 if missed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
