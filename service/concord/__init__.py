"""Concord: evidence-grounded structured summaries of news articles.

Use it from Python as you would from the command line: the same settings (``CONCORD_*``
environment variables, ``concord.toml``), the same model, the same checks::

    import concord

    summary = concord.summarise(open("article.txt", encoding="utf-8").read())
    for point in summary.disagreements:
        print(point.topic, "|", point.evidence[0].quote)

``concord.summarise`` blocks until the summary is ready (scripts, notebooks);
``await concord.asummarise(...)`` is its twin for asyncio services. Both return a ``Summary``
(participants, agreements, disagreements, each with its ``Evidence``) and raise a
``concord.ConcordError`` subclass saying what went wrong: ``InvalidArticle`` for text Concord
cannot summarise, ``ConfigurationError`` for a model it cannot reach, ``ProviderError`` when the
model fails.

The names below are imported on first use, so ``import concord`` stays fast.
"""

from __future__ import annotations

import asyncio
import importlib
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concord.errors import (
        ArticleTooLarge,
        ConcordError,
        ConfigurationError,
        InvalidArticle,
        ProviderError,
    )
    from concord.schema import (
        Agreement,
        Disagreement,
        Evidence,
        Participant,
        Position,
        Summary,
    )
    from concord.settings import Settings

try:
    __version__ = version("concord")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

_LAZY = {
    "Agreement": "concord.schema",
    "Disagreement": "concord.schema",
    "Evidence": "concord.schema",
    "Participant": "concord.schema",
    "Position": "concord.schema",
    "Summary": "concord.schema",
    "Settings": "concord.settings",
    "ArticleTooLarge": "concord.errors",
    "ConcordError": "concord.errors",
    "ConfigurationError": "concord.errors",
    "InvalidArticle": "concord.errors",
    "ProviderError": "concord.errors",
}

__all__ = [
    "Agreement",
    "ArticleTooLarge",
    "ConcordError",
    "ConfigurationError",
    "Disagreement",
    "Evidence",
    "InvalidArticle",
    "Participant",
    "Position",
    "ProviderError",
    "Settings",
    "Summary",
    "__version__",
    "asummarise",
    "summarise",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'concord' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


async def asummarise(
    text: str,
    *,
    model: str | None = None,
    title: str | None = None,
    settings: Settings | None = None,
) -> Summary:
    """Summarise one article's text: who took part, what they agreed on, where they differ.

    ``model`` is a model id such as ``"openai:gpt-4o-mini"`` or ``"local"`` (default: the
    configured ``CONCORD_MODEL``); ``title`` is the headline, if the text lacks it;
    ``settings`` replaces the ones read from the environment and ``concord.toml``. The model
    is opened for this call and closed after it (the embedded model is started and stopped).

    >>> summary = await concord.asummarise(text, model="openai:gpt-4o-mini")  # doctest: +SKIP
    >>> [p.name for p in summary.participants]  # doctest: +SKIP
    ['John Kerry', 'Sergei Lavrov']

    Raises ``InvalidArticle`` (or ``ArticleTooLarge``) for text it cannot summarise,
    ``ConfigurationError`` for a model it cannot open, ``ProviderError`` when the model fails.
    """
    from concord.errors import InvalidArticle  # noqa: PLC0415 - keeps `import concord` light
    from concord.pipeline import summarise_text  # noqa: PLC0415
    from concord.settings import load_settings  # noqa: PLC0415

    if not isinstance(text, str):
        raise InvalidArticle(f"the article must be a str, not {type(text).__name__}")
    chosen = settings if settings is not None else load_settings()
    result = await summarise_text(text, chosen, model=model, title=title)
    return result.summary


def summarise(
    text: str,
    *,
    model: str | None = None,
    title: str | None = None,
    settings: Settings | None = None,
) -> Summary:
    """``asummarise`` for code without an event loop of its own: scripts and notebooks.

    >>> import concord
    >>> summary = concord.summarise(open("article.txt").read())  # doctest: +SKIP
    >>> summary.disagreements[0].evidence[0].quote  # doctest: +SKIP
    "...despite divisions over the Ukraine crisis."

    Inside a running event loop (a Jupyter cell) it runs on a worker thread, so it still blocks
    and returns the ``Summary``; in ``async`` code, ``await concord.asummarise(...)`` instead.
    """
    call = asummarise(text, model=model, title=title, settings=settings)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(call)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="concord") as worker:
        return worker.submit(asyncio.run, call).result()
