"""What the HTTP, CLI and job tests share: settings aimed at the fake, valid answers, problems."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx

from concord.errors import TYPE_BASE
from concord.prompts import load_prompt
from concord.settings import ApiSettings, Settings
from tests.fakes.answers import ARTICLE, CALLS, DEFAULT_PROMPT
from tests.fakes.openai_server import PassAnswer

__all__ = [
    "ARTICLE",
    "CALLS",
    "DEFAULT_PROMPT",
    "PASSES",
    "ClientFactory",
    "assert_problem",
    "fake_settings",
    "valid_answer",
    "valid_summary",
]

PASSES: tuple[str, ...] = tuple(load_prompt(DEFAULT_PROMPT).passes)
"""The default prompt's passes, in order: each is a pipeline step of its own and one model call
(after a ``sentences`` step that numbers the article, before ``grounding``)."""

ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


def valid_answer(*, delay: float = 0.0, usage: tuple[int, int] = (10, 20)) -> PassAnswer:
    """One model call's valid answer, to whichever pass asks; grounded in ``ARTICLE``.

    ``usage`` is the (prompt, completion) token count the call reports.
    """
    return PassAnswer(delay=delay, usage=usage)


def valid_summary(
    *, delay: float = 0.0, usage: tuple[int, int] = (10, 20)
) -> tuple[PassAnswer, ...]:
    """The replies of one whole summary of ``ARTICLE`` with the default prompt: one per call.

    ``delay`` holds back the first call only, so a slow summary is slow by ``delay`` whatever
    the number of passes; ``usage`` is what each call reports, so a summary reports ``CALLS``
    times it.
    """
    first = PassAnswer(delay=delay, usage=usage)
    return (first, *(PassAnswer(usage=usage) for _ in range(CALLS - 1)))


def fake_settings(
    fake_base_url: str, *, api: dict[str, Any] | None = None, **core: Any
) -> Settings:
    """Settings aimed at the fake server, fast to fail, with no file or environment surprises."""
    values: dict[str, Any] = {
        "model": "llamacpp:fake-model",
        "prompt_version": DEFAULT_PROMPT,
        "base_url": fake_base_url,
        "max_backoff_s": 0.1,
        "timeout_s": 5.0,
        **core,
    }
    return Settings(**values, api=ApiSettings(**(api or {})))


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    """Check an RFC 9457 problem document (status, media type, stable type, no traceback)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == TYPE_BASE + slug
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert "Traceback" not in response.text
    return body
