"""The pipeline: article → prompt → model → validation → grounding → summary.

``summarise`` is the one entry point the CLI, the HTTP API, the eval runner and the benchmarks
share. It takes an already-checked ``Article`` and an already-connected model, so callers
decide how long a model lives (one CLI run, or a whole server process). ``summarise_text`` is
the one-shot wrapper for a single text (``concord summarise`` and ``concord.summarise``): check
the text, load the prompt, connect the model, summarise, disconnect.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

from concord.article import Article, check_article
from concord.chunks import ChunkOptions
from concord.grounding import ground_summary
from concord.multipass import summarise_by_sentences
from concord.observability import tracing
from concord.progress import ProgressCallback, StepClock
from concord.prompts import PromptTemplate, article_values, load_prompt
from concord.providers.call import CallOptions
from concord.providers.connection import ConnectedModel, connect
from concord.providers.profiles import parse_model_id
from concord.schema import GroundingPolicy, Meta, SummaryResult
from concord.settings import Settings
from concord.structured_output import request_summary

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PipelineOptions:
    """The knobs of one summarise run."""

    max_attempts: int = 3
    grounding_policy: GroundingPolicy = "flag"
    fuzzy_threshold: float = 90.0
    call: CallOptions = field(default_factory=CallOptions)
    log_article_text: bool = False  # articles may be confidential: off unless asked for
    chunking: ChunkOptions | None = field(default_factory=ChunkOptions)  # None: never chunk
    # Keep a title ("Ms.", "Capt.") with the name after it when splitting sentences. Off only
    # to replay what was recorded before the splitter learnt it (prompts from v5 always join).
    join_titles: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> PipelineOptions:
        return cls(
            max_attempts=settings.max_attempts,
            grounding_policy=settings.grounding_policy,
            fuzzy_threshold=settings.fuzzy_threshold,
            log_article_text=settings.log_article_text,
            chunking=ChunkOptions(
                max_chars=settings.chunk_chars,
                overlap_sentences=settings.chunk_overlap_sentences,
                concurrency=settings.chunk_concurrency,
            ),
            call=CallOptions(
                temperature=settings.temperature,
                max_tokens=settings.max_tokens,
                transient_retries=settings.transient_retries,
                max_backoff_s=settings.max_backoff_s,
            ),
        )


def render_prompt(prompt: PromptTemplate, article: Article) -> list[dict[str, str]]:
    """Fill the template; the article is fenced, and a fence inside it is defused."""
    return prompt.render(**article_values(article.text, article.title))


async def summarise(
    article: Article,
    model: ConnectedModel,
    prompt: PromptTemplate,
    options: PipelineOptions,
    *,
    on_progress: ProgressCallback | None = None,
) -> SummaryResult:
    """Summarise one article with one model; raises a ``ConcordError`` subclass on failure.

    ``on_progress`` hears each step start and finish (see ``concord.progress``)."""
    steps = StepClock(on_progress)
    attributes = {
        "gen_ai.request.model": model.model,
        "gen_ai.provider.name": model.provider,
        "concord.prompt_version": prompt.id,
        "concord.article_chars": len(article.text),  # its length only: never its text
    }
    with tracing.span("summarise", attributes):
        try:
            return await _summarise(article, model, prompt, options, steps)
        except BaseException as error:
            steps.failed(error)
            raise


async def _summarise(
    article: Article,
    model: ConnectedModel,
    prompt: PromptTemplate,
    options: PipelineOptions,
    steps: StepClock,
) -> SummaryResult:
    started = time.perf_counter()
    if options.log_article_text:
        log.debug("article text (%d chars): %s", len(article.text), article.text)
    extra: dict[str, Any] = {}
    if prompt.kind == "sentences":
        outcome = await summarise_by_sentences(
            article,
            model,
            prompt,
            call=options.call,
            max_attempts=options.max_attempts,
            policy=options.grounding_policy,
            steps=steps,
            chunking=options.chunking,
            join_titles=options.join_titles,
        )
        summary, counts, calls, usage = (
            outcome.summary,
            outcome.counts,
            outcome.calls,
            outcome.usage,
        )
        extra = {
            "passes": outcome.passes,
            "withheld": outcome.withheld,
            "verification": outcome.verification,
            "chunks": outcome.chunks,
        }
    else:
        steps.started("prompt")
        messages = render_prompt(prompt, article)
        steps.finished("prompt", {"prompt_version": prompt.id, "messages": len(messages)})
        steps.started("model")  # ask → validate → repair, until the answer fits the schema
        output = await request_summary(model, prompt, messages, options.call, options.max_attempts)
        steps.finished(
            "model",
            {
                "calls": output.calls,
                "usage": output.usage.model_dump(mode="json"),
                "summary": output.value.model_dump(mode="json"),
            },
        )
        steps.started("grounding")
        summary, counts = ground_summary(
            output.value,
            article.text,
            policy=options.grounding_policy,
            fuzzy_threshold=options.fuzzy_threshold,
        )
        steps.finished("grounding", {"grounding": counts.model_dump(mode="json")})
        calls, usage = output.calls, output.usage
    meta = Meta(
        provider=model.provider,
        model=model.model,
        prompt_version=prompt.id,
        prompt_hash=prompt.content_hash,
        schema_hash=prompt.schema_hash,
        calls=calls,
        usage=usage,
        latency_ms=round((time.perf_counter() - started) * 1000, 1),
        grounding=counts,
        **extra,
    )
    log.info(
        "summarised %d chars with %s:%s in %.0f ms (%d model call(s), %d/%d quotes grounded)",
        len(article.text),
        meta.provider,
        meta.model,
        meta.latency_ms,
        meta.calls,
        counts.grounded,
        counts.quotes,
    )
    return SummaryResult(summary=summary, meta=meta)


async def summarise_text(
    text: str,
    settings: Settings,
    *,
    model: str | None = None,
    provider: str | None = None,
    title: str | None = None,
    on_progress: ProgressCallback | None = None,
) -> SummaryResult:
    """Summarise one text with a model opened for this call only (the embedded one is started
    and stopped); ``model`` and ``provider`` override ``settings.model`` as ``--model`` and
    ``--provider`` do. The model id and prompt are checked first, then the text, before any
    model starts."""
    ref = parse_model_id(model or provider or settings.model, provider if model else None)
    prompt = load_prompt(settings.prompt_version, settings.prompts_dir)
    article = check_article(text, max_chars=settings.max_article_chars, title=title)
    async with connect(settings, ref) as connected:
        return await summarise(
            article,
            connected,
            prompt,
            PipelineOptions.from_settings(settings),
            on_progress=on_progress,
        )
