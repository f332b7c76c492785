"""An article's text from what the caller holds (text, a saved page, or a URL), with a record
of where it came from; and that record put on the finished summary.

The record goes on after the summary is made (``with_source``), not into it: two pages with the
same main text share one cached summary, and each answer still names its own page.
"""

from __future__ import annotations

from dataclasses import dataclass

from concord.schema import SummaryResult
from concord.sources.decode import decode_page
from concord.sources.extract import EXTRACTOR, extract_article_async, extractor_version
from concord.sources.fetch import FetchPolicy, fetch_page
from concord.sources.models import ArticleSource, ExtractedArticle


@dataclass(frozen=True, slots=True)
class SourcedText:
    """Plain text for the pipeline, its title, where it came from, and (when it is not what the
    caller sent) the text itself for the response."""

    text: str
    title: str | None
    source: ArticleSource
    article: ExtractedArticle | None = None


def from_text(text: str, title: str | None = None) -> SourcedText:
    return SourcedText(text, title, ArticleSource(kind="text"))


async def from_html(html: str, title: str | None = None, *, url: str | None = None) -> SourcedText:
    """The main text of a saved page; the caller's ``title`` wins over the page's."""
    extracted = await extract_article_async(html, url)
    source = ArticleSource(
        kind="html",
        content_type="text/html",
        extractor=EXTRACTOR,
        extractor_version=extractor_version(),
    )
    article = ExtractedArticle(text=extracted.text, title=extracted.title)
    return SourcedText(extracted.text, title or extracted.title, source, article)


async def from_url(url: str, policy: FetchPolicy, title: str | None = None) -> SourcedText:
    """Fetch ``url`` under ``policy``; an HTML page is extracted, a text one taken as it is."""
    page = await fetch_page(url, policy)
    text = decode_page(page.body, page.charset)
    if page.media_type == "text/plain":
        sourced = SourcedText(
            text, title, ArticleSource(kind="url"), ExtractedArticle(text=text, title=None)
        )
    else:
        sourced = await from_html(text, title, url=page.final_url)
    source = sourced.source.model_copy(
        update={
            "kind": "url",
            "url": url,
            "final_url": page.final_url,
            "content_type": page.media_type,
        }
    )
    return SourcedText(sourced.text, sourced.title, source, sourced.article)


def with_source(result: SummaryResult, sourced: SourcedText) -> SummaryResult:
    """``result`` with ``meta.source`` and, for extracted text, the top-level ``article``."""
    meta = result.meta.model_copy(update={"source": sourced.source})
    return result.model_copy(update={"meta": meta, "article": sourced.article})
