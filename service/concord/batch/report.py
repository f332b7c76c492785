"""What a person watching a batch sees: a progress bar with rate and ETA on a terminal, and a
closing table (done, failed by problem type, tokens, time). Without a terminal (a log file,
CI) there is no bar, only the table."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text


class RateColumn(ProgressColumn):
    """Articles per second, from rich's own moving estimate."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("-- /s" if speed is None else f"{speed:.2f}/s", style="progress.data.speed")


@dataclass
class Tally:
    """What this run did, for the closing table and the exit code."""

    total: int
    skipped: int  # already in the output from an earlier run
    earlier_failed: int  # ... of which failed then
    done: int = 0
    failed: Counter[str] = field(default_factory=Counter)  # problem type slug → count
    tokens: Counter[str] = field(default_factory=Counter)
    started: float = field(default_factory=time.monotonic)

    def count(self, record: dict[str, Any]) -> None:
        if "problem" in record:
            self.failed[str(record["problem"].get("type", "")).rsplit("/", 1)[-1]] += 1
            return
        self.done += 1
        usage = record.get("meta", {}).get("usage", {})
        self.tokens.update({name: int(value) for name, value in usage.items()})

    @property
    def any_failed(self) -> bool:
        return bool(self.earlier_failed or sum(self.failed.values()))


class BatchView:
    """The bar (on a terminal only) and the closing table, on standard error."""

    def __init__(self, tally: Tally, console: Console | None = None) -> None:
        self.tally = tally
        self.console = console or Console(stderr=True)
        self.progress = Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            TimeElapsedColumn(),
            console=self.console,
            disable=not self.console.is_terminal,
        )
        self.task = self.progress.add_task("summarising", total=tally.total - tally.skipped)

    def __enter__(self) -> BatchView:
        self.progress.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.progress.stop()

    def finished(self, record: dict[str, Any]) -> None:
        self.tally.count(record)
        self.progress.advance(self.task)

    def table(self) -> Table:
        tally = self.tally
        table = Table(title="concord batch", show_header=False)
        table.add_column("what")
        table.add_column("count", justify="right")
        table.add_row("articles in the corpus", str(tally.total))
        table.add_row("already in the output (skipped)", str(tally.skipped))
        if tally.earlier_failed:
            table.add_row("  … of which failed earlier", str(tally.earlier_failed))
        table.add_row("summarised now", str(tally.done))
        for slug, count in sorted(tally.failed.items()):
            table.add_row(f"failed now: {slug}", str(count))
        for name in ("prompt_tokens", "completion_tokens", "total_tokens"):
            table.add_row(name.replace("_", " "), f"{tally.tokens[name]:,}")
        table.add_row("time", f"{time.monotonic() - tally.started:.1f} s")
        return table

    def print_table(self) -> None:
        self.console.print(self.table())
