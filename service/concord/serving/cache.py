"""The response cache: a size-bounded LRU of finished summaries, in memory.

A summary depends on the article, the prompt (its id *and* its content), the model, the output
schema and how grounding was applied; the key holds all of them, so changing any one of these
can never serve a stale answer.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

from concord.article import Article
from concord.observability import metrics
from concord.prompts import PromptTemplate
from concord.providers.connection import ConnectedModel
from concord.schema import GroundingPolicy, SummaryResult
from concord.settings import Settings


class CacheKey(NamedTuple):
    article_sha256: str
    title: str | None
    prompt_id: str
    prompt_hash: str
    provider: str
    model: str
    schema_hash: str
    grounding_policy: GroundingPolicy
    fuzzy_threshold: float


def cache_key(
    article: Article, prompt: PromptTemplate, model: ConnectedModel, settings: Settings
) -> CacheKey:
    """Everything a summary depends on, as one hashable key."""
    return CacheKey(
        article_sha256=article.sha256,
        title=article.title,
        prompt_id=prompt.id,
        prompt_hash=prompt.content_hash,
        provider=model.provider,
        model=model.model,
        schema_hash=prompt.schema_hash,
        grounding_policy=settings.grounding_policy,
        fuzzy_threshold=settings.fuzzy_threshold,
    )


class SummaryCache:
    """Least-recently-used cache; ``max_entries == 0`` turns it off."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[CacheKey, SummaryResult] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: CacheKey) -> SummaryResult | None:
        """The stored result marked ``meta.cached``, or None."""
        result = self._entries.get(key)
        metrics.cache_lookup("memory", hit=result is not None)
        if result is None:
            return None
        self._entries.move_to_end(key)
        return mark_cached(result)

    def put(self, key: CacheKey, result: SummaryResult) -> None:
        if self.max_entries <= 0:
            return
        self._entries[key] = result
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


def mark_cached(result: SummaryResult) -> SummaryResult:
    """A copy of ``result`` saying it was served without a model call of its own."""
    meta = result.meta.model_copy(update={"cached": True})
    return result.model_copy(update={"meta": meta})
