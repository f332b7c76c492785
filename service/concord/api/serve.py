"""``concord serve``: run the HTTP API under Granian.

Granian (a Rust HTTP server, hyper underneath) was chosen over uvicorn because uvicorn has no
timeout for reading a request's head: a client sending its headers a byte at a time holds its
connection for ever. Granian's header-read timeout cuts it off, and also closes kept-alive
connections left idle that long; the body deadline is the app's (see ``request_body``).
Measured with the overhead benchmark in one interleaved run, Granian was also a little faster
than uvicorn and Hypercorn (docs/benchmarks.md).

With the embedded model, this process starts it *before* listening, and every worker talks to
that one server: a model that cannot start ends the command with one line naming the cause and
the fix, instead of a server that listens and answers 503, and ``--workers N`` no longer loads
N copies. On SIGTERM Granian stops accepting connections, lets in-flight requests finish for up
to ``--graceful-timeout`` seconds and stops its workers; the model server is stopped last.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import math
import os
import signal
import socket
import threading
import time

from granian.constants import HTTPModes, Interfaces, Loops
from granian.http import HTTP1Settings
from granian.server import MPServer
from litestar import Litestar

from concord.api.app import create_app
from concord.errors import ConfigurationError
from concord.prompts import load_prompt
from concord.providers.connection import connect, embedded_model
from concord.providers.profiles import parse_model_id
from concord.redact import configure_logging
from concord.settings import Settings, get_settings

log = logging.getLogger(__name__)

# Granian logs through its own "_granian" logger; sent to the root logger, its lines pass the
# same redacting handler as Concord's. Granian's own INFO lines say where it listens.
_GRANIAN_LOGGING = {"loggers": {"_granian": {"handlers": [], "propagate": True}}}


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


def app_from_environment() -> Litestar:
    """The factory each Granian worker calls: settings from the environment, logging set up."""
    _stop_with_main_process()
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)


def _stop_with_main_process() -> None:
    """Stop this worker if Granian's main process dies without stopping it (SIGKILL, a crash).

    Granian forks its workers and nothing else tells them: an orphan would keep the port, its
    memory and, through the descriptors it inherited, the embedded model's lifeline.
    """
    main = os.getppid()

    def watch() -> None:
        while os.getppid() == main:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)  # Granian's own graceful stop

    threading.Thread(target=watch, name="watch-main-process", daemon=True).start()


async def _check_remote_provider(settings: Settings) -> None:
    """Open and close a remote provider's client: a missing key or URL fails here, in one line."""
    async with connect(settings, parse_model_id(settings.model)):
        pass


def check_port_free(host: str, port: int) -> None:
    """Fail in one line if ``host:port`` is taken, before a model is loaded for nothing."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Granian binds it
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigurationError(
                    f"port {port} on {host} is already in use: stop the program listening "
                    "there, or choose another with --port"
                ) from None
            raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    # Fail in milliseconds on a typo, a missing key or a taken port, before any model loads.
    parse_model_id(settings.model)
    load_prompt(settings.prompt_version, settings.prompts_dir)
    if not uses_embedded_model(settings):
        asyncio.run(_check_remote_provider(settings))
    check_port_free(args.host, args.port)
    with contextlib.ExitStack() as stack:
        if uses_embedded_model(settings):
            if args.workers > 1:
                log.warning(
                    "--workers %d share one embedded model with %d slot(s) "
                    "(CONCORD_LOCAL_PARALLEL); each worker queues on its own, so its wait "
                    "estimates see only its own requests",
                    args.workers,
                    settings.local_parallel,
                )
            # Workers inherit the environment: they reach the running model like any server.
            os.environ["CONCORD_BASE_URL"] = stack.enter_context(embedded_model(settings))
            get_settings.cache_clear()  # forked workers must read it, not the settings above
        granian_server(
            "concord.api.serve:app_from_environment",
            host=args.host,
            port=args.port,
            workers=args.workers,
            graceful_timeout_s=args.graceful_timeout,
            header_timeout_s=settings.api.header_timeout_s,
        ).serve()
    return 0


def granian_server(
    factory: str,
    *,
    host: str,
    port: int,
    workers: int,
    graceful_timeout_s: float,
    header_timeout_s: float,
) -> MPServer:
    """Granian as ``concord serve`` runs it (the benchmarks' minimal app uses the same): worker
    processes, as ``granian.Granian`` is on a CPython with a GIL."""
    return MPServer(
        factory,
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.ASGI,
        workers=workers,
        loop=Loops.asyncio,
        http=HTTPModes.http1,
        # hyper's header timer also runs while a kept-alive connection waits for its next
        # request, so this one setting bounds both; a small buffer caps a request's head.
        http1_settings=HTTP1Settings(
            header_read_timeout=math.ceil(header_timeout_s * 1000), max_buffer_size=65_536
        ),
        websockets=False,
        log_dictconfig=_GRANIAN_LOGGING,
        workers_kill_timeout=max(1, math.ceil(graceful_timeout_s)),
    )
