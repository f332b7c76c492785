"""One summary request, end to end: pick the model and prompt, then cache → coalesce → queue →
model, all inside the per-request time budget.

The order matters: a cache hit costs nothing, a request identical to one already running waits
for that one instead of taking a model slot, and only genuinely new work queues for a slot,
and only if it can expect to get through the queue within its budget (``admission``).
With ``CONCORD_REDIS_URL`` set, each step also looks beyond this process (``concord.shared``):
the cache is shared, one replica makes the model call for identical requests at several, and
the slot is fleet-wide.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from concord.article import Article
from concord.errors import RequestInvalid, RequestTimeout
from concord.observability import metrics
from concord.pipeline import PipelineOptions, summarise
from concord.progress import ProgressCallback
from concord.prompts import PromptTemplate, load_prompt
from concord.providers.connection import ConnectedModel
from concord.providers.warmup import warm_up
from concord.schema import SummaryResult
from concord.serving.admission import Admission, slot_count
from concord.serving.cache import CacheKey, SummaryCache, cache_key, mark_cached
from concord.serving.coalesce import InFlight
from concord.serving.limiter import ConcurrencyLimiter
from concord.serving.model_pool import ModelPool
from concord.serving.step_relay import StepRelay
from concord.serving.summary_estimate import SummaryEstimates
from concord.settings import Settings
from concord.shared.state import SharedState, shared_key


@dataclass(frozen=True, slots=True)
class SummaryJob:
    """A checked article and what the request asked for (None: the server's defaults)."""

    article: Article
    model: str | None = None  # a model id, 'provider:model'
    prompt_version: str | None = None


@dataclass(frozen=True, slots=True)
class ResolvedJob:
    """A job whose prompt and model are checked against the allowed lists and loaded."""

    article: Article
    prompt: PromptTemplate
    model: ConnectedModel


class SummaryRunner:
    """Everything a server process shares between requests: models, cache, limits."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.models = ModelPool(settings)
        self.cache = SummaryCache(settings.api.cache_entries)
        self.shared = SharedState.from_settings(settings, slot_count(settings))
        self.limiter = ConcurrencyLimiter(
            slot_count(settings),
            settings.api.max_queue,
            global_slots=self.shared.slots if self.shared else None,
        )
        chunking = PipelineOptions.from_settings(settings).chunking
        self.admission = Admission(self.limiter, SummaryEstimates(chunking=chunking))
        metrics.watch_slots(self.limiter)
        self.in_flight: InFlight[SummaryResult] = InFlight()
        self.relays: dict[CacheKey, StepRelay] = {}  # progress of the work in flight, by key
        self.options = PipelineOptions.from_settings(settings)

    async def start(self) -> None:
        """Check every allowed prompt loads and open the default model; fail fast if not."""
        for version in {self.settings.prompt_version, *self.settings.api.allowed_prompt_versions}:
            load_prompt(version, self.settings.prompts_dir)
        await self.models.start()
        if self.models.default.provider == "local":  # the embedded model: time it before use
            await warm_up(self.models.default, self.admission.estimates.speeds)

    async def close(self) -> None:
        await self.models.close()
        if self.shared is not None:
            await self.shared.close()

    async def run(self, job: SummaryJob) -> SummaryResult:
        """Summarise ``job.article``; raises a ``ConcordError`` subclass on any failure."""
        return await self.run_resolved(await self.resolve(job))

    async def resolve(self, job: SummaryJob) -> ResolvedJob:
        """Check the job's choices against the allowed lists; raises ``RequestInvalid``."""
        prompt = self._prompt(job.prompt_version)
        return ResolvedJob(job.article, prompt, await self._model(job.model))

    @metrics.count_summaries
    async def run_resolved(
        self, job: ResolvedJob, on_progress: ProgressCallback | None = None
    ) -> SummaryResult:
        """Summarise a resolved job; ``on_progress`` hears the steps of the model call that
        serves it, even one that an identical request started earlier."""
        key = cache_key(job.article, job.prompt, job.model, self.settings)
        if (hit := self.cache.get(key)) is not None:
            return hit
        relay = self.relays.setdefault(key, StepRelay())
        unsubscribe = relay.subscribe(on_progress) if on_progress else None
        timeout = self.settings.api.request_timeout_s
        deadline = asyncio.get_running_loop().time() + timeout
        try:
            async with asyncio.timeout_at(deadline):
                result, shared = await self.in_flight.run(
                    key, lambda: self._summarise(key, job, relay, deadline)
                )
        except TimeoutError:
            raise RequestTimeout(
                f"the summary took longer than {timeout:g} s (CONCORD_API__REQUEST_TIMEOUT_S)"
            ) from None
        finally:
            if unsubscribe is not None:
                unsubscribe()
        return mark_cached(result) if shared else result

    async def _summarise(
        self, key: CacheKey, job: ResolvedJob, relay: StepRelay, deadline: float
    ) -> SummaryResult:
        async def call_model() -> SummaryResult:
            async with self.admission.slot(job.model, deadline, len(job.article.text)) as slot:
                slot.result = await summarise(
                    job.article, job.model, job.prompt, self.options, on_progress=relay
                )
                return slot.result

        try:
            if self.shared is None:
                result = await call_model()
            else:
                # Another replica's answer (cached, or its call for the same key) comes without
                # its steps: the relay's listeners hear none, only the summary at the end.
                name = shared_key(key)
                hit = await self.shared.cached(name)
                metrics.cache_lookup("shared", hit=hit is not None)
                if hit is not None:
                    self.cache.put(key, hit)
                    return mark_cached(hit)
                result, elsewhere = await self.shared.once(name, call_model)
                if elsewhere:
                    self.cache.put(key, result)
                    return mark_cached(result)
        finally:
            if self.relays.get(key) is relay:
                del self.relays[key]
        self.cache.put(key, result)
        return result

    def choices(self) -> dict[str, list[str]]:
        """The models and prompt versions a request may pick, the defaults first."""
        models = [self.settings.model, *self.settings.api.allowed_models]
        prompts = [self.settings.prompt_version, *self.settings.api.allowed_prompt_versions]
        return {
            "models": list(dict.fromkeys(models)),
            "prompt_versions": list(dict.fromkeys(prompts)),
        }

    def _prompt(self, version: str | None) -> PromptTemplate:
        default = self.settings.prompt_version
        allowed = self.settings.api.allowed_prompt_versions
        if version is not None and version != default and version not in allowed:
            raise RequestInvalid(_not_allowed("prompt_version", version, [default, *allowed]))
        return load_prompt(version or default, self.settings.prompts_dir)

    async def _model(self, model_id: str | None) -> ConnectedModel:
        default = self.settings.model
        allowed = self.settings.api.allowed_models
        if model_id is None or model_id == default:
            return self.models.default
        if model_id not in allowed:
            raise RequestInvalid(_not_allowed("model", model_id, [default, *allowed]))
        return await self.models.get(model_id)


def _not_allowed(field: str, value: str, allowed: list[str]) -> str:
    choices = ", ".join(repr(choice) for choice in dict.fromkeys(allowed))
    shown = value if len(value) <= 80 else value[:80] + "…"
    return f"{field} {shown!r} is not allowed on this server; choose one of: {choices}"
