"""API docs that work offline: Swagger UI served from the app, never from a CDN.

Litestar's render plugins load their scripts from a CDN by default (Scalar as an unpinned
``@latest``), so on a machine without internet the docs page is blank, and whatever that URL
serves tomorrow would run on this origin. Here the files come from the ``swagger-ui-py`` wheel
(a dependency; ``constraints.txt`` fixes its version), and the page starts Swagger UI from a
script file rather than an inline one, so it runs under the same Content-Security-Policy as
the rest of the app.
"""

from __future__ import annotations

import html
from importlib.resources import files
from pathlib import Path
from typing import Any

from litestar import Request, Router
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

SWAGGER_ASSETS = "/vendor/swagger-ui"
DOCS_ASSETS = "/static/docs"


def swagger_ui_dir() -> Path:
    """Where the installed ``swagger-ui-py`` keeps Swagger UI's own built files."""
    return Path(str(files("swagger_ui") / "static"))


class OfflineSwaggerPlugin(SwaggerRenderPlugin):
    """Swagger UI at ``/schema`` and ``/schema/swagger``, every asset from this app."""

    def __init__(self) -> None:
        super().__init__(
            js_url=f"{SWAGGER_ASSETS}/swagger-ui-bundle.js",
            css_url=f"{SWAGGER_ASSETS}/swagger-ui.css",
            standalone_preset_js_url=f"{SWAGGER_ASSETS}/swagger-ui-standalone-preset.js",
            path=["/swagger", "/"],
            favicon=f"<link rel='icon' href='{SWAGGER_ASSETS}/favicon-32x32.png'>",
            style="",  # Litestar's default is an inline <style>, which the CSP refuses
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = html.escape(str(openapi_schema["info"]["title"]))
        spec_url = html.escape(self.get_openapi_json_route(request))
        page = f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title}</title>
  {self.favicon}
  <link rel="stylesheet" href="{self.css_url}">
  <script src="{self.js_url}"></script>
  <script src="{self.standalone_preset_js_url}"></script>
  <script src="{DOCS_ASSETS}/swagger-init.js"></script>
</head>
<body><div id="swagger-container" data-spec-url="{spec_url}"></div></body>
</html>"""
        return page.encode()


def swagger_assets() -> Router:
    """The Swagger UI files, under ``SWAGGER_ASSETS``."""
    return create_static_files_router(
        SWAGGER_ASSETS, directories=[swagger_ui_dir()], name="swagger-ui-assets"
    )
