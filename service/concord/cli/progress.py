"""``concord summarise`` on a terminal: each pipeline step and its time, drawn with ``rich``.

Only for a person watching: when standard output is not a terminal (a pipe, a file, a script)
or with ``--quiet`` nothing is drawn at all, and even on a terminal the drawing goes to
standard error, so standard output holds the JSON and nothing else.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from concord.progress import ProgressCallback, StepEvent


def wants_progress(quiet: bool) -> bool:
    """Draw progress only for a person at a terminal who did not ask for quiet."""
    return not quiet and sys.stdout.isatty() and sys.stderr.isatty()


@contextlib.contextmanager
def terminal_progress(enabled: bool) -> Iterator[ProgressCallback | None]:
    """A ``ProgressCallback`` drawing one line per step on standard error, or None if disabled."""
    if not enabled:
        yield None
        return
    columns = (
        SpinnerColumn(finished_text="✓"),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),  # ticks while a step runs: the model step takes tens of seconds
    )
    with Progress(*columns, console=Console(stderr=True)) as progress:
        tasks: dict[str, TaskID] = {}

        def on_step(event: StepEvent) -> None:
            seconds = event.elapsed_ms / 1000
            if event.phase == "started":
                tasks[event.step] = progress.add_task(
                    f"{event.step} (from {seconds:.1f} s)", total=1
                )
            elif (task := tasks.get(event.step)) is not None:
                progress.update(
                    task, completed=1, description=f"{event.step} done at {seconds:.1f} s"
                )

        yield on_step
