"""One model call, seen from outside: its metrics, its span's usage, its speed sample.

``providers.call`` calls ``call_succeeded`` or ``call_failed`` once per HTTP attempt; this is
the one place that knows which metric, which span attribute and which speed estimate each
number feeds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from opentelemetry.trace import Span

from concord.observability import metrics, tracing
from concord.observability.metrics import outcome_of
from concord.providers.speed import CallSample, heard

if TYPE_CHECKING:
    from concord.providers.call import Completion
    from concord.providers.connection import ConnectedModel


def call_succeeded(
    model: ConnectedModel, completion: Completion, seconds: float, span: Span
) -> None:
    usage = completion.usage
    metrics.model_call(
        model.provider,
        model.model,
        seconds,
        prompt_tokens=usage.prompt_tokens,
        cached_tokens=completion.cached_tokens,
        generated_tokens=usage.completion_tokens,
    )
    tracing.record_usage(
        span,
        input_tokens=usage.prompt_tokens,
        output_tokens=usage.completion_tokens,
        cached_tokens=completion.cached_tokens,
        finish_reason=completion.finish_reason,
        calls=completion.calls,
    )
    heard(
        f"{model.provider}:{model.model}",
        CallSample(
            evaluated_tokens=max(0, usage.prompt_tokens - completion.cached_tokens),
            generated_tokens=usage.completion_tokens,
            seconds=seconds,
            prefill_s=completion.prefill_s,
            generate_s=completion.generate_s,
        ),
    )


def call_failed(model: ConnectedModel, error: Exception, seconds: float, span: Span) -> None:
    metrics.model_call(model.provider, model.model, seconds, outcome=outcome_of(error))
    tracing.record_error(span, error)
