"""How fast a model server is, as measured here: prefill and generation tokens per second.

Every model call reports its tokens and its time (``heard``, from ``providers.call``); a
process that wants to know its models' speed (a server's admission) listens for the duration
of its work (``listening``). llama.cpp says how its time split between reading the prompt and
generating (``timings``), which gives both speeds exactly; a provider that does not say is
taken to have read the prompt at the speed measured so far (none: free) and to have spent the
rest generating, so the two still add up to what the call took.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass

_SMOOTHING = 0.2  # weight of the newest call in the running means
_MIN_GENERATION_SHARE = 0.1  # of a call's time, when the server does not say how it split


@dataclass(frozen=True, slots=True)
class CallSample:
    """What one successful call says about its server's speed."""

    evaluated_tokens: int  # prompt tokens the server had to read (its cache's hits excluded)
    generated_tokens: int
    seconds: float
    prefill_s: float | None = None  # the server's own split of ``seconds``, when it gives one
    generate_s: float | None = None


def _mean(old: float | None, new: float) -> float:
    return new if old is None else old + _SMOOTHING * (new - old)


class ModelSpeed:
    """Running estimates of one model's prefill and generation speed (tokens/s)."""

    def __init__(self) -> None:
        self.prefill_tps: float | None = None
        self.generate_tps: float | None = None
        self.calls = 0

    def record(self, sample: CallSample) -> None:
        self.calls += 1
        if sample.prefill_s is not None and sample.evaluated_tokens > 0 and sample.prefill_s > 0:
            self.prefill_tps = _mean(self.prefill_tps, sample.evaluated_tokens / sample.prefill_s)
        if sample.generated_tokens <= 0 or sample.seconds <= 0:
            return
        generate_s = sample.generate_s
        if generate_s is None:
            reading = sample.evaluated_tokens / self.prefill_tps if self.prefill_tps else 0.0
            generate_s = max(sample.seconds - reading, _MIN_GENERATION_SHARE * sample.seconds)
        if generate_s > 0:
            self.generate_tps = _mean(self.generate_tps, sample.generated_tokens / generate_s)

    def seconds_for(self, evaluated_tokens: float, generated_tokens: float) -> float | None:
        """Seconds a call reading and writing that many tokens takes; None before any call."""
        if self.generate_tps is None:
            return None
        reading = evaluated_tokens / self.prefill_tps if self.prefill_tps else 0.0
        return reading + generated_tokens / self.generate_tps


class Speeds:
    """``ModelSpeed`` by ``provider:model``."""

    def __init__(self) -> None:
        self._by_model: dict[str, ModelSpeed] = {}

    def of(self, model_key: str) -> ModelSpeed:
        return self._by_model.setdefault(model_key, ModelSpeed())

    def record(self, model_key: str, sample: CallSample) -> None:
        self.of(model_key).record(sample)


_listener: contextvars.ContextVar[Speeds | None] = contextvars.ContextVar(
    "model_speeds", default=None
)


@contextlib.contextmanager
def listening(speeds: Speeds) -> Iterator[None]:
    """Calls made in the block (and in tasks it starts) are recorded in ``speeds``."""
    token = _listener.set(speeds)
    try:
        yield
    finally:
        _listener.reset(token)


def heard(model_key: str, sample: CallSample) -> None:
    """A call finished: tell whoever listens."""
    if (speeds := _listener.get()) is not None:
        speeds.record(model_key, sample)
