"""Examples shown in the OpenAPI document: a short excerpt of the sample article, the summary a
model made of it, and one problem document per error status.

Each problem's detail is worded as the code that raises it words it, and the limits it quotes
are the settings' defaults, read from the settings themselves.
"""

from __future__ import annotations

from typing import Any

from concord.errors import TYPE_BASE
from concord.providers.embedded.catalog import DEFAULT_EMBEDDED
from concord.settings import ApiSettings, FetchSettings, Settings, body_limit_for

_API = ApiSettings()
_FETCH = FetchSettings()
_MAX_ARTICLE_CHARS: int = Settings.model_fields["max_article_chars"].default
_MAX_BODY_BYTES = body_limit_for(_MAX_ARTICLE_CHARS)
_PAGE_URL = "https://news.example.com/world/2014/oct/14/kerry-lavrov-isis"

_EXCERPT = (
    "US Secretary of State John Kerry and Russian Foreign Minister Sergei Lavrov have agreed to "
    "increase cooperation between intelligence services on Isis, despite divisions over the "
    "Ukraine crisis.\n\n"
    '"We both recognise the need to destroy and ultimately defeat Isil," Kerry told a news '
    "conference.\n\n"
    "Russia has so far refused to join the coalition because of suspicions that the ultimate aim "
    "of the operation is to remove Russian ally Bashar al-Assad from rule in Syria."
)

EXAMPLE_REQUEST: dict[str, Any] = {"text": _EXCERPT, "title": "Kerry and Lavrov agree on Isis"}
EXAMPLE_URL_REQUEST: dict[str, Any] = {"url": _PAGE_URL}
EXAMPLE_HTML_REQUEST = (
    "<!DOCTYPE html><html><head><title>Kerry and Lavrov agree on Isis | The Ledger</title></head>"
    '<body><nav><a href="/world">World</a> <a href="/sport">Sport</a></nav>'
    "<article><h1>Kerry and Lavrov agree on Isis</h1>"
    + "".join(f"<p>{paragraph}</p>" for paragraph in _EXCERPT.split("\n\n"))
    + '</article><section id="comments"><p>About time they talked.</p></section></body></html>'
)


def _evidence(quote: str) -> dict[str, Any]:
    start = _EXCERPT.index(quote)
    return {
        "quote": quote,
        "start": start,
        "end": start + len(quote),
        "grounded": True,
        "match": "exact",
        "score": 100.0,
    }


_KERRY = "We both recognise the need to destroy and ultimately defeat Isil"
_AGREE = "agreed to increase cooperation between intelligence services on Isis"
_REFUSE = "Russia has so far refused to join the coalition"

EXAMPLE_RESPONSE: dict[str, Any] = {
    "summary": {
        "participants": [
            {
                "name": "John Kerry",
                "role": "US Secretary of State",
                "affiliation": "United States",
                "evidence": [_evidence(_KERRY)],
                "grounded": True,
            },
            {
                "name": "Sergei Lavrov",
                "role": "Russian Foreign Minister",
                "affiliation": "Russia",
                "evidence": [_evidence("Russian Foreign Minister Sergei Lavrov")],
                "grounded": True,
            },
        ],
        "agreements": [
            {
                "statement": "The US and Russia will increase intelligence cooperation on Isis.",
                "parties": ["John Kerry", "Sergei Lavrov"],
                "evidence": [_evidence(_AGREE)],
                "grounded": True,
            }
        ],
        "disagreements": [
            {
                "topic": "Joining the US-led coalition against Isis",
                "positions": [
                    {"party": "Sergei Lavrov", "position": "Russia will not join the coalition."},
                    {"party": "John Kerry", "position": "The US leads the coalition."},
                ],
                "evidence": [_evidence(_REFUSE)],
                "grounded": True,
            }
        ],
    },
    "meta": {
        "provider": "local",
        "model": DEFAULT_EMBEDDED.name,
        "prompt_version": "summarise/v2",
        "prompt_hash": "3f1c0d2a9b8e7f60",
        "schema_hash": "a1b2c3d4e5f60718",
        "calls": 1,
        "usage": {"prompt_tokens": 912, "completion_tokens": 388, "total_tokens": 1300},
        "latency_ms": 8421.5,
        "grounding": {
            "quotes": 4,
            "grounded": 4,
            "fuzzy": 0,
            "flagged_items": 0,
            "dropped_items": 0,
            "policy": "flag",
        },
        "cached": False,
    },
}


def _from_a_page(response: dict[str, Any]) -> dict[str, Any]:
    """The sample response as a fetched page's: the same summary, its source and its text."""
    meta = response["meta"] | {
        "source": {
            "kind": "url",
            "url": _PAGE_URL,
            "final_url": _PAGE_URL,
            "content_type": "text/html",
            "extractor": "trafilatura",
            "extractor_version": "2.3.1",
        }
    }
    article = {"text": _EXCERPT, "title": "Kerry and Lavrov agree on Isis"}
    return response | {"meta": meta, "article": article}


