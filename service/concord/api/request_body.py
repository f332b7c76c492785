"""Reading ``POST /v1/summaries``: a JSON object or a plain-text article, checked field by field.

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


class SummaryRequest(BaseModel):
    """The JSON body of ``POST /v1/summaries``; unknown fields and wrong types are refused."""

    model_config = ConfigDict(extra="forbid", strict=True)

    text: str = Field(description="The article, as plain text.")
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


async def read_body(request: Request[Any, Any, Any], max_bytes: int, timeout_s: float) -> bytes:
    """The raw body; ``BodyTooLarge`` as soon as it passes ``max_bytes``, ``BodyTimeout`` if it
    has not all arrived within ``timeout_s`` (the HTTP server bounds only the head)."""
    try:
        async with asyncio.timeout(timeout_s):
            return await request.body()
    except TimeoutError:
        raise BodyTimeout(
            f"the request body did not arrive within {timeout_s:g} s (CONCORD_API__BODY_TIMEOUT_S)"
        ) from None
    except RequestEntityTooLarge:
        raise BodyTooLarge(
            f"the request body is larger than {max_bytes:,} bytes (CONCORD_API__MAX_BODY_BYTES)",
            limit=max_bytes,
        ) from None


def parse_summary_request(media_type: str, options: dict[str, str], body: bytes) -> SummaryRequest:
    """Turn a body of the given media type into a ``SummaryRequest``, or raise why not."""
    if media_type == "application/json":
        return _from_json(body)
    if media_type == "text/plain":
        charset = options.get("charset", "utf-8").lower()
        if charset not in _TEXT_CHARSETS:
            raise UnsupportedMediaType(f"text/plain bodies must be UTF-8, not {charset!r}")
        return SummaryRequest(text=decode_article_bytes(body))
    shown = media_type or "no Content-Type"
    raise UnsupportedMediaType(f"send application/json or text/plain; charset=utf-8 (got {shown})")


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
            f"the JSON body must be an object with a 'text' field, not {type(raw).__name__}"
        )
    try:
        return SummaryRequest.model_validate(raw)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(str(part) for part in error["loc"]), "message": error["msg"]}
            for error in exc.errors(include_url=False, include_input=False)
        ]
        summary = "; ".join(f"{error['field']}: {error['message']}" for error in errors)
        detail = f"the request body has invalid fields: {summary}"
        raise RequestInvalid(detail, errors=errors) from None
