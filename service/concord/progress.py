"""What the pipeline reports while it works: one event as each step starts and finishes.

A summary takes tens of seconds on the embedded model; the reader page, the server-sent events
of ``POST /v1/summaries`` and the CLI's progress line all show these events as they come. They
carry the step's name as data, so a consumer shows whatever steps the pipeline has without a
list of its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from concord.observability import metrics
from concord.observability.tracing import StepSpan


@dataclass(frozen=True, slots=True)
class StepEvent:
    """One step of one summarise call starting or finishing."""

    step: str  # pipeline step name, e.g. "prompt", "model", "grounding"
    phase: Literal["started", "finished"]
    elapsed_ms: float  # since the summarise call began
    partial: dict[str, Any] | None = None  # JSON-able partial result on "finished", if any


ProgressCallback = Callable[[StepEvent], None]


class StepClock:
    """Emits ``StepEvent``s timed from its own creation; silent when there is no callback.

    Every step also gets a trace span and its time on ``/metrics``, whoever listens."""

    def __init__(self, on_progress: ProgressCallback | None) -> None:
        self._on_progress = on_progress
        self._started = time.perf_counter()
        self._open: dict[str, tuple[float, StepSpan]] = {}

    def elapsed_ms(self) -> float:
        return round((time.perf_counter() - self._started) * 1000, 1)

    def started(self, step: str) -> None:
        self._open[step] = (time.perf_counter(), StepSpan(step))
        if self._on_progress is not None:
            self._on_progress(StepEvent(step, "started", self.elapsed_ms()))

    def finished(self, step: str, partial: dict[str, Any] | None = None) -> None:
        if (opened := self._open.pop(step, None)) is not None:
            metrics.step_finished(step, time.perf_counter() - opened[0])
            opened[1].end()
        if self._on_progress is not None:
            self._on_progress(StepEvent(step, "finished", self.elapsed_ms(), partial))

    def failed(self, error: BaseException) -> None:
        """End the spans of the steps ``error`` cut short, newest first."""
        while self._open:
            _, (_, span) = self._open.popitem()
            span.end(error)
