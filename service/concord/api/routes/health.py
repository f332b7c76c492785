"""``GET /healthz`` (the process is up) and ``GET /readyz`` (the model can be reached)."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency

from concord.observability import metrics
from concord.providers.readiness import check_ready
from concord.serving.summary_runner import SummaryRunner


@get("/healthz", summary="Liveness", tags=["health"], sync_to_thread=False)
def healthz() -> dict[str, str]:
    """The process is up and serving HTTP. Needs no key and touches no model."""
    return {"status": "ok"}


@get("/readyz", summary="Readiness", tags=["health"])
async def readyz(runner: NamedDependency[SummaryRunner]) -> dict[str, str]:
    """The default model answers: for the embedded model, its server is running; for a remote
    provider, ``GET {base_url}/models`` succeeds within 2 s. Otherwise a 503 problem document.
    ``shared_state`` says whether this replica shares cache and limits through Redis or, with no
    Redis configured or Redis unreachable, works from its own memory (still ready: it answers)."""
    model = runner.models.default
    try:
        await check_ready(model)
    except Exception:
        metrics.model_up(model.provider, model.model, up=False)
        raise
    metrics.model_up(model.provider, model.model, up=True)
    ready = {"status": "ready", "provider": model.provider, "model": model.model}
    if runner.shared is None:
        return ready | {"shared_state": "memory"}
    return ready | await runner.shared.status()