EXAMPLE_URL_RESPONSE = _from_a_page(EXAMPLE_RESPONSE)


def _problem(slug: str, title: str, status: int, detail: str, **extra: Any) -> dict[str, Any]:
    return {"type": TYPE_BASE + slug, "title": title, "status": status, "detail": detail, **extra}


PROBLEM_EXAMPLES: dict[int, list[dict[str, Any]]] = {
    400: [
        _problem(
            "malformed-json",
            "Malformed JSON",
            400,
            "the request body is not valid JSON (Expecting value at line 1, column 10)",
        )
    ],
    401: [
        _problem(
            "unauthorized",
            "Unauthorized",
            401,
            "this API needs a key: send 'Authorization: Bearer <key>'",
        )
    ],
    403: [
        _problem(
            "fetch-forbidden",
            "Fetch forbidden",
            403,
            "http://169.254.169.254/latest/meta-data/ leads to 169.254.169.254, a metadata "
            "address, which is not fetched here (CONCORD_FETCH__ALLOW_NETWORKS)",
            address="169.254.169.254",
            address_kind="metadata",
        )
    ],
    408: [
        _problem(
            "body-timeout",
            "Request body timeout",
            408,
            f"the request body did not arrive within {_API.body_timeout_s:g} s "
            "(CONCORD_API__BODY_TIMEOUT_S)",
        )
    ],
    413: [
        _problem(
            "body-too-large",
            "Request body too large",
            413,
            f"the request body is larger than {_MAX_BODY_BYTES:,} bytes "
            "(CONCORD_API__MAX_BODY_BYTES)",
            limit=_MAX_BODY_BYTES,
        ),
        _problem(
            "article-too-large",
            "Article too large",
            413,
            f"the article has {_MAX_ARTICLE_CHARS + 1_120:,} characters; the limit is "
            f"{_MAX_ARTICLE_CHARS:,} (CONCORD_MAX_ARTICLE_CHARS)",
            limit=_MAX_ARTICLE_CHARS,
            length=_MAX_ARTICLE_CHARS + 1_120,
        ),
        _problem(
            "page-too-large",
            "Page too large",
            413,
            f"the page at {_PAGE_URL} is larger than {_FETCH.max_bytes:,} bytes "
            "(CONCORD_FETCH__MAX_BYTES)",
            limit=_FETCH.max_bytes,
        ),
    ],
    415: [
        _problem(
            "unsupported-media-type",
            "Unsupported media type",
            415,
            "send application/json, text/plain; charset=utf-8 or text/html (got application/xml)",
        )
    ],
    422: [
        _problem(
            "invalid-article",
            "Invalid article",
            422,
            "the article is empty (only white space or invisible characters)",
        ),
        _problem(
            "validation",
            "Invalid request",
            422,
            "the request body has invalid fields: text: Input should be a valid string",
            errors=[{"field": "text", "message": "Input should be a valid string"}],
        ),
        _problem(
            "invalid-url",
            "Invalid URL",
            422,
            "only http and https URLs can be fetched, not file:///etc/passwd",
        ),
        _problem(
            "unsupported-page-type",
            "Unsupported page type",
            422,
            f"{_PAGE_URL}.pdf is application/pdf; only HTML and plain-text pages can be summarised",
            content_type="application/pdf",
        ),
        _problem(
            "no-article-text", "No article text", 422, "no article text was found in the page"
        ),
    ],
    429: [
        _problem(
            "overloaded",
            "Too many requests",
            429,
            "the server is busy: a summary would start in about 240 s and take about 30 s, "
            "over the 180 s left of this request's budget; retry in 240 s",
        ),
        _problem(
            "provider-rate-limited",
            "Provider rate limit",
            429,
            "the model provider is rate limiting requests",
            calls=3,
        ),
    ],
    502: [
        _problem(
            "fetch-failed",
            "Fetch failed",
            502,
            f"{_PAGE_URL} answered 404 Not Found",
            upstream_status=404,
        ),
        _problem(
            "output-invalid",
            "Model output invalid",
            502,
            "the model's output was still invalid after 3 attempt(s): participants: Field required",
            calls=3,
            last_error="participants: Field required",
        ),
    ],
    503: [
        _problem(
            "provider-unavailable",
            "Provider unavailable",
            503,
            "the model provider could not be reached",
            calls=3,
        )
    ],
    504: [
        _problem(
            "fetch-timeout",
            "Fetch timeout",
            504,
            f"fetching {_PAGE_URL} took longer than {_FETCH.timeout_s:g} s "
            "(CONCORD_FETCH__TIMEOUT_S)",
        ),
        _problem(
            "provider-timeout",
            "Provider timeout",
            504,
            "the model provider did not answer in time",
            calls=1,
        ),
        _problem(
            "request-timeout",
            "Request timeout",
            504,
            f"the summary took longer than {_API.request_timeout_s:g} s "
            "(CONCORD_API__REQUEST_TIMEOUT_S)",
        ),
    ],
}
