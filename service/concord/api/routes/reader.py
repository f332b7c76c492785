"""``GET /``: the reader page, a form and a result view made of three static files.

There is no build step and nothing from another origin: ``static/reader/`` holds the HTML, the
CSS and one script, served as they are; the page talks to ``/v1/options`` and
``/v1/summaries`` on this same origin.
"""

from __future__ import annotations

from pathlib import Path

from litestar import Response, Router, get
from litestar.static_files import create_static_files_router

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


@get("/", include_in_schema=False, sync_to_thread=False)
def reader_page() -> Response[bytes]:
    """The page itself; its script and styles come from ``/static/``."""
    page = (STATIC_DIR / "reader" / "index.html").read_bytes()
    return Response(page, media_type="text/html")


def static_files() -> Router:
    """``/static/reader/…`` and ``/static/docs/…``, straight from the package."""
    return create_static_files_router("/static", directories=[STATIC_DIR], name="static")
