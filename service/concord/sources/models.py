"""What a summary says about its article's origin: ``meta.source``, and the extracted ``article``.

Evidence offsets refer to the text the pipeline summarised. When that text was pulled out of a
page rather than sent by the caller, the response carries it (``article.text``), so the offsets
can be read against it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SourceKind = Literal["text", "html", "url"]


class ArticleSource(BaseModel):
    """Where the summarised text came from."""

    model_config = ConfigDict(extra="forbid")

    kind: SourceKind = Field(
        description="'text': sent as text; 'html': a saved page sent or read from a file; "
        "'url': fetched from the web."
    )
    url: str | None = Field(None, description="The URL asked for (kind 'url').")
    final_url: str | None = Field(None, description="The URL answered from, after redirects.")
    content_type: str | None = Field(None, description="The page's media type.")
    extractor: str | None = Field(None, description="What pulled the text out of the markup.")
    extractor_version: str | None = None


class ExtractedArticle(BaseModel):
    """The text the evidence offsets refer to, when it is not what the caller sent."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The article's main text as extracted; offsets index it.")
    title: str | None = Field(None, description="The headline found in the page, if any.")
