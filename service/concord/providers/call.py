"""One model call, the provider boundary: build the request, retry transient faults, translate
errors.

Transient faults (429, 5xx, a dropped connection) are retried a bounded number of times with
exponential backoff, honouring ``Retry-After``; a timeout is not retried, since its budget is
already spent. Every ``openai`` exception is translated here into Concord's own errors, each
carrying how many calls were made, so nothing above this module knows about the client.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
from dataclasses import dataclass
from typing import Any

import openai
from opentelemetry.trace import Span

from concord.errors import (
    ProviderError,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)
from concord.observability import tracing
from concord.observability.model_calls import call_failed, call_succeeded
from concord.providers.connection import ConnectedModel
from concord.redact import redact
from concord.schema import Usage

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Completion:
    """What one successful call returned."""

    text: str
    finish_reason: str | None
    refusal: str | None
    usage: Usage
    calls: int  # HTTP calls it took, transient retries included
    cached_tokens: int = 0  # prompt tokens the server reused from its prompt cache
    prefill_s: float | None = None  # time the server spent reading the prompt, if it says
    generate_s: float | None = None  # ... and generating (llama.cpp's ``timings``)


@dataclass(frozen=True, slots=True)
class CallOptions:
    """Per-call knobs, taken from settings."""

    temperature: float = 0.0
    max_tokens: int = 1536
    transient_retries: int = 2
    max_backoff_s: float = 20.0
    response_format: dict[str, Any] | None = None


def retry_after_seconds(headers: Any) -> float | None:
    """Parse ``retry-after-ms`` / ``Retry-After`` (seconds or an HTTP date), if present."""
    if headers is None:
        return None
    if (ms := headers.get("retry-after-ms")) is not None:
        try:
            return max(0.0, float(ms) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value) if value else None
        return max(0.0, when.timestamp() - time.time()) if when else None


def _backoff(attempt: int, cap: float) -> float:
    # Full jitter: spreads a crowd of clients retrying after the same fault.
    return float(random.uniform(0, min(cap, 0.5 * 2**attempt)))  # noqa: S311 - not crypto


def _translate(exc: openai.OpenAIError, calls: int) -> ProviderError:  # noqa: PLR0911 - one per kind
    """Map an ``openai`` exception onto Concord's hierarchy; the detail is redacted."""
    if isinstance(exc, openai.APITimeoutError):
        return ProviderTimeout("the model provider did not answer in time", calls=calls)
    if isinstance(exc, openai.APIConnectionError):
        return ProviderUnavailable("the model provider could not be reached", calls=calls)
    if isinstance(exc, openai.RateLimitError):
        return ProviderRateLimited(
            "the model provider is rate limiting requests",
            calls=calls,
            retry_after=retry_after_seconds(exc.response.headers),
        )
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status == 503:
            return ProviderUnavailable("the model provider is unavailable (503)", calls=calls)
        if status == 504:
            return ProviderTimeout("the model provider timed out (504)", calls=calls)
        kind = "failed" if status >= 500 else "rejected the request"
        body = exc.body if isinstance(exc.body, dict) else {}
        message = str(body.get("message") or exc.message)
        return ProviderError(
            f"the model provider {kind} ({status}): {redact(_short(message))}", calls=calls
        )
    return ProviderError(f"the model provider failed: {type(exc).__name__}", calls=calls)


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _is_transient(exc: openai.OpenAIError) -> bool:
    if isinstance(exc, openai.APITimeoutError):
        return False
    if isinstance(exc, openai.APIConnectionError):
        return True
    return isinstance(exc, openai.APIStatusError) and (
        exc.status_code in (408, 409, 429) or exc.status_code >= 500
    )


