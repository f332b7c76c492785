"""Concord's error hierarchy: each error knows its HTTP status, a title and a stable type URI.

Provider exceptions are translated into these at the provider boundary only (``providers.call``),
so the CLI and the HTTP API can report any failure without knowing where it came from.
The ``detail`` of an error is written for the client: it never holds a stack trace or a secret.
"""

from __future__ import annotations

from typing import Any, ClassVar

TYPE_BASE = "https://concord.dev/problems/"


class ConcordError(Exception):
    """Base of every error Concord reports to a user."""

    status: ClassVar[int] = 500
    title: ClassVar[str] = "Internal error"
    slug: ClassVar[str] = "internal"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra: dict[str, Any] = extra

    @property
    def type_uri(self) -> str:
        return TYPE_BASE + self.slug

    @property
    def headers(self) -> dict[str, str]:
        return {}


# --- the request or article is at fault (4xx) -----------------------------------------------


class InvalidArticle(ConcordError):
    """The article is empty, binary, or otherwise not text Concord can summarise."""

    status = 422
    title = "Invalid article"
    slug = "invalid-article"


class ArticleTooLarge(ConcordError):
    status = 413
    title = "Article too large"
    slug = "article-too-large"


class ConfigurationError(ConcordError):
    """Settings are missing or contradictory (e.g. no API key for the chosen provider)."""

    status = 500
    title = "Configuration error"
    slug = "configuration"


class PromptError(ConcordError):
    """A prompt file is missing, malformed, or lacks a variable the code supplies."""

    status = 500
    title = "Prompt template error"
    slug = "prompt"


class RequestInvalid(ConcordError):
    """The request's fields have the wrong names or types, or ask for something not allowed."""

    status = 422
    title = "Invalid request"
    slug = "validation"


class RequestTimeout(ConcordError):
    """The whole request (queueing and model time) outran ``settings.api.request_timeout_s``."""

    status = 504
    title = "Request timeout"
    slug = "request-timeout"


class Overloaded(ConcordError):
    """Concord's own concurrency limit is reached; the client should retry later."""

    status = 429
    title = "Too many requests"
    slug = "overloaded"

    def __init__(self, detail: str, retry_after: float = 1.0, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(max(1, round(self.retry_after)))}


class OverBudget(ConcordError):
    """Even with the model to itself, a summary is expected to outlast the request's budget."""

    status = 503
    title = "Cannot finish within the budget"
    slug = "over-budget"


# --- the provider is at fault (429/5xx) -----------------------------------------------------


class ProviderError(ConcordError):
    """The model provider failed; ``calls`` says how many model (HTTP) calls were made."""

    status = 502
    title = "Provider error"
    slug = "provider-error"

    def __init__(self, detail: str, *, calls: int = 1, **extra: Any) -> None:
        super().__init__(detail, calls=calls, **extra)
        self.calls = calls


class ProviderRateLimited(ProviderError):
    status = 429
    title = "Provider rate limit"
    slug = "provider-rate-limited"

    def __init__(
        self, detail: str, *, calls: int = 1, retry_after: float | None = None, **extra: Any
    ) -> None:
        super().__init__(detail, calls=calls, **extra)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(max(1, round(self.retry_after or 1)))}


class ProviderUnavailable(ProviderError):
    status = 503
    title = "Provider unavailable"
    slug = "provider-unavailable"


class ProviderTimeout(ProviderError):
    status = 504
    title = "Provider timeout"
    slug = "provider-timeout"


class ProviderRefused(ProviderError):
    """The model declined to answer (an OpenAI ``refusal``)."""

    title = "Provider refused"
    slug = "provider-refused"


class OutputInvalid(ProviderError):
    """The model's output still broke the schema after every allowed attempt.

    ``last_output`` keeps the final raw completion for logs and evals; it is not sent to HTTP
    clients, whose problem document carries only the call count and the last validation error.
    """

    title = "Model output invalid"
    slug = "output-invalid"

    def __init__(self, detail: str, *, calls: int, last_output: str, last_error: str) -> None:
        super().__init__(detail, calls=calls, last_error=last_error)
        self.last_output = last_output
        self.last_error = last_error
