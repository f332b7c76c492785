"""Why a page could not be turned into an article: each refusal its own status and type URI."""

from __future__ import annotations

from concord.errors import ConcordError


class InvalidUrl(ConcordError):
    """Not an absolute http(s) URL with a host."""

    status = 422
    title = "Invalid URL"
    slug = "invalid-url"


class FetchForbidden(ConcordError):
    """The URL (or a redirect) leads to an address the fetch policy does not allow."""

    status = 403
    title = "Fetch forbidden"
    slug = "fetch-forbidden"


class UnsupportedPage(ConcordError):
    """The page is neither HTML nor plain text."""

    status = 422
    title = "Unsupported page type"
    slug = "unsupported-page-type"


class PageTooLarge(ConcordError):
    """The page is over ``CONCORD_FETCH__MAX_BYTES``; reading stopped there."""

    status = 413
    title = "Page too large"
    slug = "page-too-large"


class NoArticleText(ConcordError):
    """The extractor found no main text in the page (an index page, a login wall …)."""

    status = 422
    title = "No article text"
    slug = "no-article-text"


class FetchFailed(ConcordError):
    """The page's server could not be reached, or answered with an error."""

    status = 502
    title = "Fetch failed"
    slug = "fetch-failed"


class FetchTimeout(ConcordError):
    """The fetch (DNS, connect, redirects, body) outran ``CONCORD_FETCH__TIMEOUT_S``."""

    status = 504
    title = "Fetch timeout"
    slug = "fetch-timeout"
