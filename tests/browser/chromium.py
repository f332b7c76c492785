"""Debian's Chromium, headless, driven by Playwright: the browser the reader-page tests use.

Nothing is downloaded: Playwright drives ``/usr/bin/chromium`` (installed by ``make install``
from Debian's packages, never by ``playwright install``) in a fresh profile, with the
background services that would reach the internet turned off. Each page records its console
errors and every URL it requested, so a test can say "no errors, nothing from elsewhere".
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import BrowserContext, ConsoleMessage, Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",  # the tests run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class WatchedPage:
    """A page and what it did: console errors, uncaught exceptions, URLs requested."""

    page: Page
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def foreign_requests(self, *origins: str) -> list[str]:
        """Requests to anything but ``origins`` (``data:`` URLs are part of the page)."""
        return [
            url
            for url in self.requests
            if not url.startswith("data:") and not any(url.startswith(o) for o in origins)
        ]


@contextlib.contextmanager
def chromium(profile_dir: Path, width: int = 1280, height: int = 900) -> Iterator[BrowserContext]:
    """A headless Chromium with a fresh profile in ``profile_dir``."""
    if shutil.which(CHROMIUM) is None:
        raise AssertionError(f"{CHROMIUM} is missing: `make install` installs Debian's chromium")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile_dir),
            executable_path=CHROMIUM,
            headless=True,
            args=FLAGS,
            viewport={"width": width, "height": height},
        )
        try:
            yield context
        finally:
            context.close()


def watched_page(context: BrowserContext) -> WatchedPage:
    """A new page whose console errors and requests are recorded from the start."""
    page = context.new_page()
    watched = WatchedPage(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: watched.errors.append(f"uncaught: {error}"))
    page.on("request", lambda request: watched.requests.append(request.url))
    return watched
