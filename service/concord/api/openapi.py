"""The OpenAPI document at ``/schema``: the request body in both media types, an example
request and response built from the sample article, and every problem response."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import (
    Components,
    Example,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
    SecurityScheme,
)

from concord.api.api_docs import OfflineSwaggerPlugin
from concord.api.examples import EXAMPLE_REQUEST, EXAMPLE_RESPONSE, PROBLEM_EXAMPLES
from concord.api.openapi_events import EVENT_STREAM
from concord.schema import SummaryResult
from concord.settings import ApiSettings, Settings

_MAX_ARTICLE_CHARS: int = Settings.model_fields["max_article_chars"].default
_MAX_BODY_BYTES: int = ApiSettings.model_fields["max_body_bytes"].default

DESCRIPTION = f"""\
Concord turns a news article into a structured, evidence-grounded summary: who took part, what
they agreed on and where they differ, each item backed by verbatim quotes located in the article.

Limits: request bodies up to `CONCORD_API__MAX_BODY_BYTES` ({_MAX_BODY_BYTES:,} bytes by default);
articles up to `CONCORD_MAX_ARTICLE_CHARS` ({_MAX_ARTICLE_CHARS:,} characters by default, chosen so
the article, the prompt and the answer fit the embedded model's 4,096-token context). Every error
is an RFC 9457 `application/problem+json` document with a stable `type` URI.
"""


@dataclass
class ProblemDocument:
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    calls: int | None = None


def _string(description: str) -> Schema:
    return Schema(type=OpenAPIType.STRING, description=description)


def _optional_string(description: str) -> Schema:
    """A string the client may also send as null, as ``SummaryRequest`` accepts."""
    return Schema(type=[OpenAPIType.STRING, OpenAPIType.NULL], description=description)


_JSON_BODY = Schema(
    type=OpenAPIType.OBJECT,
    required=["text"],
    additional_properties=False,
    properties={
        "text": _string(
            "The article as plain text (not empty; at most CONCORD_MAX_ARTICLE_CHARS characters)."
        ),
        "title": _optional_string("The headline, if it is not in the text."),
        "source_url": _optional_string("Where the article came from."),
        "model": _optional_string(
            "A model id 'provider:model' from the server's allowed list (also a query parameter)."
        ),
        "provider": _optional_string(
            "Another name for `model` (its earlier name); give one of the two, not both."
        ),
        "prompt_version": _optional_string(
            "A prompt version from the allowed list (also a query param)."
        ),
    },
)

SUMMARY_REQUEST_BODY = RequestBody(
    required=True,
    description="The article, as a JSON object or as a UTF-8 `text/plain` body.",
    content={
        "application/json": OpenAPIMediaType(
            schema=_JSON_BODY,
            examples={"sample": Example(summary="A short news article", value=EXAMPLE_REQUEST)},
        ),
        "text/plain": OpenAPIMediaType(
            schema=_string("The article text, UTF-8."),
            examples={"sample": Example(summary="The same article", value=EXAMPLE_REQUEST["text"])},
        ),
    },
)


@dataclass
class SummariseOperation(Operation):
    """The generated operation, with what Litestar cannot infer: the two-media-type request
    body, and the event stream as a second media type of the 200 response."""

    def __post_init__(self) -> None:
        self.request_body = SUMMARY_REQUEST_BODY
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse) and ok.content is not None:
            ok.content["text/event-stream"] = EVENT_STREAM


def _problem(status: int, description: str) -> ResponseSpec:
    return ResponseSpec(
        data_container=ProblemDocument,
        description=description,
        media_type="application/problem+json",
        generate_examples=False,
        examples=[Example(summary=description, value=value) for value in PROBLEM_EXAMPLES[status]],
    )


SUMMARY_RESPONSES: dict[int, ResponseSpec] = {
    200: ResponseSpec(
        data_container=SummaryResult,
        description="The summary and how it was made (the same JSON as `concord summarise`).",
        generate_examples=False,
        examples=[Example(summary="Kerry and Lavrov", value=EXAMPLE_RESPONSE)],
    ),
    400: _problem(400, "The JSON body is malformed."),
    401: _problem(401, "A bearer key is needed (only when the server has keys configured)."),
    408: _problem(408, "The body did not all arrive within the body timeout."),
    413: _problem(413, "The body or the article is over its limit."),
    415: _problem(415, "The body is neither application/json nor text/plain."),
    422: _problem(422, "The article is empty or not text, or a field is wrong."),
    429: _problem(
        429,
        "Busy: the expected wait is over the request's budget, or the provider is rate "
        "limiting (Retry-After).",
    ),
    502: _problem(502, "The provider's output broke the schema after every attempt."),
    503: _problem(503, "The provider could not be reached."),
    504: _problem(504, "The provider or the whole request ran out of time."),
}


def openapi_config(version: str, with_auth: bool) -> OpenAPIConfig:
    """Swagger UI at ``/schema`` and ``/schema/swagger`` from the app's own files (see
    ``api_docs.py``), the JSON at ``/schema/openapi.json``.

    The bearer scheme is declared only when keys are configured; the guarded router names it.
    """
    components = Components(
        security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}
    )
    return OpenAPIConfig(
        title="Concord",
        version=version,
        description=DESCRIPTION,
        path="/schema",
        components=components if with_auth else Components(),
        render_plugins=[OfflineSwaggerPlugin(), JsonRenderPlugin()],
    )
