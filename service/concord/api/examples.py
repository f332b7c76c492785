"""Examples shown in the OpenAPI document: a short excerpt of the sample article, the summary
the default prompt makes of it, and one problem document per error status.

The summary is not written by hand: example answers of each pass are validated against the
passes' real schemas and assembled by the pipeline's own steps, so it cannot drift from what
the API returns.

Each problem's detail is worded as the code that raises it words it, and the limits it quotes
are the settings' defaults, read from the settings themselves.
"""

from __future__ import annotations

from typing import Any

from concord.cited_summary import build_agreements, build_disagreements, build_participants, finish
from concord.errors import TYPE_BASE
from concord.prompts import load_prompt
from concord.providers.embedded.catalog import DEFAULT_EMBEDDED
from concord.schema import (
    AgreementsPass,
    DisagreementsPass,
    Meta,
    ParticipantsPass,
    PassStats,
    SummaryResult,
    Usage,
    VerificationCounts,
)
from concord.sentences import SentenceIndex, split_sentences
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

# What each pass of the default prompt might answer for the excerpt (its sentences, numbered
# as the model sees them: [1] the agreement, [2] Kerry's words, [3] the refusal), validated
# against the passes' real output classes.
EXAMPLE_PASS_ANSWERS = (
    ParticipantsPass.model_validate(
        {
            "participants": [
                {
                    "name": "John Kerry",
                    "role": "US Secretary of State",
                    "affiliation": "United States",
                    "sentences": [1, 2],
                },
                {
                    "name": "Sergei Lavrov",
                    "role": "Russian Foreign Minister",
                    "affiliation": "Russia",
                    "sentences": [1],
                },
            ]
        }
    ),
    AgreementsPass.model_validate(
        {
            "agreements": [
                {
                    "sentences": [1],
                    "statement": "The US and Russia will step up intelligence cooperation.",
                    "parties": ["John Kerry", "Sergei Lavrov"],
                }
            ]
        }
    ),
    DisagreementsPass.model_validate(
        {
            "disagreements": [
                {
                    "sentences": [3],
                    "topic": "Joining the US-led coalition against Isis",
                    "positions": [
                        {"party": "Sergei Lavrov", "position": "Russia will not join it."},
                        {"party": "John Kerry", "position": "The US leads the coalition."},
                    ],
                }
            ]
        }
    ),
)
# Illustrative costs of each pass: (prompt tokens, of them from the server's cache, completion).
_PASS_COSTS = {
    "participants": (412, 0, 96),
    "agreements": (455, 388, 52),
    "disagreements": (457, 388, 71),
    "verification": (431, 388, 24),
}


def _example_response() -> dict[str, Any]:
    """The answer ``POST /v1/summaries`` gives for the excerpt with the default prompt, built by
    the same steps the multi-pass pipeline takes after its model calls."""
    prompt = load_prompt(Settings.model_fields["prompt_version"].default)
    sentences = split_sentences(_EXCERPT)
    index = SentenceIndex(tuple(sentences))
    found, agreed, differ = EXAMPLE_PASS_ANSWERS
    people = build_participants(found.participants, index, _EXCERPT, "")
    summary, counts = finish(
        people,
        build_agreements(agreed.agreements, index, people),
        build_disagreements(differ.disagreements, index, people),
        "flag",
    )
    passes = [
        PassStats(
            name=name,
            calls=1,
            prompt_tokens=_PASS_COSTS[name][0],
            cached_tokens=_PASS_COSTS[name][1],
            completion_tokens=_PASS_COSTS[name][2],
            latency_ms=2100.0,
        )
        for name in prompt.passes
    ]
    usage = Usage(
        prompt_tokens=sum(p.prompt_tokens for p in passes),
        completion_tokens=sum(p.completion_tokens for p in passes),
        total_tokens=sum(p.prompt_tokens + p.completion_tokens for p in passes),
    )
    checked = len(agreed.agreements) + len(differ.disagreements)
    verified = "verification" in prompt.passes
    meta = Meta(
        provider="local",
        model=DEFAULT_EMBEDDED.name,
        prompt_version=prompt.id,
        prompt_hash=prompt.content_hash,
        schema_hash=prompt.schema_hash,
        calls=len(passes),
        usage=usage,
        latency_ms=sum(p.latency_ms for p in passes) + 12.5,
        grounding=counts,
        passes=passes,
        verification=VerificationCounts(
            checked=checked, kept=checked, kept_by_cue=0 if verified else checked
        ),
    )
    document: dict[str, Any] = SummaryResult(summary=summary, meta=meta).model_dump(mode="json")
    return document


EXAMPLE_RESPONSE: dict[str, Any] = _example_response()


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
