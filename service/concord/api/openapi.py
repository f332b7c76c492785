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
from concord.api.examples import (
    EXAMPLE_HTML_REQUEST,
    EXAMPLE_REQUEST,
    EXAMPLE_RESPONSE,
    EXAMPLE_URL_REQUEST,
    EXAMPLE_URL_RESPONSE,
    PROBLEM_EXAMPLES,
)
from concord.api.openapi_events import EVENT_STREAM
from concord.schema import SummaryResult
from concord.settings import FetchSettings, Settings, body_limit_for

_MAX_ARTICLE_CHARS: int = Settings.model_fields["max_article_chars"].default
_MAX_BODY_BYTES = body_limit_for(_MAX_ARTICLE_CHARS)
_FETCH = FetchSettings()

DESCRIPTION = f"""\
Concord turns a news article into a structured, evidence-grounded summary: who took part, what
they agreed on and where they differ, each item backed by verbatim quotes located in the article.
The article comes as text, as a saved web page (`text/html`), or as a `url` the server fetches.

Limits: articles up to `CONCORD_MAX_ARTICLE_CHARS` ({_MAX_ARTICLE_CHARS:,} characters by
default); JSON and text bodies up to `CONCORD_API__MAX_BODY_BYTES`, by default derived from the
article limit ({_MAX_BODY_BYTES:,} bytes: six bytes a character, as `\\uXXXX` escapes take, plus
room for the other fields); pages, fetched or sent, up to `CONCORD_FETCH__MAX_BYTES`
({_FETCH.max_bytes:,} bytes). The server fetches only public http(s) addresses unless
configured (`CONCORD_FETCH__ALLOW_PRIVATE`, `CONCORD_FETCH__ALLOW_NETWORKS`). Every error is an
RFC 9457 `application/problem+json` document with a stable `type` URI.
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
    description="Exactly one of `text` and `url`.",
    one_of=[Schema(required=["text"]), Schema(required=["url"])],
    additional_properties=False,
    properties={
        "text": _string(
            "The article as plain text (not empty; at most CONCORD_MAX_ARTICLE_CHARS characters)."
        ),
        "url": _string(
            "An http(s) page to fetch the article from, under the server's fetch policy; its "
            "main text is extracted and returned as `article`."
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
    description="The article, as a JSON object (its `text`, or a `url` to fetch), as a UTF-8 "
    "`text/plain` body, or as a saved web page (`text/html`).",
    content={
        "application/json": OpenAPIMediaType(
            schema=_JSON_BODY,
            examples={
                "sample": Example(summary="A short news article", value=EXAMPLE_REQUEST),
                "from-a-url": Example(summary="A page to fetch", value=EXAMPLE_URL_REQUEST),
            },
        ),
        "text/plain": OpenAPIMediaType(
            schema=_string("The article text, UTF-8."),
            examples={"sample": Example(summary="The same article", value=EXAMPLE_REQUEST["text"])},
        ),
        "text/html": OpenAPIMediaType(
            schema=_string(
                "A saved page (at most CONCORD_FETCH__MAX_BYTES); its main text is extracted."
            ),
            examples={
                "sample": Example(summary="The article in its page", value=EXAMPLE_HTML_REQUEST)
            },
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
        examples=[
            Example(summary="Kerry and Lavrov", value=EXAMPLE_RESPONSE),
            Example(summary="The same, from a page", value=EXAMPLE_URL_RESPONSE),
        ],
    ),
    400: _problem(400, "The JSON body is malformed."),
    401: _problem(401, "A bearer key is needed (only when the server has keys configured)."),
    403: _problem(403, "The URL, or a redirect, leads to an address the fetch policy refuses."),
    408: _problem(408, "The body did not all arrive within the body timeout."),
    413: _problem(413, "The body, the page or the article is over its limit."),
    415: _problem(415, "The body is not application/json, text/plain or text/html."),
    422: _problem(
        422,
        "The article is empty or not text, a field is wrong, the URL is not http(s), or the "
        "page is not HTML or text, or holds no article.",
    ),
    429: _problem(
        429,
        "Busy: the expected wait is over the request's budget, or the provider is rate "
        "limiting (Retry-After).",
    ),
    502: _problem(
        502, "The provider's output broke the schema after every attempt, or a page fetch failed."
    ),
    503: _problem(503, "The provider could not be reached."),
    504: _problem(504, "The provider, a page fetch or the whole request ran out of time."),
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
