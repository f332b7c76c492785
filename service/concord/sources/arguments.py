"""``concord summarise ARG``: an http(s) URL is fetched, a ``.html`` file extracted, anything
else read as the article's text.

From the command line the fetcher may reach loopback and private addresses (the page server on
your own machine, your intranet) unless ``CONCORD_FETCH__ALLOW_PRIVATE=false``; link-local and
metadata addresses stay refused unless listed in ``CONCORD_FETCH__ALLOW_NETWORKS``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from concord.article import decode_article_bytes
from concord.settings import Settings
from concord.sources.decode import decode_page
from concord.sources.errors import InvalidUrl
from concord.sources.fetch import FetchPolicy
from concord.sources.page import SourcedText, from_html, from_text, from_url

PAGE_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})


async def source_of_argument(
    argument: str, settings: Settings, title: str | None, read: Callable[[str], bytes]
) -> SourcedText:
    """The text ``argument`` names; ``read`` reads a file (or ``-``, standard input)."""
    scheme, sep, _ = argument.partition("://")
    if sep and scheme.isalpha():
        if scheme.lower() not in ("http", "https"):
            raise InvalidUrl(f"only http and https URLs can be fetched, not {argument}")
        policy = FetchPolicy.from_settings(settings.fetch, private_by_default=True)
        return await from_url(argument, policy, title)
    data = read(argument)
    if Path(argument).suffix.lower() in PAGE_SUFFIXES:
        return await from_html(decode_page(data), title)
    return from_text(decode_article_bytes(data), title)
