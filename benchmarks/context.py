"""What every section gets: the run's size (quick or full) and in-process Concord objects."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from benchmarks.sample import STUB_MODEL_ID, STUB_PROMPT_VERSION, article_text
from concord.article import Article, check_article
from concord.pipeline import PipelineOptions, render_prompt
from concord.prompts import PromptTemplate, load_prompt
from concord.providers.connection import ConnectedModel, connect
from concord.providers.profiles import parse_model_id
from concord.settings import Settings
from concord.structured_output import response_format_for


@dataclass(frozen=True)
class Size:
    """How many samples to take; ``quick`` is a smoke run, not a measurement."""

    quick: bool

    def pick(self, quick: int, full: int) -> int:
        return quick if self.quick else full

    def pick_f(self, quick: float, full: float) -> float:
        return quick if self.quick else full


def stub_settings(base_url: str, **overrides: Any) -> Settings:
    fields: dict[str, Any] = {"prompt_version": STUB_PROMPT_VERSION, **overrides}
    return Settings(model=STUB_MODEL_ID, base_url=base_url, **fields)


@dataclass(frozen=True)
class Pipeline:
    """Everything ``summarise`` needs, connected to the stub."""

    settings: Settings
    article: Article
    model: ConnectedModel
    prompt: PromptTemplate
    options: PipelineOptions

    def chat_request(self) -> dict[str, Any]:
        """The chat-completions arguments the pipeline sends for this article (first attempt)."""
        return chat_request(self.model, self.prompt, self.article, self.options)


def chat_request(
    model: ConnectedModel, prompt: PromptTemplate, article: Article, options: PipelineOptions
) -> dict[str, Any]:
    """The arguments of the pipeline's first chat-completions call for ``article``, as the
    openai client takes them (the profile's sampling extras under ``extra_body``)."""
    request: dict[str, Any] = {
        "model": model.model,
        "messages": render_prompt(prompt, article),
        "temperature": options.call.temperature,
        "max_tokens": options.call.max_tokens,
        "response_format": response_format_for(model),
    }
    if model.profile.extra_body:
        request["extra_body"] = model.profile.extra_body
    return request


@contextlib.asynccontextmanager
async def pipeline(base_url: str) -> AsyncIterator[Pipeline]:
    settings = stub_settings(base_url)
    article = check_article(article_text(), max_chars=settings.max_article_chars)
    prompt = load_prompt(settings.prompt_version, settings.prompts_dir)
    async with connect(settings, parse_model_id(settings.model)) as model:
        yield Pipeline(settings, article, model, prompt, PipelineOptions.from_settings(settings))
