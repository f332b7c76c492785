"""Fetching a page under a policy: http(s) only, to allowed addresses only, bounded in size and
time, HTML and plain text only.

Each hop is resolved here, every address the host resolves to is checked (``addresses``), and
the connection goes to the checked address itself (the URL's host swapped for it, the name kept
in ``Host`` and TLS's SNI), so a second DNS answer cannot slip in a different one. Redirects are
followed here too, each re-checked, at most ``max_redirects`` of them. The body is streamed and
dropped as soon as it passes ``max_bytes``. Proxies from the environment are ignored: a proxy
would connect to addresses this module never saw.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass

import httpx

from concord import __version__
from concord.settings import FetchSettings
from concord.sources.addresses import AddressPolicy, IPAddress
from concord.sources.errors import (
    FetchFailed,
    FetchForbidden,
    FetchTimeout,
    InvalidUrl,
    PageTooLarge,
    UnsupportedPage,
)

PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_HEADERS = {
    "User-Agent": f"concord/{__version__} (article summariser)",
    "Accept": "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8",
}


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """What one fetch may do; ``from_settings`` fills it from ``CONCORD_FETCH__*``."""

    addresses: AddressPolicy
    max_bytes: int = 5_242_880
    timeout_s: float = 15.0
    max_redirects: int = 5

    @classmethod
    def from_settings(cls, fetch: FetchSettings, *, private_by_default: bool) -> FetchPolicy:
        """The policy of one entry point: the CLI opens private addresses by default, the
        service does not; an explicit ``allow_private`` wins for both."""
        allow = private_by_default if fetch.allow_private is None else fetch.allow_private
        return cls(
            AddressPolicy.parse(allow, fetch.allow_networks),
            fetch.max_bytes,
            fetch.timeout_s,
            fetch.max_redirects,
        )


@dataclass(frozen=True, slots=True)
class FetchedPage:
    url: str  # as asked for
    final_url: str  # after redirects
    media_type: str  # e.g. text/html
    charset: str | None
    body: bytes


def check_url(url: str) -> httpx.URL:
    """``url`` parsed, if it is an absolute http(s) URL with a host; else ``InvalidUrl``."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        raise InvalidUrl(f"not a valid URL: {_shown(url)}") from None
    if parsed.scheme not in ("http", "https"):
        raise InvalidUrl(f"only http and https URLs can be fetched, not {_shown(url)}")
    if not parsed.host:
        raise InvalidUrl(f"the URL has no host: {_shown(url)}")
    return parsed


async def fetch_page(url: str, policy: FetchPolicy) -> FetchedPage:
    """GET ``url`` under ``policy``; raises a ``concord.sources.errors`` error saying why not."""
    current = check_url(url)
    try:
        async with (
            asyncio.timeout(policy.timeout_s),
            httpx.AsyncClient(
                follow_redirects=False, trust_env=False, timeout=policy.timeout_s
            ) as client,
        ):
            for _ in range(policy.max_redirects + 1):
                address = await _allowed_address(current, policy.addresses)
                request = _request_to(client, current, address)
                response = await client.send(request, stream=True)
                try:
                    location = response.headers.get("location")
                    if response.status_code in _REDIRECTS and location:
                        current = check_url(str(current.join(location)))
                        continue
                    return await _read(url, str(current), response, policy.max_bytes)
                finally:
                    await response.aclose()
    except TimeoutError:
        raise FetchTimeout(_timed_out(url, policy)) from None
    except httpx.TimeoutException:
        raise FetchTimeout(_timed_out(url, policy)) from None
    except httpx.HTTPError as exc:
        raise FetchFailed(f"could not fetch {_shown(url)}: {type(exc).__name__}") from None
    raise FetchFailed(
        f"{_shown(url)} redirected more than {policy.max_redirects} times "
        "(CONCORD_FETCH__MAX_REDIRECTS)"
    )


async def _allowed_address(url: httpx.URL, policy: AddressPolicy) -> IPAddress:
    """The address to connect to for ``url``'s host, once every address it resolves to passed."""
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            url.host, port, type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError):
        raise FetchFailed(f"the host {url.host!r} could not be resolved") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))
    for address in addresses:
        if (kind := policy.refusal(address)) is not None:
            opens = "CONCORD_FETCH__ALLOW_NETWORKS"
            if kind in ("loopback", "private"):
                opens = "CONCORD_FETCH__ALLOW_PRIVATE or " + opens
            raise FetchForbidden(
                f"{_shown(str(url))} leads to {address}, a {kind} address, which is not "
                f"fetched here ({opens})",
                address=str(address),
                address_kind=kind,
            )
    if not addresses:
        raise FetchFailed(f"the host {url.host!r} has no address")
    return addresses[0]


def _request_to(client: httpx.AsyncClient, url: httpx.URL, address: IPAddress) -> httpx.Request:
    """A GET for ``url`` sent to ``address``: the host name stays in ``Host`` and in SNI, so
    virtual hosting and certificate checks work as for the name."""
    headers = dict(_HEADERS)
    headers["Host"] = url.netloc.decode("ascii")
    extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
    return client.build_request(
        "GET", url.copy_with(host=str(address)), headers=headers, extensions=extensions
    )


async def _read(url: str, final_url: str, response: httpx.Response, max_bytes: int) -> FetchedPage:
    if response.status_code >= 300:
        raise FetchFailed(
            f"{_shown(final_url)} answered {response.status_code} {response.reason_phrase}",
            upstream_status=response.status_code,
        )
    media_type, _, params = response.headers.get("content-type", "").partition(";")
    media_type = media_type.strip().lower()
    if media_type not in PAGE_TYPES:
        raise UnsupportedPage(
            f"{_shown(final_url)} is {media_type or 'of no declared type'}; "
            "only HTML and plain-text pages can be summarised",
            content_type=media_type or None,
        )
    too_large = PageTooLarge(
        f"the page at {_shown(final_url)} is larger than {max_bytes:,} bytes "
        "(CONCORD_FETCH__MAX_BYTES)",
        limit=max_bytes,
    )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > max_bytes:
            raise too_large
    return FetchedPage(url, final_url, media_type, _charset(params), bytes(body))


def _charset(params: str) -> str | None:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"') or None
    return None


def _timed_out(url: str, policy: FetchPolicy) -> str:
    return (
        f"fetching {_shown(url)} took longer than {policy.timeout_s:g} s (CONCORD_FETCH__TIMEOUT_S)"
    )


def _shown(url: str) -> str:
    return url if len(url) <= 200 else url[:200] + "…"
