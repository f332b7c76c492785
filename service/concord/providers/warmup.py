"""A short first call to the embedded model, so the server knows its speed before any request.

Admission needs to know how long a summary takes here before the first one finishes: on a
busy two-core machine the embedded model's first summary can take minutes, and a fixed guess
admitted requests that then ran out of budget. One call reading a paragraph and writing a few
dozen tokens takes seconds and, through llama.cpp's ``timings``, measures both the prefill and
the generation speed (``providers.speed``). A warm-up that fails is logged and skipped: the
first summary then teaches the estimate instead.
"""

from __future__ import annotations

import asyncio
import logging

from concord.errors import ConcordError
from concord.providers.call import CallOptions, call_model
from concord.providers.connection import ConnectedModel
from concord.providers.speed import Speeds, listening

log = logging.getLogger(__name__)

WARMUP_TIMEOUT_S = 120.0
# A paragraph of about 150 tokens, and an answer capped at 32 tokens: enough of each to time.
_PARAGRAPH = (
    "The city council met on Tuesday to discuss the new budget. The mayor proposed more money "
    "for schools and roads, while two councillors asked for lower taxes instead. After a long "
    "debate the council agreed to fund the road repairs, but the members could not agree on "
    "the schools and postponed the vote to next month. Residents who attended the meeting "
    "said they hoped for a decision before the summer, when the next school year is planned."
)
_MESSAGES = [
    {"role": "system", "content": "You answer in one short sentence."},
    {"role": "user", "content": f"{_PARAGRAPH}\n\nWhat did the council agree on?"},
]
_OPTIONS = CallOptions(temperature=0.0, max_tokens=32, transient_retries=0)


async def warm_up(model: ConnectedModel, speeds: Speeds) -> None:
    """Make one short call to ``model`` and record its speed in ``speeds``."""
    try:
        with listening(speeds):
            async with asyncio.timeout(WARMUP_TIMEOUT_S):
                await call_model(model, _MESSAGES, _OPTIONS)
    except (ConcordError, TimeoutError) as exc:
        log.warning("warm-up call to %s failed (%s); the first summary will time it", model.model,
                    type(exc).__name__)  # fmt: skip
        return
    speed = speeds.of(f"{model.provider}:{model.model}")
    log.info("warm-up: %s reads %s tokens/s and writes %s tokens/s", model.model,
             _shown(speed.prefill_tps), _shown(speed.generate_tps))  # fmt: skip


def _shown(rate: float | None) -> str:
    return "?" if rate is None else f"{rate:.0f}"
