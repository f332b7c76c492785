"""The real embedded model, end to end through the pipeline, on a short article.

Slow (model load plus ~10-20 s of generation on two cores): marked ``local_model`` so it can be
skipped locally with ``make unit``; ``make test`` and CI run it.
"""

from __future__ import annotations

import pytest

from concord.article import check_article
from concord.pipeline import PipelineOptions, summarise
from concord.prompts import load_prompt
from concord.providers.connection import connect
from concord.providers.embedded.catalog import DEFAULT_EMBEDDED
from concord.providers.profiles import parse_model_id
from concord.settings import Settings

pytestmark = pytest.mark.local_model

ARTICLE = (
    "German Chancellor Olaf Scholz and French President Emmanuel Macron agreed on Tuesday to "
    'build a joint fighter jet. "We will share the costs equally," Scholz said in Berlin. '
    "Macron said France would lead the design work."
)


async def test_embedded_model_summarises_a_short_article() -> None:
    settings = Settings(model="local", max_tokens=700)
    article = check_article(ARTICLE, max_chars=settings.max_article_chars)
    async with connect(settings, parse_model_id(settings.model)) as model:
        result = await summarise(
            article, model, load_prompt("summarise/v1"), PipelineOptions.from_settings(settings)
        )
    assert result.meta.provider == "local"
    assert result.meta.model == DEFAULT_EMBEDDED.name
    assert result.meta.usage.completion_tokens > 0
    names = " ".join(p.name for p in result.summary.participants)
    assert "Scholz" in names
    assert "Macron" in names
    # The model quotes the article; grounding must find most of what it quotes.
    assert result.meta.grounding.quotes > 0
    assert result.meta.grounding.ratio >= 0.5
