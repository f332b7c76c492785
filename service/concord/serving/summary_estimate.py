"""How long a summary of this article will take on this server, from what it has measured.

A summary's time is what its model calls read and write at the speeds this process measured
(``providers.speed``: a warm-up call when the embedded model starts, then every call): the
article's tokens (about one per ``CHARS_PER_TOKEN`` characters) plus the prompt's own
(instructions and questions, learnt as a running mean of what summaries read beyond their
article), at the prefill speed, and the generated tokens of a summary (a running mean) at the
generation speed. Until a model has a measured speed, the running mean of its summaries'
seconds stands in, and before even that a fixed guess.

A long article is summarised in chunks (``concord.chunks``): every chunk costs the prompt's own
tokens and a summary's generated tokens again, and its text is read twice (once for the
participants, once for the points, with the merged participants in between), so both means are
kept per piece and an estimate multiplies them by the pieces the article will be cut into.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from concord.chunks import NUMBERING_CHARS, ChunkOptions, chunk_limit
from concord.observability import metrics
from concord.providers.connection import ConnectedModel
from concord.providers.speed import Speeds
from concord.schema import SummaryResult

CHARS_PER_TOKEN = 4.0
_SMOOTHING = 0.2
# Before a summary has been measured: the multi-pass prompt on the embedded model reads about
# 1,200 tokens besides the article (system message, instructions, four questions) and writes
# about 900 (its four passes' caps add up to 2,100).
FIRST_PROMPT_TOKENS = 1200.0
FIRST_GENERATED_TOKENS = 900.0
# With no speed measured at all: the embedded model's old fixed guess; hosted models take seconds.
FIRST_GUESS_S = {"local": 45.0}
DEFAULT_FIRST_GUESS_S = 5.0
TYPICAL_ARTICLE_CHARS = 3000.0
# A chunked article's text is read this many times (participants, then the points).
CHUNKED_READS = 2.0
# A sentence of news is ~130 characters; numbering it ("[12] ") adds NUMBERING_CHARS.
_NUMBERED_GROWTH = 1 + NUMBERING_CHARS / 130


def model_key(model: ConnectedModel) -> str:
    return f"{model.provider}:{model.model}"


def _mean(old: float | None, new: float) -> float:
    return new if old is None else old + _SMOOTHING * (new - old)


@dataclass
class _SummaryCosts:
    prompt_tokens: float | None = None  # read beyond the article, per summary
    generated_tokens: float | None = None  # per summary
    seconds: float | None = None  # per summary, whatever the article
    article_chars: float | None = None  # of the articles summarised


class SummaryEstimates:
    """Seconds per summary by model, from the speeds in ``speeds`` and the summaries seen."""

    def __init__(self, speeds: Speeds | None = None, chunking: ChunkOptions | None = None) -> None:
        self.speeds = speeds or Speeds()
        self.chunking = chunking
        self._costs: dict[str, _SummaryCosts] = {}

    def pieces(self, model: ConnectedModel, article_chars: float) -> int:
        """The chunks an article of ``article_chars`` is summarised in on ``model`` (1: whole)."""
        if self.chunking is None:
            return 1
        numbered = article_chars * _NUMBERED_GROWTH
        return max(1, math.ceil(numbered / chunk_limit(self.chunking, model.window)))

    def measured(self, model: ConnectedModel) -> bool:
        """Whether the estimate for ``model`` rests on a measurement rather than a guess."""
        costs = self._costs.get(model_key(model))
        return self.speeds.of(model_key(model)).generate_tps is not None or (
            costs is not None and costs.seconds is not None
        )

    def estimate(self, model: ConnectedModel, article_chars: float | None = None) -> float:
        """Seconds a summary of an article of ``article_chars`` (default: a typical one here)
        takes on ``model``."""
        key = model_key(model)
        costs = self._costs.get(key, _SummaryCosts())
        chars = article_chars or costs.article_chars or TYPICAL_ARTICLE_CHARS
        pieces = self.pieces(model, chars)
        reads = 1.0 if pieces == 1 else CHUNKED_READS
        per_piece_prompt = (
            FIRST_PROMPT_TOKENS if costs.prompt_tokens is None else costs.prompt_tokens
        )
        per_piece_generated = (
            FIRST_GENERATED_TOKENS if costs.generated_tokens is None else costs.generated_tokens
        )
        from_speed = self.speeds.of(key).seconds_for(
            reads * chars / CHARS_PER_TOKEN + pieces * per_piece_prompt,
            pieces * per_piece_generated,
        )
        if from_speed is not None:
            return from_speed
        if costs.seconds is not None:
            return costs.seconds
        return FIRST_GUESS_S.get(model.provider, DEFAULT_FIRST_GUESS_S)

    def record(
        self,
        model: ConnectedModel,
        article_chars: int,
        seconds: float,
        result: SummaryResult | None = None,
    ) -> None:
        """A summary took ``seconds``; ``result`` (when it finished) says what it read and wrote."""
        costs = self._costs.setdefault(model_key(model), _SummaryCosts())
        costs.seconds = _mean(costs.seconds, seconds)
        costs.article_chars = _mean(costs.article_chars, article_chars)
        if result is not None and result.meta.usage.total_tokens > 0:
            usage = result.meta.usage
            cached = sum(stats.cached_tokens for stats in result.meta.passes)
            pieces = result.meta.chunks.count if result.meta.chunks is not None else 1
            reads = 1.0 if pieces == 1 else CHUNKED_READS
            beyond = usage.prompt_tokens - cached - reads * article_chars / CHARS_PER_TOKEN
            costs.prompt_tokens = _mean(costs.prompt_tokens, max(0.0, beyond) / pieces)
            costs.generated_tokens = _mean(costs.generated_tokens, usage.completion_tokens / pieces)
        metrics.summary_estimate(model.provider, model.model, self.estimate(model))
