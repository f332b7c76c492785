"""How long a summary of this article will take on this server, from what it has measured.

A summary's time is what its model calls read and write at the speeds this process measured
(``providers.speed``: a warm-up call when the embedded model starts, then every call): the
article's tokens (about one per ``CHARS_PER_TOKEN`` characters) plus the prompt's own
(instructions and questions, learnt as a running mean of what summaries read beyond their
article), at the prefill speed, and the generated tokens of a summary (a running mean) at the
generation speed. Until a model has a measured speed, the running mean of its summaries'
seconds stands in, and before even that a fixed guess.
"""

from __future__ import annotations

from dataclasses import dataclass

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

    def __init__(self, speeds: Speeds | None = None) -> None:
        self.speeds = speeds or Speeds()
        self._costs: dict[str, _SummaryCosts] = {}

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
        from_speed = self.speeds.of(key).seconds_for(
            chars / CHARS_PER_TOKEN
            + (FIRST_PROMPT_TOKENS if costs.prompt_tokens is None else costs.prompt_tokens),
            FIRST_GENERATED_TOKENS if costs.generated_tokens is None else costs.generated_tokens,
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
            beyond = usage.prompt_tokens - cached - article_chars / CHARS_PER_TOKEN
            costs.prompt_tokens = _mean(costs.prompt_tokens, max(0.0, beyond))
            costs.generated_tokens = _mean(costs.generated_tokens, usage.completion_tokens)
        metrics.summary_estimate(model.provider, model.model, self.estimate(model))
