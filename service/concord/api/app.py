"""The app factory: settings in, a Litestar app out, with routes, errors, auth and lifespan."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from importlib.metadata import PackageNotFoundError, version

from litestar import Litestar, Router
from litestar.di import Provide
from redis.exceptions import RedisError

from concord.api.api_docs import swagger_assets
from concord.api.auth import require_api_key
from concord.api.openapi import openapi_config
from concord.api.problems import problem_details_plugin
from concord.api.routes.health import healthz, readyz
from concord.api.routes.jobs import create_job, read_job
from concord.api.routes.reader import reader_page, static_files
from concord.api.routes.summaries import create_summary, summary_options
from concord.api.security_headers import security_headers
from concord.api.unread_body import close_after_unread_body
from concord.jobs.queue import open_queue
from concord.serving.summary_runner import SummaryRunner
from concord.settings import Settings, get_settings


def _version() -> str:
    try:
        return version("concord")
    except PackageNotFoundError:
        return "0.0.0"


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the HTTP app. The default model is opened when the app starts (for ``local``, the
    embedded server is started once and shared by every request) and closed when it stops."""
    settings = settings or get_settings()
    runner = SummaryRunner(settings)
    keys = settings.api.api_keys
    # Jobs need somewhere to wait for a worker: with no Redis, the job routes do not exist.
    jobs = open_queue(settings, fail_fast=True) if settings.redis_url is not None else None

    @contextlib.asynccontextmanager
    async def models_open(_: Litestar) -> AsyncIterator[None]:
        await runner.start()
        if jobs is not None:
            await jobs.connect()
        try:
            yield
        finally:
            await runner.close()
            if jobs is not None:
                with contextlib.suppress(RedisError, OSError):  # Redis may be gone by now
                    await jobs.disconnect()

    summaries = Router(
        "/v1",
        route_handlers=[create_summary, summary_options, *([create_job, read_job] if jobs else [])],
        guards=[require_api_key(keys)] if keys else None,
        security=[{"bearer": []}] if keys else None,
    )
    return Litestar(
        route_handlers=[summaries, healthz, readyz, reader_page, static_files(), swagger_assets()],
        dependencies={
            "runner": Provide(lambda: runner, sync_to_thread=False),
            "jobs": Provide(lambda: jobs, sync_to_thread=False),
        },
        plugins=[problem_details_plugin()],
        lifespan=[models_open],
        openapi_config=openapi_config(_version(), with_auth=bool(keys)),
        request_max_body_size=settings.api.max_body_bytes,
        middleware=[security_headers, close_after_unread_body],
        # Litestar's default logging config would replace the root handlers, and with them the
        # redacting filter ``concord serve`` installs; problems.py logs what operators need.
        logging_config=None,
    )
