"""Where a summary request's article comes from: its ``text``, a saved page (a ``text/html``
body) or a ``url`` fetched under the service's policy, which refuses loopback and private
addresses unless ``CONCORD_FETCH__ALLOW_PRIVATE`` (or ``…__ALLOW_NETWORKS``) opens them."""

from __future__ import annotations

from concord.api.request_body import SummaryRequest
from concord.settings import Settings
from concord.sources.fetch import FetchPolicy
from concord.sources.page import SourcedText, from_html, from_text, from_url


async def source_of(fields: SummaryRequest, settings: Settings) -> SourcedText:
    """The plain text to summarise and its origin; fetch and extraction errors propagate."""
    if fields.url is not None:
        policy = FetchPolicy.from_settings(settings.fetch, private_by_default=False)
        return await from_url(fields.url, policy, fields.title)
    if fields.html is not None:
        return await from_html(fields.html, fields.title)
    return from_text(fields.text or "", fields.title)
