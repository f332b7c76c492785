"""A web server of saved pages on loopback: an explicit test fake for the page fetcher.

Each path is scripted with a ``Page`` (a body, its media type, an optional delay, with or
without ``Content-Length``) or a ``Redirect``. It records every request it receives (path and
``Host`` header), so a test can tell what the fetcher did and did not ask for.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from concord.loopback import HOST, free_port

PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"


@dataclass(frozen=True)
class Page:
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    delay: float = 0.0  # seconds before the answer starts
    content_length: bool = True  # False: no length, the body ends when the connection closes


@dataclass(frozen=True)
class Redirect:
    location: str
    status: int = 302


@dataclass(frozen=True)
class SeenRequest:
    path: str
    host: str | None


@dataclass
class PageServer:
    routes: dict[str, Page | Redirect] = field(default_factory=dict)
    requests: list[SeenRequest] = field(default_factory=list)
    port: int = field(default_factory=free_port)

    def __post_init__(self) -> None:
        self._server = ThreadingHTTPServer((HOST, self.port), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, path: str, host: str = HOST) -> str:
        return f"http://{host}:{self.port}{path}"

    def add(self, path: str, reply: Page | Redirect) -> str:
        """Serve ``reply`` at ``path``; returns the page's URL."""
        self.routes[path] = reply
        return self.url(path)

    def paths(self) -> list[str]:
        return [seen.path for seen in self.requests]

    def __enter__(self) -> PageServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def saved_page(name: str) -> bytes:
    """A page from tests/fixtures/pages/."""
    return (PAGES / name).read_bytes()


def _handler(server: PageServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one request per connection; a missing length is fine

        def do_GET(self) -> None:
            server.requests.append(SeenRequest(self.path, self.headers.get("Host")))
            reply = server.routes.get(self.path)
            if reply is None:
                reply = Page(b"<h1>Not found</h1>", status=404)
            if isinstance(reply, Redirect):
                self.send_response(reply.status)
                self.send_header("Location", reply.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            time.sleep(reply.delay)
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            if reply.content_length:
                self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            try:
                for start in range(0, len(reply.body), 16_384):
                    self.wfile.write(reply.body[start : start + 16_384])
            except (BrokenPipeError, ConnectionResetError):
                pass  # the fetcher stopped reading: that is what size-cap tests check

        def log_message(self, *_: object) -> None:
            pass

    return Handler
