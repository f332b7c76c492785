"""A web page's main text and headline, without its navigation, ads and comments.

trafilatura does the work: it is actively maintained, ranks among the best on public
main-text extraction benchmarks, reads the page's metadata for the title, and keeps paragraphs
as lines. Comments are left out (they are not the article).
Extraction is CPU work on a parsed tree; ``extract_article_async`` runs it off the event loop.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from importlib.metadata import version

from concord.sources.errors import NoArticleText

EXTRACTOR = "trafilatura"


@dataclass(frozen=True, slots=True)
class Extracted:
    text: str
    title: str | None


def extractor_version() -> str:
    return version(EXTRACTOR)


def extract_article(html: str, url: str | None = None) -> Extracted:
    """The page's main text and title; ``NoArticleText`` if there is no article in it."""
    import trafilatura  # noqa: PLC0415 (heavy: loaded by the first page, not at start-up)
    from trafilatura.settings import Document  # noqa: PLC0415

    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_images=False
    )
    text = document.text if isinstance(document, Document) else None
    if not text or not text.strip():
        where = f" at {url}" if url else ""
        raise NoArticleText(f"no article text was found in the page{where}")
    title = document.title if isinstance(document, Document) else None
    return Extracted(text=text.strip(), title=(title or "").strip() or None)


async def extract_article_async(html: str, url: str | None = None) -> Extracted:
    """``extract_article`` in a worker thread, so a big page does not stall other requests."""
    return await asyncio.to_thread(extract_article, html, url)
