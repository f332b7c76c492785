"""OpenTelemetry traces: a span per summary, per pipeline step and per model call.

Off unless configured, by the standard variables: ``OTEL_TRACES_EXPORTER`` (``otlp``,
``console``, or a comma-separated list; ``none`` turns it off) or an OTLP endpoint
(``OTEL_EXPORTER_OTLP_ENDPOINT`` / ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``), plus the SDK's own
(``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_TRACES_SAMPLER``, ``OTEL_BSP_*``,
``OTEL_EXPORTER_OTLP_HEADERS`` …). A program that embeds Concord may instead install its own
SDK tracer provider (globally, or for Concord alone with ``install``); Concord then records
into it. Unconfigured, the API's no-op tracer makes
every span here cost next to nothing.

Model-call spans follow the GenAI semantic conventions (``gen_ai.operation.name``,
``gen_ai.provider.name``, ``gen_ai.request.model``, ``gen_ai.usage.input_tokens`` …). No span
carries article text, prompts, completions or keys: only names, sizes, counts and times.

A job carries the W3C ``traceparent`` of the request that queued it (``carrier``), and the
worker's span continues that trace (``continued``).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from opentelemetry import context, propagate, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

log = logging.getLogger(__name__)

TRACER_NAME = "concord"
_ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
_installed: trace.TracerProvider | None = None  # Concord's own, instead of the global one


def install(provider: trace.TracerProvider | None) -> trace.TracerProvider | None:
    """Record Concord's spans into ``provider`` (None: the global one again); returns the one
    installed before. For a program that embeds Concord, and for tests."""
    global _installed
    previous, _installed = _installed, provider
    return previous


def provider() -> trace.TracerProvider:
    return _installed or trace.get_tracer_provider()


def _exporter_names() -> list[str]:
    names = os.environ.get("OTEL_TRACES_EXPORTER")
    if names is not None:
        return [name.strip() for name in names.split(",") if name.strip() not in ("", "none")]
    return ["otlp"] if any(os.environ.get(name) for name in _ENDPOINT_VARIABLES) else []


def tracing_enabled() -> bool:
    """Whether spans are recorded: an SDK tracer provider is installed (by ``configure`` or by
    the program embedding Concord)."""
    from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415 - only when asked

    return isinstance(provider(), TracerProvider)


def configure_tracing() -> bool:
    """Install a tracer provider from the ``OTEL_*`` variables, once per process; True when
    traces are recorded. A provider already installed is left alone."""
    if os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    if tracing_enabled():
        return True
    names = _exporter_names()
    if not names:
        return False
    # The SDK is imported only when traces are on: an untraced CLI run does not pay for it.
    from opentelemetry.sdk.resources import Resource  # noqa: PLC0415
    from opentelemetry.sdk.trace import TracerProvider  # noqa: PLC0415
    from opentelemetry.sdk.trace.export import (  # noqa: PLC0415
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SpanExporter,
    )

    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "concord")})
    configured = TracerProvider(resource=resource)  # reads OTEL_TRACES_SAMPLER itself
    for name in names:
        exporter: SpanExporter
        if name == "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
                OTLPSpanExporter,
            )

            exporter = OTLPSpanExporter()  # endpoint, headers, timeout from OTEL_EXPORTER_OTLP_*
        elif name == "console":
            exporter = ConsoleSpanExporter()
        else:
            log.warning("OTEL_TRACES_EXPORTER %r is not one Concord knows (otlp, console)", name)
            continue
        configured.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(configured)
    return True


def tracer() -> trace.Tracer:
    return provider().get_tracer(TRACER_NAME)


@contextlib.contextmanager
def span(name: str, attributes: Mapping[str, Any] | None = None) -> Iterator[Span]:
    """A span for the block, current inside it; an exception marks it failed."""
    with tracer().start_as_current_span(name, attributes=dict(attributes or {})) as current:
        yield current


class StepSpan:
    """A pipeline step's span, current from its start to its finish (``StepClock``'s hooks)."""

    def __init__(self, step: str) -> None:
        self.span = tracer().start_span(step, attributes={"concord.step": step})
        self._token = context.attach(trace.set_span_in_context(self.span))

    def end(self, error: BaseException | None = None) -> None:
        if error is not None:
            self.span.set_status(Status(StatusCode.ERROR, type(error).__name__))
            self.span.set_attribute("error.type", type(error).__name__)
        self.span.end()
        with contextlib.suppress(ValueError):  # ended from another context than it began in
            context.detach(self._token)


def model_call_span(
    provider: str, model: str, base_url: str, request: Mapping[str, Any]
) -> contextlib.AbstractContextManager[Span]:
    """The span of one model call (transient retries included), per the GenAI conventions."""
    where = urlsplit(base_url)
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": provider,
        "gen_ai.system": provider,  # the older name, still what many backends read
        "gen_ai.request.model": model,
        "gen_ai.request.temperature": request.get("temperature", 0.0),
        "gen_ai.request.max_tokens": request.get("max_tokens", 0),
        "server.address": where.hostname or "",
    }
    if where.port is not None:
        attributes["server.port"] = where.port
    if (response_format := request.get("response_format")) is not None:
        attributes["gen_ai.output.type"] = "json"
        attributes["gen_ai.openai.request.response_format"] = response_format.get("type", "")
    return tracer().start_as_current_span(
        f"chat {model}", kind=SpanKind.CLIENT, attributes=attributes
    )


def record_usage(
    current: Span,
    *,
    input_tokens: int,
    output_tokens: int,
    cached_tokens: int,
    finish_reason: str | None,
    calls: int,
) -> None:
    """What the call cost, on its span."""
    current.set_attribute("gen_ai.usage.input_tokens", input_tokens)
    current.set_attribute("gen_ai.usage.output_tokens", output_tokens)
    current.set_attribute("gen_ai.usage.cache_read.input_tokens", cached_tokens)
    if finish_reason:
        current.set_attribute("gen_ai.response.finish_reasons", [finish_reason])
    current.set_attribute("concord.http_calls", calls)


def record_error(current: Span, error: Exception) -> None:
    slug = getattr(error, "slug", type(error).__name__)
    current.set_attribute("error.type", slug)
    current.set_status(Status(StatusCode.ERROR, slug))


def carrier() -> dict[str, str]:
    """The current trace context as W3C headers (``traceparent``), to travel with a job."""
    headers: dict[str, str] = {}
    propagate.inject(headers)
    return headers


@contextlib.contextmanager
def continued(headers: Mapping[str, str] | None, name: str) -> Iterator[Span]:
    """A span for the block that continues the trace ``headers`` carry (a new one without)."""
    parent = propagate.extract(dict(headers or {}))
    with tracer().start_as_current_span(name, context=parent, kind=SpanKind.CONSUMER) as current:
        yield current
