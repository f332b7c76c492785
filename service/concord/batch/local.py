"""Summarising a corpus in this process: at most ``concurrency`` articles at once, each through
the one pipeline entry point, ``summarise``, with one model connection for the whole run."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from concord.batch.inputs import Item
from concord.errors import ConcordError
from concord.pipeline import PipelineOptions, summarise
from concord.prompts import load_prompt
from concord.providers.connection import connect
from concord.providers.profiles import ModelRef
from concord.records import problem_record, summary_record
from concord.settings import Settings

Finished = Callable[[str, dict[str, Any]], None]


async def run_local(
    items: list[Item], settings: Settings, ref: ModelRef, concurrency: int, finished: Finished
) -> None:
    """Summarise ``items``; call ``finished(id, record)`` as each one ends, success or not."""
    prompt = load_prompt(settings.prompt_version, settings.prompts_dir)
    options = PipelineOptions.from_settings(settings)
    slots = asyncio.Semaphore(max(1, concurrency))
    bad = {item.id for item in items if record_if_bad(item, settings, finished)}
    todo = [item for item in items if item.id not in bad]
    if not todo:
        return
    async with connect(settings, ref) as model:

        async def one(item: Item) -> None:
            async with slots:
                started = time.perf_counter()
                try:
                    article = item.article(settings.max_article_chars)
                    result = await summarise(article, model, prompt, options)
                except ConcordError as error:
                    finished(item.id, problem_record(error, _ms_since(started)))
                    return
                finished(item.id, summary_record(result))

        await asyncio.gather(*(one(item) for item in todo))


def record_if_bad(item: Item, settings: Settings, finished: Finished) -> bool:
    """Record a bad item at once, with no model call; True when it was bad."""
    try:
        item.article(settings.max_article_chars)
    except ConcordError as error:
        finished(item.id, problem_record(error))
        return True
    return False


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000
