"""``concord serve``: run the HTTP API under uvicorn.

Each worker process builds its own app (``app_from_environment``), so with the embedded local
model each worker loads its own copy: memory grows by about 1.9 GB per worker. On SIGTERM
uvicorn stops accepting connections, lets in-flight requests finish for up to
``--graceful-timeout`` seconds, then runs the app's shutdown, which stops the model server.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

import uvicorn
from litestar import Litestar

from service.api.app import create_app
from service.prompts import load_prompt
from service.providers import connect, parse_model_id
from service.redact import configure_logging
from service.settings import Settings, get_settings

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument(
        "--graceful-timeout",
        type=float,
        default=30.0,
        help="seconds in-flight requests may take to finish after SIGTERM (default 30)",
    )


def uses_embedded_model(settings: Settings) -> bool:
    return parse_model_id(settings.model).provider == "local" and not settings.base_url


def _configure_logging(settings: Settings) -> None:
    configure_logging(settings.log_level)
    # Say where the server listens even at the default WARNING level.
    logging.getLogger("uvicorn.error").setLevel(logging.INFO)


def app_from_environment() -> Litestar:
    """The uvicorn factory each worker calls: settings from the environment, logging set up."""
    settings = get_settings()
    _configure_logging(settings)
    return create_app(settings)


async def _check_remote_provider(settings: Settings) -> None:
    """Open and close a remote provider's client: a missing key or URL fails here, in one line."""
    async with connect(settings, parse_model_id(settings.model)):
        pass


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    _configure_logging(settings)
    # Fail in milliseconds on a typo or a missing key, before any worker starts or model loads.
    parse_model_id(settings.model)
    load_prompt(settings.prompt_version, settings.prompts_dir)
    if not uses_embedded_model(settings):
        asyncio.run(_check_remote_provider(settings))
    if args.workers > 1 and uses_embedded_model(settings):
        message = (
            f"--workers {args.workers} with the embedded local model: each worker loads its own "
            f"copy (about 1.9 GB of memory each, {args.workers} in all). Consider one worker, "
            "or an external model server (CONCORD_MODEL / CONCORD_BASE_URL)."
        )
        log.warning(message)
    # uvicorn re-raises the signal it stopped on once shutdown is done; after a graceful stop on
    # SIGTERM the process should exit 0, not die of the signal, so that signal is made harmless.
    signal.signal(signal.SIGTERM, lambda *_: None)
    uvicorn.run(
        "service.api.serve:app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        timeout_graceful_shutdown=args.graceful_timeout,
        lifespan="on",
        log_config=None,
        server_header=False,
    )
    return 0
