"""Reading ``POST /v1/summaries``: a JSON object (with the article's ``text`` or a ``url`` to fetch
it from), a plain-text article or a saved web page (``text/html``), checked field by field.

The body is read here rather than by Litestar's ``data`` parameter because the endpoint takes
two media types and each fault (bad JSON, a wrong media type, a wrong field type, bytes that are
not UTF-8) must become its own problem document with its own status.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from litestar import Request
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from concord.api.problems import (
    BodyTimeout,
    BodyTooLarge,
    MalformedJson,
    UnsupportedMediaType,
)
from concord.article import decode_article_bytes
from concord.errors import RequestInvalid
from concord.settings import Settings
from concord.sources.decode import decode_page


class SummaryRequest(BaseModel):
    """The JSON body of ``POST /v1/summaries``; unknown fields and wrong types are refused."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text: str | None = Field(None, description="The article, as plain text.")
    url: str | None = Field(None, description="An http(s) page to fetch the article from.")
    html: str | None = Field(
        None, exclude=True, description="A saved page (a text/html body), not a JSON field."
    )
    title: str | None = Field(None, description="The headline, if it is not in the text.")
    source_url: str | None = Field(None, description="Where the article came from.")
    model: str | None = Field(
        None,
        validation_alias=AliasChoices("model", "provider"),
        description="A model id 'provider:model' from the allowed list (`GET /v1/options`). "
        "`provider` is accepted as another name for this field (its earlier name).",
    )
    prompt_version: str | None = Field(None, description="A prompt version from the allowed list.")


_TEXT_CHARSETS = {"utf-8", "utf8", "us-ascii", "ascii"}
HTML_TYPES = {"text/html", "application/xhtml+xml"}
_PAGE_LIMIT = "CONCORD_FETCH__MAX_BYTES"


async def read_body(
    request: Request[Any, Any, Any],
    max_bytes: int,
    timeout_s: float,
    setting: str = "CONCORD_API__MAX_BODY_BYTES",
) -> bytes:
    """The raw body; ``BodyTooLarge`` as soon as it passes ``max_bytes`` (``setting`` is the
    variable that sets it), ``BodyTimeout`` if it has not all arrived within ``timeout_s`` (the
    HTTP server bounds only the head)."""
    too_large = BodyTooLarge(
        f"the request body is larger than {max_bytes:,} bytes ({setting})", limit=max_bytes
    )
    if (request.content_length or 0) > max_bytes:
        raise too_large
    chunks: list[bytes] = []
    received = 0
    try:
        async with asyncio.timeout(timeout_s):
            # Read chunk by chunk: the app-wide cap is the largest of the per-type limits.
            async for chunk in request.stream():
                received += len(chunk)
                if received > max_bytes:
                    raise too_large
                chunks.append(chunk)
    except TimeoutError:
        raise BodyTimeout(
            f"the request body did not arrive within {timeout_s:g} s (CONCORD_API__BODY_TIMEOUT_S)"
        ) from None
    except RequestEntityTooLarge:
        raise too_large from None
    return b"".join(chunks)


async def read_summary_body(
    request: Request[Any, Any, Any], settings: Settings, media_type: str
) -> bytes:
    """The body of a summary request, under its media type's limit: a saved page may be as
    large as a fetched one (``CONCORD_FETCH__MAX_BYTES``), anything else as the article limit
    allows (``Settings.body_limit_bytes``)."""
    timeout_s = settings.api.body_timeout_s
    if media_type in HTML_TYPES:
        return await read_body(request, settings.fetch.max_bytes, timeout_s, _PAGE_LIMIT)
    return await read_body(request, settings.body_limit_bytes, timeout_s)


def parse_summary_request(media_type: str, options: dict[str, str], body: bytes) -> SummaryRequest:
    """Turn a body of the given media type into a ``SummaryRequest``, or raise why not."""
    if media_type == "application/json":
        return _from_json(body)
    if media_type == "text/plain":
        charset = options.get("charset", "utf-8").lower()
        if charset not in _TEXT_CHARSETS:
            raise UnsupportedMediaType(f"text/plain bodies must be UTF-8, not {charset!r}")
        return SummaryRequest(text=decode_article_bytes(body))
    if media_type in HTML_TYPES:
        # The page's own <meta charset> may say what the header does not: the extractor reads it.
        return SummaryRequest(html=decode_page(body, options.get("charset")))
    shown = media_type or "no Content-Type"
    raise UnsupportedMediaType(
        f"send application/json, text/plain; charset=utf-8 or text/html (got {shown})"
    )


def _from_json(body: bytes) -> SummaryRequest:
    try:
        raw = json.loads(body)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise MalformedJson(f"the request body is not valid JSON ({exc.msg} at {where})") from None
    except (ValueError, RecursionError):  # not UTF-8, or nested too deep to parse
        raise MalformedJson("the request body is not valid JSON") from None
    if not isinstance(raw, dict):
        raise RequestInvalid(
            f"the JSON body must be an object with a 'text' or 'url' field, not "
            f"{type(raw).__name__}"
        )
    if "html" in raw:  # the saved-page form is a text/html body, not a JSON field
        raise RequestInvalid("send a saved page as a text/html body, not as an 'html' field")
    try:
        fields = SummaryRequest.model_validate(raw)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
            for error in exc.errors(include_url=False, include_input=False)
        ]
        summary = "; ".join(f"{error['field']}: {error['message']}" for error in errors)
        detail = f"the request body has invalid fields: {summary}"
        raise RequestInvalid(detail, errors=errors) from None
    if (fields.text is None) == (fields.url is None):
        message = "send exactly one of 'text' (the article) or 'url' (a page to fetch it from)"
        raise RequestInvalid(
            f"the request body has invalid fields: text: {message}",
            errors=[{"field": "text", "message": message}],
        )
    return fields