async def call_model(
    model: ConnectedModel, messages: list[dict[str, str]], options: CallOptions
) -> Completion:
    """Ask ``model`` for one chat completion, retrying transient faults; raises only Concord's."""
    request: dict[str, Any] = {
        "model": model.model,
        "messages": messages,
        "temperature": options.temperature,
        "max_tokens": options.max_tokens,
    }
    if options.response_format is not None:
        request["response_format"] = options.response_format
    if model.profile.extra_body:
        request["extra_body"] = model.profile.extra_body

    base_url = str(model.client.base_url)
    with tracing.model_call_span(model.provider, model.model, base_url, request) as span:
        return await _call_with_retries(model, request, options, span)


async def _call_with_retries(
    model: ConnectedModel, request: dict[str, Any], options: CallOptions, span: Span
) -> Completion:
    calls = 0
    while True:
        calls += 1
        began = time.perf_counter()
        try:
            response = await model.client.chat.completions.create(**request)
        except json.JSONDecodeError:
            # openai lets this escape when a 200 says application/json but is not JSON
            malformed = ProviderError("the model provider sent a malformed response", calls=calls)
            call_failed(model, malformed, time.perf_counter() - began, span)
            raise malformed from None
        except openai.OpenAIError as exc:
            error = _translate(exc, calls)
            call_failed(model, error, time.perf_counter() - began, span)
            if not _is_transient(exc) or calls > options.transient_retries:
                raise error from None
            wait = retry_after_seconds(getattr(getattr(exc, "response", None), "headers", None))
            if wait is not None and wait > options.max_backoff_s:
                raise error from None  # the provider asks for longer than we may wait
            wait = _backoff(calls, options.max_backoff_s) if wait is None else wait
            log.warning(
                "transient provider fault (%s); retry %d in %.2fs", error.title, calls, wait
            )
            await asyncio.sleep(wait)
            continue
        try:
            completion = _completion(response, calls)
        except (AttributeError, TypeError, IndexError):
            # e.g. a 200 whose body is not a chat completion at all
            malformed = ProviderError("the model provider sent a malformed response", calls=calls)
            call_failed(model, malformed, time.perf_counter() - began, span)
            raise malformed from None
        call_succeeded(model, completion, time.perf_counter() - began, span)
        return completion


def _completion(response: Any, calls: int) -> Completion:
    usage = Usage()
    if response.usage is not None:
        usage = Usage(
            prompt_tokens=response.usage.prompt_tokens or 0,
            completion_tokens=response.usage.completion_tokens or 0,
            total_tokens=response.usage.total_tokens or 0,
        )
    cached = _cached_tokens(response)
    prefill_s, generate_s = _server_split(response)
    if not response.choices:
        return Completion("", None, None, usage, calls, cached, prefill_s, generate_s)
    choice = response.choices[0]
    message = choice.message
    return Completion(
        text=message.content or "",
        finish_reason=choice.finish_reason,
        refusal=getattr(message, "refusal", None),
        usage=usage,
        calls=calls,
        cached_tokens=cached,
        prefill_s=prefill_s,
        generate_s=generate_s,
    )


def _server_split(response: Any) -> tuple[float | None, float | None]:
    """Seconds llama.cpp says it spent reading the prompt and generating (``timings``)."""
    timings = (getattr(response, "model_extra", None) or {}).get("timings")
    if not isinstance(timings, dict):
        return None, None
    prompt_ms, predicted_ms = timings.get("prompt_ms"), timings.get("predicted_ms")
    if not isinstance(prompt_ms, int | float) or not isinstance(predicted_ms, int | float):
        return None, None
    return prompt_ms / 1000, predicted_ms / 1000


def _cached_tokens(response: Any) -> int:
    """Prompt tokens served from the provider's cache: OpenAI's ``prompt_tokens_details``, or
    llama.cpp's ``timings.cache_n``; 0 when the provider says neither."""
    details = getattr(response.usage, "prompt_tokens_details", None) if response.usage else None
    if details is not None and getattr(details, "cached_tokens", None):
        return int(details.cached_tokens)
    timings = (getattr(response, "model_extra", None) or {}).get("timings")
    if isinstance(timings, dict) and isinstance(timings.get("cache_n"), int):
        return int(timings["cache_n"])
    return 0
