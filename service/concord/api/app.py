"""The app factory: settings in, a Litestar app out, with routes, errors, auth and lifespan."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from importlib.metadata import PackageNotFoundError, version

from litestar import Litestar, Router
from litestar.di import Provide
from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from redis.exceptions import RedisError

from concord.api.api_docs import swagger_assets
from concord.api.auth import require_api_key
from concord.api.openapi import openapi_config
from concord.api.problems import problem_details_plugin
from concord.api.routes.health import healthz, readyz
from concord.api.routes.jobs import create_job, read_job
from concord.api.routes.metrics import MetricsController
from concord.api.routes.reader import reader_page, static_files
from concord.api.routes.summaries import create_summary, summary_options
from concord.api.security_headers import security_headers
from concord.api.unread_body import close_after_unread_body
from concord.jobs.queue import open_queue
from concord.observability import tracing
from concord.observability.metrics import http_metrics
from concord.observability.request_ids import current_request_id, with_request_id
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

    observed = Router(
        "/", route_handlers=[MetricsController], guards=[require_api_key(keys)] if keys else None
    )
    summaries = Router(
        "/v1",
        route_handlers=[create_summary, summary_options, *([create_job, read_job] if jobs else [])],
        guards=[require_api_key(keys)] if keys else None,
        security=[{"bearer": []}] if keys else None,
    )
    app = Litestar(
        route_handlers=[
            summaries,
            observed,
            healthz,
            readyz,
            reader_page,
            static_files(),
            swagger_assets(),
        ],
        dependencies={
            "runner": Provide(lambda: runner, sync_to_thread=False),
            "jobs": Provide(lambda: jobs, sync_to_thread=False),
        },
        plugins=[problem_details_plugin(), *tracing_plugins()],
        lifespan=[models_open],
        openapi_config=openapi_config(_version(), with_auth=bool(keys)),
        # The largest per-type limit; read_body applies each body's own (request_body.py).
        request_max_body_size=max(settings.body_limit_bytes, settings.fetch.max_bytes),
        middleware=[security_headers, close_after_unread_body, http_metrics().middleware],
        # Litestar's default logging config would replace the root handlers, and with them the
        # redacting filter ``concord serve`` installs; problems.py logs what operators need.
        logging_config=None,
    )
    # Outside everything, Litestar's exception handling included: a 404 has a request id too.
    app.asgi_handler = with_request_id(app.asgi_handler)
    return app


def tracing_plugins() -> list[OpenTelemetryPlugin]:
    """Litestar's HTTP server span, when traces are on (``OTEL_*``, see ``tracing``)."""
    if not tracing.configure_tracing():
        return []
    return [OpenTelemetryPlugin(OpenTelemetryConfig(
        tracer_provider=tracing.provider(),
        server_request_hook_handler=lambda span, _: span.set_attribute(
            "concord.request_id", current_request_id() or ""),
        exclude=["/metrics", "/healthz"],
    ))]  # fmt: skip
