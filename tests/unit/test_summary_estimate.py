"""The estimate admission works from: measured prefill and generation speed, and what a summary
reads and writes, scaled by the article's length."""

from __future__ import annotations

import pytest

from concord.providers.connection import ConnectedModel
from concord.providers.profiles import PROFILES
from concord.providers.speed import CallSample, ModelSpeed
from concord.schema import GroundingCounts, Meta, PassStats, Summary, SummaryResult, Usage
from concord.serving.summary_estimate import CHARS_PER_TOKEN, SummaryEstimates

MODEL = ConnectedModel(client=None, profile=PROFILES["local"], model="m")  # type: ignore[arg-type]


def test_llama_cpps_own_split_gives_both_speeds_exactly() -> None:
    speed = ModelSpeed()
    speed.record(CallSample(400, 30, seconds=5.0, prefill_s=2.0, generate_s=3.0))
    assert speed.prefill_tps == 200
    assert speed.generate_tps == 10
    assert speed.seconds_for(1000, 100) == 1000 / 200 + 100 / 10


def test_without_a_split_the_prompt_is_read_at_the_known_speed_and_the_rest_is_generation() -> None:
    speed = ModelSpeed()
    speed.record(CallSample(400, 30, seconds=5.0, prefill_s=2.0, generate_s=3.0))
    speed.record(CallSample(1000, 40, seconds=9.0))  # 5 s reading at 200/s, 4 s writing
    assert speed.prefill_tps == 200
    assert speed.generate_tps == pytest.approx(10 + 0.2 * (40 / 4 - 10))


def _result(prompt: int, cached: int, generated: int) -> SummaryResult:
    passes = [PassStats(name="participants", calls=1, prompt_tokens=prompt, cached_tokens=cached,
                        completion_tokens=generated, latency_ms=1.0)]  # fmt: skip
    usage = Usage(prompt_tokens=prompt, completion_tokens=generated,
                  total_tokens=prompt + generated)  # fmt: skip
    meta = Meta(provider="local", model="m", prompt_version="summarise/v3", prompt_hash="h",
                schema_hash="s", calls=1, usage=usage, latency_ms=1.0, passes=passes,
                grounding=GroundingCounts())  # fmt: skip
    return SummaryResult(
        summary=Summary(participants=[], agreements=[], disagreements=[]), meta=meta
    )


def test_a_longer_article_is_expected_to_take_longer_at_the_measured_speed() -> None:
    estimates = SummaryEstimates()
    assert not estimates.measured(MODEL)
    assert estimates.estimate(MODEL) == 45.0  # the old fixed guess, only before any measure
    estimates.speeds.record("local:m", CallSample(100, 10, seconds=2.0, prefill_s=1.0,
                                                  generate_s=1.0))  # fmt: skip
    assert estimates.measured(MODEL)
    chars = 4000
    # It read the article (1,000 tokens) plus 500 of its own, 300 of them from the cache, and
    # wrote 200 tokens: 200 prompt tokens of its own to read at 100/s, 200 to write at 10/s.
    estimates.record(MODEL, chars, 30.0, _result(prompt=1500, cached=300, generated=200))
    short, long = estimates.estimate(MODEL, 400), estimates.estimate(MODEL, 8000)
    assert short == pytest.approx((400 / CHARS_PER_TOKEN + 200) / 100 + 200 / 10)
    assert long - short == pytest.approx((8000 - 400) / CHARS_PER_TOKEN / 100)
