"""Section 5, eval replay: wall time of ``concord eval`` over every shipped case.

As a subprocess (what a developer and CI wait for, interpreter start and imports included),
next to ``concord --help`` (the start-up floor: interpreter plus the CLI's imports) and the same
replay in-process after a warm-up (the work itself, imports excluded).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import io
import statistics
import subprocess
import tempfile
import time

from benchmarks.context import Size
from benchmarks.processes import CONCORD
from benchmarks.sample import ROOT
from benchmarks.stats import Row


def _timed(argv: list[str]) -> tuple[float, int, str]:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
    return time.perf_counter() - started, done.returncode, (done.stderr or done.stdout)[-300:]


def _in_process(reports: str) -> float:
    from concord.cli import main  # noqa: PLC0415 - imported late so the floor stays separate

    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        main(["eval", "--reports-dir", reports])
    return time.perf_counter() - started


async def run(size: Size) -> list[Row]:
    if importlib.util.find_spec("concord.evaluation.command") is None:
        return [
            Row(
                "5 eval replay",
                "concord eval",
                "SKIPPED: service/concord/evaluation/command.py missing",
            )
        ]
    reps = size.pick(1, 3)
    with tempfile.TemporaryDirectory() as reports:
        runs = [_timed([CONCORD, "eval", "--reports-dir", reports]) for _ in range(reps)]
        floor = [_timed([CONCORD, "--help"])[0] for _ in range(reps)]
        await asyncio.to_thread(_in_process, reports)  # warm-up: imports, caches
        inner = [await asyncio.to_thread(_in_process, reports) for _ in range(reps)]
    walls = [wall for wall, _, _ in runs]
    codes = sorted({code for _, code, _ in runs})
    wall = statistics.median(walls)
    cassettes = len(list((ROOT / "evals" / "cassettes").glob("*/*.yaml")))
    note = "" if codes == [0] else f"; exit {codes}: {runs[-1][2].strip().splitlines()[-1:]}"
    return [
        Row(
            "5 eval replay",
            f"concord eval, subprocess, {cassettes} cassette(s) (median of {reps})",
            f"{wall:.2f} s (min {min(walls):.2f}, max {max(walls):.2f}){note}",
            target="< 5 s",
            met=wall < 5.0 and codes == [0],
            detail={"walls_s": walls, "exit_codes": codes, "cassettes": cassettes},
        ),
        Row(
            "5 eval replay",
            "start-up floor: concord --help",
            f"{statistics.median(floor):.2f} s",
            detail={"walls_s": floor},
        ),
        Row(
            "5 eval replay",
            "replay in-process, warm",
            f"{statistics.median(inner):.2f} s",
            detail={"walls_s": inner},
        ),
    ]
