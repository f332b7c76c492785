"""HTTP-layer errors and their RFC 9457 problem documents.

Every failure a client can see leaves through here: Concord's own errors (which already know
their status, title and type URI), the few faults only the HTTP layer can detect (malformed
JSON, wrong media type, a body over the limit, a missing key), Litestar's own HTTP exceptions
(404, 405 …) and, last, anything unexpected, which becomes a generic 500 with no internals.
The ``ProblemDetailsPlugin`` turns each ``ProblemDetailsException`` built here into
``application/problem+json``.
"""

from __future__ import annotations

import logging
import traceback
from http import HTTPStatus
from typing import Any

from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import (
    ProblemDetailsConfig,
    ProblemDetailsException,
    ProblemDetailsPlugin,
)

from concord.errors import TYPE_BASE, ConcordError, RequestInvalid
from concord.observability.request_ids import current_request_id
from concord.records import problem_document
from concord.redact import redact

log = logging.getLogger(__name__)


class MalformedJson(ConcordError):
    status = 400
    title = "Malformed JSON"
    slug = "malformed-json"


class BodyTimeout(ConcordError):
    """The client did not finish sending the body in time (a slow or stalled client)."""

    status = 408
    title = "Request body timeout"
    slug = "body-timeout"


class BodyTooLarge(ConcordError):
    status = 413
    title = "Request body too large"
    slug = "body-too-large"


class UnsupportedMediaType(ConcordError):
    status = 415
    title = "Unsupported media type"
    slug = "unsupported-media-type"


class Unauthorized(ConcordError):
    status = 401
    title = "Unauthorized"
    slug = "unauthorized"

    def __init__(self, detail: str, *, invalid_token: bool = False) -> None:
        super().__init__(detail)
        self.invalid_token = invalid_token

    @property
    def headers(self) -> dict[str, str]:
        challenge = 'Bearer realm="concord"'
        if self.invalid_token:
            challenge += ', error="invalid_token"'
        return {"WWW-Authenticate": challenge}


_HTTP_SLUGS = {404: "not-found", 405: "method-not-allowed", 413: "body-too-large"}


def _with_request_id(extra: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """``extra`` plus the member ``request_id``: what a client quotes when it reports a fault."""
    request_id = current_request_id()
    return {**(extra or {}), "request_id": request_id} if request_id else extra or None


def concord_problem(error: ConcordError) -> ProblemDetailsException:
    """A Concord error as a problem document: ``records.problem_document``'s, with headers."""
    if error.status >= 500:
        log.warning("%s: %s", error.title, redact(error.detail))
    document = problem_document(error)
    fields = {name: document.pop(name) for name in ("type", "title", "status", "detail")}
    return ProblemDetailsException(
        detail=fields["detail"],
        status_code=fields["status"],
        headers=error.headers or None,
        extra=_with_request_id(document),
        type_=fields["type"],
        title=fields["title"],
    )


def http_problem(exc: HTTPException) -> ProblemDetailsException:
    """Litestar's own HTTP exceptions (unknown route, wrong method …) as problem documents."""
    status = exc.status_code
    slug = _HTTP_SLUGS.get(status, f"http-{status}")
    return ProblemDetailsException(
        detail=redact(str(exc.detail)),
        status_code=status,
        headers=exc.headers,
        extra=_with_request_id(),
        type_=TYPE_BASE + slug,
        title=HTTPStatus(status).phrase,
    )


def validation_problem(exc: ValidationException) -> ProblemDetailsException:
    """Litestar's parameter validation (query strings) reported like our own 422s."""
    return concord_problem(RequestInvalid(str(exc.detail), errors=exc.extra))


def unexpected_problem(exc: Exception) -> ProblemDetailsException:
    """Any other exception: logged (redacted) for operators, a generic 500 for the client."""
    # The traceback is formatted here so it can be redacted: logging's would bypass the filter.
    log.error("unexpected error: %s", redact("".join(traceback.format_exception(exc))))
    return ProblemDetailsException(
        detail="an unexpected error occurred; it has been logged",
        status_code=500,
        extra=_with_request_id(),
        type_=TYPE_BASE + "internal",
        title="Internal error",
    )


def problem_details_plugin() -> ProblemDetailsPlugin:
    """The plugin wired so that every exception becomes ``application/problem+json``."""
    return ProblemDetailsPlugin(
        ProblemDetailsConfig(
            exception_to_problem_detail_map={
                ConcordError: concord_problem,
                ValidationException: validation_problem,
                HTTPException: http_problem,
                Exception: unexpected_problem,
            }
        )
    )
